import { describe, expect, it } from 'vitest';
import { activationInstant, formatInZone, isCalendarDate } from '../../src/tap/time.js';

describe('activation instant', () => {
  it('places the activation hour in the customer zone, in winter and summer', () => {
    expect(activationInstant('2026-12-07', 'Europe/Amsterdam', 8).toISOString()).toBe('2026-12-07T07:00:00.000Z');
    expect(activationInstant('2026-07-07', 'Europe/Amsterdam', 8).toISOString()).toBe('2026-07-07T06:00:00.000Z');
    expect(activationInstant('2026-12-07', 'America/New_York', 8).toISOString()).toBe('2026-12-07T13:00:00.000Z');
  });

  it('is right on the days the clocks change in Europe/Amsterdam', () => {
    // Spring forward on Sunday 29 March 2026 at 02:00 → 03:00; autumn back on Sunday 25 October 2026.
    expect(activationInstant('2026-03-29', 'Europe/Amsterdam', 8).toISOString()).toBe('2026-03-29T06:00:00.000Z');
    expect(activationInstant('2026-03-28', 'Europe/Amsterdam', 8).toISOString()).toBe('2026-03-28T07:00:00.000Z');
    expect(activationInstant('2026-10-25', 'Europe/Amsterdam', 8).toISOString()).toBe('2026-10-25T07:00:00.000Z');
    expect(activationInstant('2026-10-24', 'Europe/Amsterdam', 8).toISOString()).toBe('2026-10-24T06:00:00.000Z');
  });

  it('is right on the days the clocks change in America/New_York', () => {
    // Spring forward Sunday 8 March 2026; fall back Sunday 1 November 2026.
    expect(activationInstant('2026-03-08', 'America/New_York', 8).toISOString()).toBe('2026-03-08T12:00:00.000Z');
    expect(activationInstant('2026-03-07', 'America/New_York', 8).toISOString()).toBe('2026-03-07T13:00:00.000Z');
    expect(activationInstant('2026-11-01', 'America/New_York', 8).toISOString()).toBe('2026-11-01T13:00:00.000Z');
    expect(activationInstant('2026-10-31', 'America/New_York', 8).toISOString()).toBe('2026-10-31T12:00:00.000Z');
  });

  it('moves an hour that does not exist (spring-forward gap) to the first valid local time', () => {
    // 02:00 on 29 March 2026 does not exist in Amsterdam; clocks read 03:00 CEST = 01:00Z.
    expect(activationInstant('2026-03-29', 'Europe/Amsterdam', 2).toISOString()).toBe('2026-03-29T01:00:00.000Z');
  });

  it('rejects dates that are not calendar dates', () => {
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2026-2-3')).toBe(false);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(() => activationInstant('07/12/2026', 'UTC', 8)).toThrow(RangeError);
  });

  it('formats an instant with the zone and its offset', () => {
    expect(formatInZone(new Date('2026-12-07T07:00:00Z'), 'Europe/Amsterdam')).toBe('Mon 7 Dec 2026, 08:00 (Europe/Amsterdam, UTC+01:00)');
  });
});
