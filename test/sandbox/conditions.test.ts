import { describe, expect, it } from 'vitest';
import { ConditionsError, parseConditions, type FieldSchema } from '../../src/sandbox/connectwise/conditions.js';

const schema: FieldSchema = {
  id: { type: 'number' },
  summary: { type: 'string' },
  'board/name': { type: 'string' },
  closed: { type: 'boolean' },
  lastUpdated: { type: 'datetime', path: '_info/lastUpdated' },
};
const row = { id: 7, summary: 'New starter: Bram', board: { name: 'Onboarding' }, closed: false, _info: { lastUpdated: '2026-11-20T18:04:26Z' } };
const test = (c: string) => parseConditions(c, schema)(row);

describe('ConnectWise conditions grammar', () => {
  it('compares strings case-insensitively, integers, booleans and bracketed datetimes', () => {
    expect(test('board/name = "onboarding"')).toBe(true);
    expect(test('id >= 7 and id < 8')).toBe(true);
    expect(test('closed = False')).toBe(true);
    expect(test('lastUpdated > [2026-11-20T18:04:25Z]')).toBe(true);
    expect(test('lastUpdated > [2026-11-20T18:04:26Z]')).toBe(false);
  });

  it('supports contains, like, in, not, OR and parentheses', () => {
    expect(test('summary contains "bram"')).toBe(true);
    expect(test('summary like "New*"')).toBe(true);
    expect(test('summary not contains "bram"')).toBe(false);
    expect(test('id in (1, 7)')).toBe(true);
    expect(test('(id = 1 OR id = 7) AND board/name != "Service Desk"')).toBe(true);
  });

  it('handles escaped quotes inside strings', () => {
    expect(parseConditions('summary = "say \\"hi\\""', schema)({ summary: 'say "hi"' })).toBe(true);
  });

  it('refuses what it cannot read', () => {
    for (const bad of ['', 'id = "7"', 'summary = 7', 'lastUpdated > "2026-11-20"', 'lastUpdated > [yesterday]', 'id > ', '(id = 7', 'summary = "open', 'id = 7 id = 8', 'unknown = 1', 'id contains 7']) {
      expect(() => parseConditions(bad, schema), bad).toThrow(ConditionsError);
    }
  });
});
