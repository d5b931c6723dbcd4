import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { buildHarness, TEST_ENV } from '../helpers/services.js';
import { pruneByRetention } from '../../src/retention.js';

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

describe('dead letters follow the audit retention (issue 14, ALSO NOTICED: never pruned)', () => {
  it('a dead letter that gave up before the cut-off goes, and then its audit row can go too; newer ones stay', async () => {
    const h = buildHarness({ now: NOW });
    const { issuances, outbox } = h.services;
    const at = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
    const row = (id: string, days: number) =>
      issuances.insert({ id, psa: 'connectwise', ticketId: id, trigger: 'button', outcome: 'issued', outcomeCode: 'ISSUED', createdAt: at(days).toISOString(), updatedAt: at(days).toISOString() });
    /** A pass note queued `days` ago and discarded at once (its pass revoked): a dead letter that gave up then. */
    const deadLetter = (issuanceId: string, days: number) => {
      h.clock.now = at(days);
      outbox.enqueue({ id: `note-${issuanceId}`, issuanceId, psa: 'connectwise', ticketId: issuanceId, kind: 'pass', note: { text: 'pass', html: '<p>pass</p>' }, deadlineAt: new Date(at(days).getTime() + 3_600_000) });
      outbox.discardPassNotes(issuanceId, 'pass revoked before its note was written (REVOKED_FROM_TICKET)');
      h.clock.now = NOW;
    };
    row('old', 500);
    deadLetter('old', 500);
    row('old-row-recent-letter', 450);
    deadLetter('old-row-recent-letter', 30);
    row('recent', 10);
    deadLetter('recent', 10);
    expect(outbox.deadLetterCount()).toBe(3);

    expect(pruneByRetention(h.services, 400, NOW)).toEqual({ deadLetters: 1, auditRows: 1 });

    expect(outbox.deadLetters(10).map((d) => d.issuanceId).sort()).toEqual(['old-row-recent-letter', 'recent']);
    expect(issuances.list({}, { limit: 10, offset: 0 }).rows.map((r) => r.id).sort()).toEqual(['old-row-recent-letter', 'recent']);
    expect(pruneByRetention(h.services, 400, NOW)).toEqual({ deadLetters: 0, auditRows: 0 });
  });
});
