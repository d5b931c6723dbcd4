import { afterEach, describe, expect, it, vi } from 'vitest';
import { scheduledIssuances } from '../../src/db/schema.js';
import { startOnboardingWorkers } from '../../src/polling/index.js';
import { buildHarness, CONTOSO, type Harness } from './harness.js';

const NOW = new Date('2026-11-26T10:00:00Z');

afterEach(() => {
  vi.useRealTimers();
});

/** Runs the scheduler at each row's instant until nothing is pending (what the loop does, without waiting). */
async function drainScheduler(h: Harness, limit = 100) {
  for (let i = 0; i < limit; i += 1) {
    const next = h.store.nextDueAt();
    if (!next) return i;
    h.setNow(next);
    await h.scheduler.runDue();
  }
  throw new Error('scheduler did not settle');
}

describe('scheduled issuance', () => {
  it('issues nothing before the issue instant and the pass at it, through the same note path', async () => {
    const h = buildHarness({ now: NOW });
    h.map('connectwise', '10');
    h.entra.addUser(CONTOSO, 'sam@contoso.example', 'Sam Lee');
    h.psa.connectwise.add({ id: '100', companyId: '10', customFields: { 'New user UPN': 'sam@contoso.example', 'Start date': '7 December 2026' } });
    await h.poller.runCycle('connectwise');

    h.setNow('2026-12-04T06:59:59.999Z');
    expect(await h.scheduler.runDue()).toMatchObject({ due: 0 });
    expect(h.entra.passes).toHaveLength(0);

    h.setNow('2026-12-04T07:00:00.000Z');
    expect(await h.scheduler.runDue()).toMatchObject({ due: 1, issued: 1 });
    const [pass] = h.entra.passes;
    expect(pass!.request.startDateTime).toBe('2026-12-07T07:00:00.000Z');
    const notes = h.psa.connectwise.notesFor('100');
    expect(notes.map((n) => n.note.text.split('\n')[0])).toEqual(['Temporary Access Pass scheduled for sam@contoso.example', 'Temporary Access Pass issued for Sam Lee (sam@contoso.example)']);
    expect(notes[1]!.note.text).toContain('Requested by: onboarding scheduler');
    expect(notes[1]!.status).toBe('Pass issued');
    expect(h.store.scheduled('connectwise', '100')).toMatchObject({ state: 'done' });
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'issued', issuanceId: expect.any(String) });

    // The poller sees the ticket again (the note updated it) and leaves it alone.
    await h.poller.runCycle('connectwise');
    expect(h.entra.passes).toHaveLength(1);
  });

  it('fires at the right instant when run by its loop (fake timers)', async () => {
    vi.useFakeTimers({ now: NOW });
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const h = buildHarness();
    h.map('halo', '55');
    h.entra.addUser(CONTOSO, 'ivy@contoso.example');
    h.psa.halo.add({ id: '5', companyId: '55', customFields: { CFNewUserUPN: 'ivy@contoso.example', CFStartDate: '2026-11-30' } });
    const created: Date[] = [];
    const create = h.entra.createTap.bind(h.entra);
    h.entra.createTap = async (...args) => {
      created.push(new Date());
      return create(...args);
    };

    const workers = startOnboardingWorkers(h.services);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.store.scheduled('halo', '5')).toMatchObject({ issueAt: '2026-11-27T07:00:00.000Z' });

    await vi.advanceTimersByTimeAsync(Date.parse('2026-11-27T07:00:00Z') - Date.now() - 1);
    expect(created).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(created.map((d) => d.toISOString())).toEqual(['2026-11-27T07:00:00.000Z']);
    await workers.stop();
  });

  it.each([
    // zone, start date, activation hour, expected start (UTC), expected issue instant (UTC): the lead keeps local time.
    ['Europe/Amsterdam', '2027-03-29', 8, '2027-03-29T06:00:00.000Z', '2027-03-26T07:00:00.000Z', 'UTC+02:00'],
    ['Europe/Amsterdam', '2027-11-01', 8, '2027-11-01T07:00:00.000Z', '2027-10-29T06:00:00.000Z', 'UTC+01:00'],
    // 02:00 does not exist on 28 March 2027 in Amsterdam: the pass starts at 03:00 CEST; three days earlier 02:00 CET exists.
    ['Europe/Amsterdam', '2027-03-28', 2, '2027-03-28T01:00:00.000Z', '2027-03-25T01:00:00.000Z', 'UTC+02:00'],
    ['America/New_York', '2027-03-15', 8, '2027-03-15T12:00:00.000Z', '2027-03-12T13:00:00.000Z', 'UTC-04:00'],
    ['America/New_York', '2027-11-08', 8, '2027-11-08T13:00:00.000Z', '2027-11-05T12:00:00.000Z', 'UTC-05:00'],
  ])('across a clock change in %s, start %s at %i:00', async (zone, date, hour, startAt, issueAt, offset) => {
    const h = buildHarness({ now: NOW });
    h.map('halo', '55', { timeZone: zone, activationHour: hour });
    h.entra.addUser(CONTOSO, 'dst@contoso.example');
    h.psa.halo.add({ id: '6', companyId: '55', customFields: { CFNewUserUPN: 'dst@contoso.example', CFStartDate: date } });
    await h.poller.runCycle('halo');
    expect(h.store.scheduled('halo', '6')).toMatchObject({ startAt, issueAt });

    await drainScheduler(h);
    expect(h.entra.passes[0]!.request.startDateTime).toBe(startAt);
    const passNote = h.psa.halo.notesFor('6')[1]!.note.text;
    expect(passNote).toContain(`(${zone}, ${offset})`);
  });

  it('waits for an account created later, then issues', async () => {
    const h = buildHarness({ now: NOW });
    h.map('connectwise', '10');
    h.psa.connectwise.add({ id: '100', companyId: '10', customFields: { 'New user UPN': 'late@contoso.example', 'Start date': '2026-11-28' } });
    await h.poller.runCycle('connectwise');

    const tries: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const next = h.store.nextDueAt()!;
      tries.push(next.toISOString());
      h.setNow(next);
      expect(await h.scheduler.runDue()).toMatchObject({ waitingUser: 1 });
    }
    // 15 min, then doubling: 30 min, 1 h.
    expect(tries).toEqual(['2026-11-26T10:15:00.000Z', '2026-11-26T10:45:00.000Z', '2026-11-26T11:45:00.000Z']);
    expect(h.psa.connectwise.notesFor('100')).toHaveLength(0);

    h.entra.addUser(CONTOSO, 'late@contoso.example');
    h.setNow(h.store.nextDueAt()!);
    expect(await h.scheduler.runDue()).toMatchObject({ issued: 1 });
    expect(h.entra.passes[0]!.request.startDateTime).toBe('2026-11-28T07:00:00.000Z');
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'issued' });
  });

  it('an account that never appears is tried until the start, then the ticket says so', async () => {
    const h = buildHarness({ now: NOW });
    h.map('connectwise', '10');
    h.psa.connectwise.add({ id: '100', companyId: '10', customFields: { 'New user UPN': 'ghost@contoso.example', 'Start date': '2026-11-28' } });
    await h.poller.runCycle('connectwise');
    const runs = await drainScheduler(h);

    const row = h.store.scheduled('connectwise', '100')!;
    expect(row).toMatchObject({ state: 'failed', lastError: 'USER_NOT_FOUND' });
    expect(h.now().toISOString()).toBe('2026-11-28T07:00:00.000Z');
    // One attempt by the poller, then one per scheduler run, the last at the start.
    expect(row.attempts).toBe(runs + 1);
    const notes = h.psa.connectwise.notesFor('100');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.note.text).toContain('No account ghost@contoso.example appeared in the mapped tenant before the start time');
    expect(notes[0]!.note.text).toContain(`Attempts:          ${row.attempts}`);
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'failed' });
    expect(h.entra.passes).toHaveLength(0);
  });

  it('a row left in flight by a crash after the pass was created is not issued twice', async () => {
    const h = buildHarness({ now: NOW });
    h.map('halo', '55');
    h.entra.addUser(CONTOSO, 'once@contoso.example');
    h.psa.halo.add({ id: '5', companyId: '55', customFields: { CFNewUserUPN: 'once@contoso.example', CFStartDate: '2026-12-10' } });
    await h.poller.runCycle('halo');
    await drainScheduler(h);
    expect(h.entra.passes).toHaveLength(1);

    // As if the process died after Graph answered but before the row was closed.
    h.storage.db.update(scheduledIssuances).set({ state: 'pending' }).run();
    await h.scheduler.runDue();
    expect(h.entra.passes).toHaveLength(1);
    expect(h.store.scheduled('halo', '5')).toMatchObject({ state: 'done' });
  });

  it('a changed start date reschedules the row and notes the new time', async () => {
    const h = buildHarness({ now: NOW });
    h.map('connectwise', '10');
    h.psa.connectwise.add({ id: '100', companyId: '10', customFields: { 'New user UPN': 'moved@contoso.example', 'Start date': '2026-12-14' } });
    await h.poller.runCycle('connectwise');
    h.psa.connectwise.edit('100', { customFields: { 'New user UPN': 'moved@contoso.example', 'Start date': '2027-01-04' } });
    await h.poller.runCycle('connectwise');
    expect(h.store.scheduled('connectwise', '100')).toMatchObject({ state: 'pending', startAt: '2027-01-04T07:00:00.000Z', issueAt: '2027-01-01T07:00:00.000Z' });
    expect(h.psa.connectwise.notesFor('100')).toHaveLength(2);
    expect(h.psa.connectwise.notesFor('100')[1]!.note.text).toContain('Fri 1 Jan 2027, 08:00');
  });
});

