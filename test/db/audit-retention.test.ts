import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { buildHarness, TEST_ENV } from '../helpers/services.js';

const NOW = new Date('2026-11-26T10:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();

describe('audit retention (AUDIT_RETENTION_DAYS)', () => {
  it('keeps a year and a bit by default, and 0 means for ever', () => {
    expect(loadConfig(TEST_ENV).auditRetentionDays).toBe(400);
    expect(loadConfig({ ...TEST_ENV, AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays).toBe(0);
  });

  it('prunes rows older than the cut-off, and keeps newer ones and any a waiting note still names', () => {
    const h = buildHarness({ now: NOW });
    const { issuances, outbox } = h.services;
    const row = (id: string, createdAt: string) =>
      issuances.insert({ id, psa: 'connectwise', ticketId: id, trigger: 'button', outcome: 'refused', outcomeCode: 'USER_NOT_FOUND', createdAt, updatedAt: createdAt });
    row('old-1', daysAgo(500));
    row('old-2', daysAgo(401));
    row('old-waiting', daysAgo(450));
    row('recent', daysAgo(10));
    outbox.enqueue({ issuanceId: 'old-waiting', psa: 'connectwise', ticketId: 'old-waiting', kind: 'info', note: { text: 'still to write', html: '<p>still to write</p>' }, deadlineAt: new Date(NOW.getTime() + 3_600_000) });

    expect(issuances.prune(new Date(daysAgo(400)))).toBe(2);
    const left = issuances.list({}, { limit: 10, offset: 0 }).rows.map((r) => r.id).sort();
    expect(left).toEqual(['old-waiting', 'recent']);
    expect(issuances.prune(new Date(daysAgo(400)))).toBe(0);
  });
});
