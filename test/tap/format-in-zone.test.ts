import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { formatInZone } from '../../src/tap/time.js';

/**
 * formatInZone words every time in a pass note (twice a press): the same text as luxon's
 * "ccc d LLL yyyy, HH:mm (zone, UTC ZZ)" in en-GB, from one Intl formatter per zone (issue 14).
 */

/** What formatInZone wrote with luxon until now: the reference. */
function luxonText(instant: Date, zone: string): string {
  const local = DateTime.fromJSDate(instant, { zone });
  return `${local.toFormat('ccc d LLL yyyy, HH:mm', { locale: 'en-GB' })} (${zone}, UTC${local.toFormat('ZZ')})`;
}

const ZONES = ['Europe/Amsterdam', 'Europe/London', 'America/New_York', 'America/St_Johns', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'UTC', 'Etc/GMT+5', 'Africa/Casablanca', 'America/Sao_Paulo'];

describe('formatInZone', () => {
  it.each(ZONES)('writes what luxon wrote, in %s, over every month, weekday and the 2026 clock changes', (zone) => {
    const instants: Date[] = [];
    // Every 61 hours through 2026 and into 2027: each month, each weekday, every hour of the day in turn.
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 1, 1); t += 61 * 3600_000 + 7 * 60_000) instants.push(new Date(t));
    // Around the daylight-saving changes (Europe, North America, Lord Howe's half hour, Chatham) and midnight.
    for (const iso of ['2026-03-29T00:59:59.999Z', '2026-03-29T01:00:00.000Z', '2026-10-25T00:59:00.000Z', '2026-10-25T01:00:00.000Z', '2026-03-08T06:59:00.000Z', '2026-03-08T07:00:00.000Z', '2026-11-01T05:59:00.000Z', '2026-11-01T06:00:00.000Z', '2026-04-04T14:59:00.000Z', '2026-04-04T15:00:00.000Z', '2026-12-31T23:59:59.999Z', '2026-06-30T23:30:00.500Z']) {
      instants.push(new Date(iso));
    }
    for (const instant of instants) expect(formatInZone(instant, zone), instant.toISOString()).toBe(luxonText(instant, zone));
  });

  it('the known example', () => {
    expect(formatInZone(new Date('2026-12-07T07:00:00Z'), 'Europe/Amsterdam')).toBe('Mon 7 Dec 2026, 08:00 (Europe/Amsterdam, UTC+01:00)');
    expect(formatInZone(new Date('2026-09-07T07:00:00Z'), 'Europe/Amsterdam')).toBe(luxonText(new Date('2026-09-07T07:00:00Z'), 'Europe/Amsterdam'));
  });

  it('a zone Intl does not know reads as luxon reads it', () => {
    expect(formatInZone(new Date('2026-12-07T07:00:00Z'), 'Mars/Olympus_Mons')).toBe(luxonText(new Date('2026-12-07T07:00:00Z'), 'Mars/Olympus_Mons'));
  });
});
