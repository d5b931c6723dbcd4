import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { buildHarness, CONTOSO } from '../helpers/services.js';
import { buildHarness as buildPollingHarness } from '../polling/harness.js';

/**
 * A pass revoked while its note still waits in the outbox (the PSA was down) must never reach the ticket later: the
 * waiting pass note is discarded with the revocation (its sealed body erased, a dead letter kept), the revoke note is
 * written, and the pass is in no row.
 */
const NOW = new Date('2026-11-26T10:00:00Z');

/** Every value of every row of every table, as text: the pass must be in none of them. */
function everyRow(sqlite: Database.Database): string {
  const tables = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[];
  return tables.map((t) => JSON.stringify(sqlite.prepare(`SELECT * FROM "${t.name}"`).all(), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v))).join('\n');
}

describe('a pass revoked before its note was written', () => {
  it('revoke route: the waiting pass note is discarded and dead-lettered; after the PSA recovers only the revoke note is written', async () => {
    const h = buildHarness({ now: NOW });
    h.entra.addUser(CONTOSO, 'jane@contoso.example');
    h.map('connectwise', '10');
    h.psa.connectwise.addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example' } });

    h.psa.connectwise.failNotes = 1000; // the PSA is down
    const issued = await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 'Tech' });
    expect(issued.note.status).toBe('pending');
    const [pass] = h.entra.allPasses();
    expect(pass).toBeTruthy();

    h.clock.now = new Date(NOW.getTime() + 60_000);
    const revoked = await h.services.revocations.revokeForTicket({ psa: 'connectwise', ticketId: '100', requestedBy: 'Tech', trigger: 'api' });
    expect(revoked.revoked).toHaveLength(1);
    expect(revoked.note.status).toBe('pending'); // the PSA is still down
    // Discarded with the revocation, not later: only the revoke note waits, the pass note is a dead letter already.
    expect(h.services.outbox.backlog()).toBe(1);
    expect(h.services.outbox.deadLetterCount()).toBe(1);

    // The PSA recovers; the worker runs a few times over the next minutes.
    h.psa.connectwise.failNotes = 0;
    for (let minute = 2; minute <= 20; minute += 3) {
      h.clock.now = new Date(NOW.getTime() + minute * 60_000);
      await h.services.outbox.deliverDue();
    }

    const notes = h.psa.connectwise.notes.map((n) => n.note.text);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('Temporary Access Pass revoked for jane@contoso.example');
    expect(notes[0]).toContain('never');
    expect(notes.join('\n')).not.toContain(pass!);
    expect(h.services.outbox.backlog()).toBe(0);

    const dead = h.services.outbox.deadLetters(10);
    expect(dead).toEqual([expect.objectContaining({ issuanceId: issued.issuanceId, psa: 'connectwise', ticketId: '100', kind: 'pass', state: 'revoked' })]);
    expect(dead[0]!.reason).toContain('pass revoked before its note was written');
    expect(everyRow(h.services.storage.sqlite)).not.toContain(pass!);
    h.services.storage.close();
  });

  it('ticket follower: an onboarding cancelled while the pass note waits discards the note; only the cancellation note is written', async () => {
    const h = buildPollingHarness({ now: NOW, env: { CW_CANCELLED_STATUS: 'Cancelled' } });
    h.map('connectwise', '10');
    h.entra.addUser(CONTOSO, 'jane@contoso.example', 'Jane Doe');
    const psa = h.psa.connectwise;
    const write = psa.writePrivateNote.bind(psa);
    let down = true;
    psa.writePrivateNote = async (...args: Parameters<typeof write>) => {
      if (down) throw new AppError('UPSTREAM_UNAVAILABLE');
      return write(...args);
    };

    psa.add({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example', 'Start date': '2026-11-27' } });
    await h.poller.runCycle('connectwise');
    expect(h.entra.passes).toHaveLength(1);
    const pass = h.entra.passes[0]!.tap.temporaryAccessPass;
    expect(h.outbox.backlog()).toBe(1);

    psa.edit('100', { statusName: 'Cancelled', statusId: '31', open: false });
    await h.poller.runCycle('connectwise');
    expect(h.entra.deleted).toEqual([h.entra.passes[0]!.tap.id]);
    expect(h.outbox.backlog()).toBe(1); // the cancellation note only
    expect(h.outbox.deadLetters(10)[0]!.reason).toBe('pass revoked before its note was written (ONBOARDING_CANCELLED)');

    down = false;
    for (let minute = 2; minute <= 20; minute += 3) {
      h.setNow(new Date(NOW.getTime() + minute * 60_000));
      await h.outbox.deliverDue();
    }
    const notes = psa.notesFor('100').map((n) => n.note.text);
    expect(notes).toHaveLength(1);
    expect(notes[0]).not.toContain(pass);
    expect(h.outbox.backlog()).toBe(0);
    expect(h.outbox.deadLetters(10)).toEqual([expect.objectContaining({ kind: 'pass', state: 'revoked', ticketId: '100' })]);
    expect(everyRow(h.storage.sqlite)).not.toContain(pass);
  });

  it('a pass that ended on a path that did not discard its note: the worker drops the note instead of writing it', async () => {
    const h = buildHarness({ now: NOW });
    h.entra.addUser(CONTOSO, 'jane@contoso.example');
    h.map('connectwise', '10');
    h.psa.connectwise.addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example' } });
    h.psa.connectwise.failNotes = 1000;
    const issued = await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 'Tech' });
    h.services.passes.end(issued.issuanceId);

    h.psa.connectwise.failNotes = 0;
    h.clock.now = new Date(NOW.getTime() + 5 * 60_000);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ written: 0, revoked: 1 });
    expect(h.psa.connectwise.notes).toHaveLength(0);
    expect(h.services.outbox.deadLetters(10)).toEqual([expect.objectContaining({ issuanceId: issued.issuanceId, kind: 'pass', state: 'revoked', reason: 'pass ended before its note was written' })]);
  });
});