describe('refused or failed, decided once (src/errors.ts attemptOutcome)', () => {
  it('a ticket deleted before its scheduled issuance: the ledger, the run summary and the audit row agree', async () => {
    const h = buildHarness({ now: NOW });
    h.map('connectwise', '10');
    h.entra.addUser(CONTOSO, 'gone@contoso.example');
    h.psa.connectwise.add({ id: '100', companyId: '10', customFields: { 'New user UPN': 'gone@contoso.example', 'Start date': '7 December 2026' } });
    await h.poller.runCycle('connectwise');
    h.psa.connectwise.tickets.delete('100');

    h.setNow(h.store.nextDueAt()!);
    const summary = await h.scheduler.runDue();

    const [audit] = h.issuances.list({ psa: 'connectwise' }, { limit: 5, offset: 0 }).rows;
    expect(audit).toMatchObject({ ticketId: '100', outcome: 'failed', outcomeCode: 'TICKET_NOT_FOUND' });
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'failed', detail: 'TICKET_NOT_FOUND' });
    expect(summary).toMatchObject({ due: 1, refused: 0, failed: 1 });
    // Nothing to retry and nowhere to write a note: the row is closed.
    expect(h.store.scheduled('connectwise', '100')).toMatchObject({ state: 'failed', lastError: 'TICKET_NOT_FOUND' });
    expect(h.entra.passes).toHaveLength(0);
  });
});
