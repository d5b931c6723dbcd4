import { DateTime } from 'luxon';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buttonMessage } from '../../src/http/button-message.js';
import type { Services } from '../../src/services.js';
import type { TicketIssueResult } from '../../src/tap/ticket-issuance.js';
import { instantInZone, zoneAbbreviation } from '../../src/tap/time.js';

/** The one line a Halo runbook shows: its words are pinned, and it is cheap enough to write on every press. */

function servicesIn(zone: string): Pick<Services, 'issuances' | 'mappings' | 'config'> {
  return {
    issuances: { get: () => ({ companyId: '10' }) },
    mappings: { get: () => ({ timeZone: zone }) },
    config: { tap: { defaultTimeZone: 'UTC' } },
  } as unknown as Pick<Services, 'issuances' | 'mappings' | 'config'>;
}

const result = (start: string, end: string, over: Partial<TicketIssueResult> = {}): TicketIssueResult => ({
  issuanceId: 'i-1',
  status: 'issued',
  ticketId: '2012',
  userPrincipalName: 'jane@contoso.example',
  startDateTime: start,
  expiresDateTime: end,
  lifetimeMinutes: 60,
  usableOnce: false,
  note: { status: 'written' },
  ...over,
});

afterEach(() => vi.restoreAllMocks());

describe('buttonMessage', () => {
  it('says who, where and when in the customer\'s zone', () => {
    expect(buttonMessage(servicesIn('Europe/Amsterdam'), 'halo', result('2026-12-07T07:00:00.000Z', '2026-12-07T08:00:00.000Z'))).toBe(
      'Temporary Access Pass for jane@contoso.example is in a private note on the ticket: valid Mon 7 Dec 2026, 08:00 – 09:00 GMT+1 (Europe/Amsterdam), reusable until it expires.',
    );
    expect(buttonMessage(servicesIn('America/New_York'), 'connectwise', result('2026-03-08T04:30:00.000Z', '2026-03-09T04:30:00.000Z', { usableOnce: true, note: { status: 'pending' } }))).toBe(
      'Temporary Access Pass for jane@contoso.example will appear in a private note on the ticket shortly: valid Sat 7 Mar 2026, 23:30 – Mon 9 Mar 2026, 00:30 EST (America/New_York), one sign-in.',
    );
  });

  it('a second answer builds no Intl formatter (luxon\'s zone name made a new one per call)', () => {
    const services = servicesIn('Europe/Amsterdam');
    buttonMessage(services, 'halo', result('2026-12-07T07:00:00.000Z', '2026-12-07T08:00:00.000Z'));
    const made = vi.spyOn(Intl, 'DateTimeFormat');
    buttonMessage(services, 'halo', result('2026-12-08T07:00:00.000Z', '2026-12-09T08:00:00.000Z'));
    expect(made).not.toHaveBeenCalled();
  });
});

describe('zone name and instant helpers agree with luxon', () => {
  const zones = ['Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC', 'Africa/Casablanca', 'America/St_Johns'];
  // Around the daylight-saving changes of 2026 and ordinary days.
  const instants = ['2026-03-08T06:59:00.000Z', '2026-03-08T07:01:00.000Z', '2026-03-29T00:59:00.000Z', '2026-03-29T01:01:00.000Z', '2026-04-05T02:00:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z', '2026-11-01T06:30:00.000Z', '2026-12-31T23:59:59.999Z'];
  it.each(zones)('%s', (zone) => {
    for (const iso of instants) {
      const ours = instantInZone(iso, zone);
      const luxons = DateTime.fromISO(iso, { zone });
      expect(ours.toISO()).toBe(luxons.toISO());
      expect(zoneAbbreviation(ours)).toBe(luxons.toFormat('ZZZZ', { locale: 'en-US' }));
      const later = instantInZone(new Date(Date.parse(iso) + 3 * 3600_000).toISOString(), zone);
      expect(ours.year === later.year && ours.month === later.month && ours.day === later.day).toBe(ours.hasSame(later, 'day'));
    }
  });

  it('an instant that is not ISO falls back to luxon (invalid stays invalid)', () => {
    expect(instantInZone('', 'Europe/Amsterdam').isValid).toBe(false);
    expect(zoneAbbreviation(instantInZone('', 'Europe/Amsterdam'))).toBe(DateTime.fromISO('', { zone: 'Europe/Amsterdam' }).toFormat('ZZZZ', { locale: 'en-US' }));
  });
});
