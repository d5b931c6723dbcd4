import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { buildHarness, CONTOSO, type Harness } from '../polling/harness.js';

/**
 * Issue 12, "Follow the ticket until the pass is no longer needed": a start date moved after the pass was issued left
 * the pass live for the old day; a cancelled onboarding left it live (and a scheduled one was still issued).
 */
const NOW = new Date('2026-11-26T10:00:00Z');
let h: Harness;

const ENV = { CW_CANCELLED_STATUS: 'Cancelled', HALO_CANCELLED_STATUS_ID: '13' };

describe.each(['connectwise', 'halo'] as const)('%s: a pass follows its ticket', (kind) => {
  const company = kind === 'connectwise' ? '10' : '55';
  const fields = (upn: string, date: string) => (kind === 'connectwise' ? { 'New user UPN': upn, 'Start date': date } : { CFNewUserUPN: upn, CFStartDate: date });
  const add = (id: string, upn: string, date: string) => h.psa[kind].add({ id, companyId: company, customFields: fields(upn, date) });
  const edit = (id: string, upn: string, date: string) => h.psa[kind].edit(id, { customFields: fields(upn, date) });
  const cancelTicket = (id: string) => h.psa[kind].edit(id, kind === 'connectwise' ? { statusName: 'Cancelled', statusId: '31', open: false } : { statusName: 'Cancelled', statusId: '13', open: false });
  const notes = (id: string) => h.psa[kind].notesFor(id).map((n) => n.note.text);
  const events = (outcome: 'rescheduled' | 'revoked' | 'cancelled') => h.issuances.list({ psa: kind, outcome }, { limit: 20, offset: 0 }).rows;
  const cycle = () => h.poller.runCycle(kind);

  beforeEach(() => {
    h = buildHarness({ now: NOW, env: ENV });
    h.map(kind, company);
    h.entra.addUser(CONTOSO, 'jane@contoso.example', 'Jane Doe');
    h.entra.addUser(CONTOSO, 'kim@contoso.example', 'Kim Lee');
  });

  it('start date moved three weeks out after the pass was issued (ticket already in the done status): revoked, rescheduled, one note', async () => {
    add('100', 'jane@contoso.example', '2026-11-27');
    await cycle();
    const first = h.entra.passes[0]!.tap;
    expect(h.psa[kind].tickets.get('100')!.open).toBe(false); // moved to the done status with the pass note

    edit('100', 'jane@contoso.example', '2026-12-18');
    const summary = await cycle();

    expect(summary).toMatchObject({ replaced: 1, scheduled: 1 });
    expect(h.entra.deleted).toEqual([first.id]);
    expect(h.entra.passes).toHaveLength(1);
    const all = notes('100');
    expect(all).toHaveLength(2);
    expect(all[1]).toContain('Temporary Access Pass rescheduled for jane@contoso.example');
    expect(all[1]).toContain("The ticket's start date changed from 2026-11-27 to 2026-12-18.");
    expect(all[1]).toContain('Revoked pass was valid from: Fri 27 Nov 2026, 08:00');
    expect(all[1]).toContain('New pass valid from:         Fri 18 Dec 2026, 08:00');
    expect(all[1]).toContain('New pass issued on:          Tue 15 Dec 2026, 08:00');
    expect(events('rescheduled')).toMatchObject([{ ticketId: '100', outcomeCode: 'START_DATE_CHANGED', detail: 'Start date moved from 2026-11-27 to 2026-12-18: the pass was revoked before it started.' }]);
    expect(h.store.scheduled(kind, '100')).toMatchObject({ state: 'pending', startAt: '2026-12-18T07:00:00.000Z' });

    // Nothing else changes: no further note, no further revocation.
    await cycle();
    await cycle();
    expect(notes('100')).toHaveLength(2);
    expect(h.entra.deleted).toHaveLength(1);
  });

  it('start date moved earlier, still in the lead time: revoked and issued anew, the pass note says what it replaces', async () => {
    add('101', 'jane@contoso.example', '2026-11-28');
    await cycle();
    const first = h.entra.passes[0]!.tap;
    edit('101', 'jane@contoso.example', '2026-11-27');
    await cycle();

    expect(h.entra.deleted).toEqual([first.id]);
    expect(h.entra.passes).toHaveLength(2);
    expect(h.entra.passes[1]!.request.startDateTime).toBe('2026-11-27T07:00:00.000Z');
    const all = notes('101');
    expect(all).toHaveLength(2);
    expect(all[1]).toContain('Temporary Access Pass issued for Jane Doe');
    expect(all[1]).toContain("The ticket's start date changed from 2026-11-28 to 2026-11-27. The pass valid from Sat 28 Nov 2026, 08:00");
    expect(all[1]).toContain('was revoked; this pass replaces it.');
  });

  it('a scheduled pass whose start moves into the lead time is issued now; one moved later is rescheduled and audited', async () => {
    add('102', 'jane@contoso.example', '2026-12-20');
    add('103', 'kim@contoso.example', '2026-12-20');
    await cycle();
    expect(h.entra.passes).toHaveLength(0);
    edit('102', 'jane@contoso.example', '2026-11-27');
    edit('103', 'kim@contoso.example', '2027-01-08');
    await cycle();

    expect(h.entra.passesFor('jane@contoso.example')).toHaveLength(1);
    expect(h.store.scheduled(kind, '102')?.state).toBe('cancelled');
    expect(notes('103')).toHaveLength(2);
    expect(notes('103')[1]).toContain('Pass valid from: Fri 8 Jan 2027, 08:00');
    expect(events('rescheduled')).toMatchObject([{ ticketId: '103', outcomeCode: 'START_DATE_CHANGED', detail: 'The scheduled pass moved from 2026-12-20 to 2027-01-08.' }]);
  });

  it("user changed: the old user's pass is revoked and the new user gets one", async () => {
    add('104', 'jane@contoso.example', '2026-11-27');
    await cycle();
    const janes = h.entra.passes[0]!;
    edit('104', 'kim@contoso.example', '2026-11-27');
    await cycle();

    expect(h.entra.deleted).toEqual([janes.tap.id]);
    expect(h.entra.live.get(janes.userId)).toBeUndefined();
    expect(h.entra.passesFor('kim@contoso.example')).toHaveLength(1);
    const all = notes('104');
    expect(all).toHaveLength(2);
    expect(all[1]).toContain('Temporary Access Pass issued for Kim Lee');
    expect(all[1]).toContain("The ticket's new user changed from jane@contoso.example to kim@contoso.example.");
    expect(events('revoked')).toMatchObject([{ ticketId: '104', userPrincipalName: 'jane@contoso.example', outcomeCode: 'USER_CHANGED' }]);
  });

  it('cancelled before issuance: the schedule is dropped with one note, and the scheduler issues nothing', async () => {
    add('105', 'jane@contoso.example', '2026-12-20');
    await cycle();
    cancelTicket('105');
    expect(await cycle()).toMatchObject({ cancelled: 1 });

    expect(h.store.scheduled(kind, '105')?.state).toBe('cancelled');
    const all = notes('105');
    expect(all).toHaveLength(2);
    expect(all[1]).toContain('Temporary Access Pass dropped: onboarding cancelled');
    expect(all[1]).toContain('The ticket moved to the status "Cancelled": the onboarding is cancelled.');
    expect(events('cancelled')).toMatchObject([{ ticketId: '105', outcomeCode: 'ONBOARDING_CANCELLED' }]);
    h.setNow('2026-12-17T08:00:00Z');
    expect(await h.scheduler.runDue()).toMatchObject({ due: 0 });
    expect(h.entra.passes).toHaveLength(0);
  });

  it('cancelled after issuance (ticket in the done status): the pass is revoked with one note', async () => {
    add('106', 'jane@contoso.example', '2026-11-28');
    await cycle();
    const pass = h.entra.passes[0]!.tap;
    cancelTicket('106');
    await cycle();
    await cycle();

    expect(h.entra.deleted).toEqual([pass.id]);
    const all = notes('106');
    expect(all).toHaveLength(2);
    expect(all[1]).toContain('Temporary Access Pass revoked: onboarding cancelled');
    expect(all[1]).toContain('Revoked pass was valid from: Sat 28 Nov 2026, 08:00');
    expect(events('cancelled')).toHaveLength(1);
    expect(h.passes.liveForTicket(kind, '106')).toHaveLength(0);
  });

  it('a ticket moved off the onboarding queue (another board or type) is still followed', async () => {
    add('107', 'jane@contoso.example', '2026-11-28');
    await cycle();
    h.psa[kind].edit('107', { boardOrTypeName: 'Projects', open: false });
    edit('107', 'jane@contoso.example', '2026-12-21');
    await cycle();
    expect(h.entra.deleted).toHaveLength(1);
    expect(h.store.scheduled(kind, '107')).toMatchObject({ state: 'pending', startAt: '2026-12-21T07:00:00.000Z' });
  });

  it('a restart after the revocation in Graph repeats no revocation and no note', async () => {
    add('108', 'jane@contoso.example', '2026-11-27');
    await cycle();
    const pass = h.entra.passes[0]!.tap;
    edit('108', 'jane@contoso.example', '2026-12-18');
    // Graph deletes the pass, then the process dies before anything is stored.
    const deleteTap = h.entra.deleteTap.bind(h.entra);
    h.entra.deleteTap = async (t, u, m) => {
      await deleteTap(t, u, m);
      throw new AppError('UPSTREAM_UNAVAILABLE');
    };
    await expect(cycle()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    h.entra.deleteTap = deleteTap;
    expect(notes('108')).toHaveLength(1);

    await h.newPoller().runCycle(kind);
    await h.newPoller().runCycle(kind);
    expect(events('rescheduled')).toHaveLength(1);
    expect(notes('108')).toHaveLength(2);
    expect(h.entra.passes).toHaveLength(1);
    expect(h.entra.live.get(h.entra.passes[0]!.userId)).toBeUndefined();
    expect(h.entra.deleted.filter((id) => id === pass.id).length).toBeGreaterThanOrEqual(1);
  });

  it('a restart after the revocation was recorded, before the new note: no second revocation, one note', async () => {
    add('109', 'jane@contoso.example', '2026-11-27');
    await cycle();
    edit('109', 'jane@contoso.example', '2026-12-18');
    const post = h.deps.tickets.postInfoNote;
    h.deps.tickets.postInfoNote = async () => {
      throw new AppError('UPSTREAM_UNAVAILABLE');
    };
    await expect(cycle()).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    h.deps.tickets.postInfoNote = post;

    await h.newPoller().runCycle(kind);
    await h.newPoller().runCycle(kind);
    expect(h.entra.deleted).toHaveLength(1);
    expect(events('rescheduled')).toHaveLength(1);
    expect(notes('109')).toHaveLength(2);
    expect(h.store.scheduled(kind, '109')).toMatchObject({ state: 'pending', startAt: '2026-12-18T07:00:00.000Z' });
  });

  describe('a pass the button issued on an onboarding ticket is followed like the poller\'s own', () => {
    const press = (id: string, reissue = false) => h.deps.tickets.issueForTicket({ psa: kind, ticketId: id, trigger: 'button', requestedBy: 'Alex (service desk)', reissue });

    it('start date moved after the poller adopted the press: revoked, rescheduled, one note', async () => {
      add('120', 'jane@contoso.example', '2026-11-28');
      await press('120');
      await cycle();
      const pressed = h.entra.passes[0]!.tap;
      expect(h.entra.passes).toHaveLength(1);

      edit('120', 'jane@contoso.example', '2026-12-18');
      expect(await cycle()).toMatchObject({ replaced: 1, scheduled: 1 });

      expect(h.entra.deleted).toEqual([pressed.id]);
      expect(events('rescheduled')).toMatchObject([{ ticketId: '120', outcomeCode: 'START_DATE_CHANGED' }]);
      expect(h.store.scheduled(kind, '120')).toMatchObject({ state: 'pending', startAt: '2026-12-18T07:00:00.000Z' });
      const all = notes('120');
      expect(all).toHaveLength(2);
      expect(all[1]).toContain("The ticket's start date changed from 2026-11-28 to 2026-12-18.");
    });

    it('cancelled after the press: the pass is revoked with one note', async () => {
      add('121', 'jane@contoso.example', '2026-11-28');
      await press('121');
      await cycle();
      cancelTicket('121');
      expect(await cycle()).toMatchObject({ cancelled: 1 });

      expect(h.entra.deleted).toEqual([h.entra.passes[0]!.tap.id]);
      expect(h.passes.liveForTicket(kind, '121')).toHaveLength(0);
      expect(notes('121')[1]).toContain('Temporary Access Pass revoked: onboarding cancelled');
    });

    it("user changed after the press: the old user's pass is revoked and the new user gets one", async () => {
      add('122', 'jane@contoso.example', '2026-11-28');
      await press('122');
      await cycle();
      edit('122', 'kim@contoso.example', '2026-11-28');
      await cycle();

      expect(h.entra.deleted).toEqual([h.entra.passes[0]!.tap.id]);
      expect(h.entra.passesFor('kim@contoso.example')).toHaveLength(1);
      expect(events('revoked')).toMatchObject([{ ticketId: '122', userPrincipalName: 'jane@contoso.example', outcomeCode: 'USER_CHANGED' }]);
    });

    it('a press for a start beyond the lead time is adopted, not scheduled again (a scheduled create would silently replace it)', async () => {
      add('123', 'jane@contoso.example', '2026-12-18');
      await press('123');
      await cycle();
      expect(h.store.scheduled(kind, '123')).toBeUndefined();
      expect(h.ledger(kind, '123')).toMatchObject({ state: 'issued' });
      expect(notes('123')).toHaveLength(1);

      cancelTicket('123');
      await cycle();
      expect(h.entra.deleted).toEqual([h.entra.passes[0]!.tap.id]);
      h.setNow('2026-12-15T08:00:00Z');
      expect(await h.scheduler.runDue()).toMatchObject({ due: 0 });
      expect(h.entra.passes).toHaveLength(1);
    });

    it('pressed while the pass was scheduled: the scheduler adopts the press instead of replacing it, and it is followed', async () => {
      add('125', 'jane@contoso.example', '2026-12-18');
      await cycle();
      expect(h.store.scheduled(kind, '125')).toMatchObject({ state: 'pending' });
      await press('125');
      await cycle();
      const pressed = h.entra.passes[0]!;

      h.setNow('2026-12-15T07:00:00Z');
      await h.scheduler.runDue();
      expect(h.entra.passes).toHaveLength(1);
      expect(h.entra.live.get(pressed.userId)?.tap.id).toBe(pressed.tap.id);
      expect(h.store.scheduled(kind, '125')).toMatchObject({ state: 'done' });
      expect(notes('125')).toHaveLength(2);

      cancelTicket('125');
      expect(await cycle()).toMatchObject({ cancelled: 1 });
      expect(h.entra.deleted).toEqual([pressed.tap.id]);
    });

    it('a press for a start the ticket no longer says is not adopted: the ticket\'s date rules, and its pass replaces the press', async () => {
      add('126', 'jane@contoso.example', '2026-12-21');
      await press('126');
      const pressed = h.entra.passes[0]!;
      // HR moves the start earlier before the poller first looks at the ticket.
      edit('126', 'jane@contoso.example', '2026-12-18');
      await cycle();
      expect(h.store.scheduled(kind, '126')).toMatchObject({ state: 'pending', startAt: '2026-12-18T07:00:00.000Z' });

      h.setNow('2026-12-15T07:00:00Z');
      expect(await h.scheduler.runDue()).toMatchObject({ issued: 1, adopted: 0 });
      expect(h.entra.passes).toHaveLength(2);
      expect(h.entra.passes[1]!.request.startDateTime).toBe('2026-12-18T07:00:00.000Z');
      expect(h.entra.live.get(pressed.userId)?.tap.id).toBe(h.entra.passes[1]!.tap.id);
      expect(notes('126').at(-1)).toContain('This pass replaces any pass issued to this user before');
    });

    it('a pass re-issued by the button after the poller issued is the one followed', async () => {
      add('124', 'jane@contoso.example', '2026-11-28');
      await cycle();
      h.setNow(new Date(NOW.getTime() + 3_600_000));
      await press('124', true);
      const [polled, reissued] = h.entra.passes;
      expect(h.entra.live.get(reissued!.userId)?.tap.id).toBe(reissued!.tap.id);
      await cycle();

      edit('124', 'jane@contoso.example', '2026-12-18');
      await cycle();
      expect(h.entra.deleted).toContain(reissued!.tap.id);
      expect(h.entra.deleted).not.toContain(polled!.tap.id);
      expect(h.entra.live.get(reissued!.userId)).toBeUndefined();
      expect(h.store.scheduled(kind, '124')).toMatchObject({ state: 'pending', startAt: '2026-12-18T07:00:00.000Z' });
    });
  });

  it('stops following a pass once it has started', async () => {
    add('110', 'jane@contoso.example', '2026-11-27');
    await cycle();
    expect(h.store.watchedIds(kind, h.now()).has('110')).toBe(true);
    h.setNow('2026-11-27T07:00:00Z');
    expect(h.store.watchedIds(kind, h.now()).has('110')).toBe(false);
    edit('110', 'jane@contoso.example', '2026-12-18');
    await cycle();
    expect(h.entra.deleted).toHaveLength(0);
  });
});

describe('the cost of following', () => {
  it.each(['connectwise', 'halo'] as const)('%s: an idle cycle is one list request however many tickets are followed', async (kind) => {
    h = buildHarness({ now: NOW, env: ENV });
    const company = kind === 'connectwise' ? '10' : '55';
    h.map(kind, company);
    for (let i = 0; i < 1000; i += 1) {
      const upn = `u${i}@contoso.example`;
      const date = i % 2 === 0 ? '2026-11-28' : '2026-12-20';
      h.psa[kind].add({ id: String(5000 + i), companyId: company, customFields: kind === 'connectwise' ? { 'New user UPN': upn, 'Start date': date } : { CFNewUserUPN: upn, CFStartDate: date } });
      h.entra.addUser(CONTOSO, upn);
    }
    await h.poller.runCycle(kind);
    await h.poller.runCycle(kind);
    expect(h.store.watchedIds(kind, h.now()).size).toBe(1000);
    const before = { ...h.psa[kind].calls };
    const graph = h.entra.calls.length;

    const idle = await h.poller.runCycle(kind);

    expect(h.psa[kind].calls).toEqual({ ...before, list: before.list + 1 });
    expect(h.entra.calls.length).toBe(graph);
    expect(idle).toMatchObject({ pages: 1, replaced: 0, cancelled: 0 });
  }, 120_000);
});
