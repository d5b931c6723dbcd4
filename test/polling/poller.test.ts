import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { buildHarness, CONTOSO, type Harness } from './harness.js';

const NOW = new Date('2026-11-26T10:00:00Z');
let h: Harness;

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.map('connectwise', '10');
  h.map('halo', '55');
});

const cwFields = (upn: string, date: string) => ({ 'New user UPN': upn, 'Start date': date });

describe('onboarding poller: what happens to one ticket', () => {
  it('issues a pass for a start inside the lead time, notes it, and moves the ticket to the done status', async () => {
    h.entra.addUser(CONTOSO, 'jane@contoso.example', 'Jane Doe');
    h.psa.connectwise.add({ id: '100', companyId: '10', customFields: cwFields('jane@contoso.example', '2026-11-27') });

    const summary = await h.poller.runCycle('connectwise');

    expect(summary).toMatchObject({ seen: 1, issued: 1, scheduled: 0, errors: 0 });
    const [pass] = h.entra.passesFor('jane@contoso.example');
    expect(pass!.request.startDateTime).toBe('2026-11-27T07:00:00.000Z');
    const notes = h.psa.connectwise.notesFor('100');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.note.text).toContain(`Pass:         ${pass!.tap.temporaryAccessPass}`);
    expect(notes[0]!.note.text).toContain('Valid from:   Fri 27 Nov 2026, 08:00 (Europe/Amsterdam, UTC+01:00)');
    expect(notes[0]!.note.text).toContain('Requested by: onboarding poller');
    expect(notes[0]!.status).toBe('Pass issued');
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'issued' });
  });

  it('schedules a start further ahead than ISSUE_LEAD_DAYS and says when the pass will be issued', async () => {
    h.psa.halo.add({ id: '7', companyId: '55', customFields: { CFNewUserUPN: 'sam@contoso.example', CFStartDate: '2026-12-14' } });

    const summary = await h.poller.runCycle('halo');

    expect(summary).toMatchObject({ seen: 1, scheduled: 1, issued: 0 });
    expect(h.entra.passes).toHaveLength(0);
    expect(h.store.scheduled('halo', '7')).toMatchObject({ state: 'pending', startAt: '2026-12-14T07:00:00.000Z', issueAt: '2026-12-11T07:00:00.000Z', userPrincipalName: 'sam@contoso.example' });
    const [note] = h.psa.halo.notesFor('7');
    expect(note!.note.text).toContain('Temporary Access Pass scheduled for sam@contoso.example');
    expect(note!.note.text).toContain('Pass issued on:  Fri 11 Dec 2026, 08:00 (Europe/Amsterdam, UTC+01:00)');
    expect(note!.status).toBeUndefined();
    expect(h.ledger('halo', '7')).toMatchObject({ state: 'scheduled' });
  });

  it('a start date already past issues a pass usable now and says so', async () => {
    h.entra.addUser(CONTOSO, 'late@contoso.example');
    h.psa.halo.add({ id: '8', companyId: '55', details: undefined, description: 'UPN: late@contoso.example\nStart date: 20/11/2026' } as never);

    await h.poller.runCycle('halo');

    const [pass] = h.entra.passesFor('late@contoso.example');
    expect(pass!.request.startDateTime).toBeUndefined();
    expect(h.psa.halo.notesFor('8')[0]!.note.text).toContain('The requested start date has already passed, so this pass is usable now.');
    expect(h.psa.halo.notesFor('8')[0]!.status).toBe('9');
  });

  it('an ambiguous date is never guessed: a note asks for a clear date, and the ticket is retried only when it changes', async () => {
    h.entra.addUser(CONTOSO, 'kim@contoso.example');
    h.psa.connectwise.add({ id: '101', companyId: '10', customFields: cwFields('kim@contoso.example', '03/12/26') });

    expect(await h.poller.runCycle('connectwise')).toMatchObject({ needsInput: 1 });
    expect(h.entra.passes).toHaveLength(0);
    expect(h.psa.connectwise.notesFor('101')[0]!.note.text).toContain('"03/12/26" (from field "Start date") could mean two different days.');
    expect(h.ledger('connectwise', '101')).toMatchObject({ state: 'needs_input' });

    // Our own note updated the ticket; re-reading it finds the same inputs, so no second note.
    await h.poller.runCycle('connectwise');
    await h.poller.runCycle('connectwise');
    expect(h.psa.connectwise.notesFor('101')).toHaveLength(1);

    h.psa.connectwise.edit('101', { customFields: cwFields('kim@contoso.example', '2026-11-28') });
    expect(await h.poller.runCycle('connectwise')).toMatchObject({ issued: 1 });
    expect(h.entra.passesFor('kim@contoso.example')[0]!.request.startDateTime).toBe('2026-11-28T07:00:00.000Z');
  });

  it('a ticket without a user asks for one; the requester (ticket contact) is never used', async () => {
    h.psa.halo.add({ id: '9', companyId: '55', contactEmail: 'hr@contoso.example', customFields: { CFStartDate: '2026-11-27' } });
    h.entra.addUser(CONTOSO, 'hr@contoso.example');

    expect(await h.poller.runCycle('halo')).toMatchObject({ needsInput: 1 });
    expect(h.entra.passes).toHaveLength(0);
    expect(h.psa.halo.notesFor('9')[0]!.note.text).toContain('This onboarding ticket does not say the new user, so no pass was issued.');
  });

  it('an unmapped company is refused through ticket-issuance once, and picked up after an admin maps it', async () => {
    h.entra.addUser(CONTOSO, 'ann@contoso.example');
    h.psa.halo.add({ id: '11', companyId: '77', customFields: { CFNewUserUPN: 'ann@contoso.example', CFStartDate: '2026-11-27' } });

    expect(await h.poller.runCycle('halo')).toMatchObject({ refused: 1 });
    expect(h.psa.halo.notesFor('11')[0]!.note.text).toContain('Company not mapped');
    await h.poller.runCycle('halo');
    expect(h.psa.halo.notesFor('11')).toHaveLength(1);

    h.map('halo', '77');
    expect(await h.poller.runCycle('halo')).toMatchObject({ issued: 1 });
    expect(h.entra.passesFor('ann@contoso.example')).toHaveLength(1);
  });

  it('a user not in Entra yet is waited for quietly (no note) until the start', async () => {
    h.psa.connectwise.add({ id: '102', companyId: '10', customFields: cwFields('new@contoso.example', '2026-11-28') });

    expect(await h.poller.runCycle('connectwise')).toMatchObject({ waitingUser: 1 });
    expect(h.psa.connectwise.notesFor('102')).toHaveLength(0);
    expect(h.store.scheduled('connectwise', '102')).toMatchObject({ state: 'pending', attempts: 1, issueAt: '2026-11-26T10:15:00.000Z', startAt: '2026-11-28T07:00:00.000Z' });
  });

  it('logs one summary line per cycle', async () => {
    h.entra.addUser(CONTOSO, 'jane@contoso.example');
    h.psa.connectwise.add({ id: '100', companyId: '10', customFields: cwFields('jane@contoso.example', '2026-11-27') });
    h.psa.connectwise.add({ id: '103', companyId: '10', customFields: cwFields('x@contoso.example', 'soon') });
    await h.poller.runCycle('connectwise');
    const lines = h.cycleLines('connectwise');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ psa: 'connectwise', seen: 2, issued: 1, scheduled: 0, refused: 0, needsInput: 1, errors: 0, pages: 1 });
    expect(typeof lines[0]!.durationMs).toBe('number');
  });
});

describe('onboarding poller: cursor, paging, steady state', () => {
  const backlog = (kind: 'connectwise' | 'halo', count: number) => {
    for (let i = 1; i <= count; i += 1) {
      const upn = `${kind}-${i}@contoso.example`;
      h.entra.addUser(CONTOSO, upn);
      const fields = kind === 'connectwise' ? cwFields(upn, '2026-11-27') : { CFNewUserUPN: upn, CFStartDate: '2026-11-27' };
      h.psa[kind].add({ id: String(1000 + i), companyId: kind === 'connectwise' ? '10' : '55', customFields: fields });
    }
  };
  const passesPerTicket = () => {
    const counts = new Map<string, number>();
    for (const p of h.entra.passes) counts.set(p.upn, (counts.get(p.upn) ?? 0) + 1);
    return counts;
  };

  it('pages a ConnectWise backlog with the cursor and issues each ticket once', async () => {
    backlog('connectwise', 250);
    const summary = await h.poller.runCycle('connectwise');
    expect(summary.issued).toBe(250);
    expect(passesPerTicket().size).toBe(250);
    expect([...passesPerTicket().values()].every((n) => n === 1)).toBe(true);
    expect(h.store.cursor('connectwise')).toBeDefined();
  });

  it('pages a Halo backlog over 100 (page_size is capped at 100) and issues each ticket once', async () => {
    h = buildHarness({ now: NOW, env: { HALO_DONE_STATUS_ID: '' } });
    h.map('halo', '55');
    backlog('halo', 230);
    const summary = await h.poller.runCycle('halo');
    expect(summary).toMatchObject({ pages: 3, issued: 230 });
    expect(passesPerTicket().size).toBe(230);
    expect([...passesPerTicket().values()].every((n) => n === 1)).toBe(true);
    // Halo lists every open ticket each cycle; the ledger makes the re-listing cost nothing but the list calls.
    await h.poller.runCycle('halo');
    expect(h.entra.passes).toHaveLength(230);
  });

  it('with a done status, Halo tickets leave the list as they are handled and none is lost', async () => {
    backlog('halo', 230);
    await h.poller.runCycle('halo');
    await h.poller.runCycle('halo');
    expect(passesPerTicket().size).toBe(230);
    const before = h.psa.halo.calls.list;
    await h.poller.runCycle('halo');
    expect(h.psa.halo.calls.list - before).toBe(1);
  });

  it('steady state with no new tickets is exactly one list request per PSA per cycle', async () => {
    h.entra.addUser(CONTOSO, 'a@contoso.example');
    h.psa.connectwise.add({ id: '1', companyId: '10', customFields: cwFields('a@contoso.example', '2026-11-27') });
    h.psa.connectwise.add({ id: '2', companyId: '10', customFields: cwFields('b@contoso.example', '2027-01-11') });
    // The date and user are in the description only: reading it is a ConnectWise request.
    h.psa.connectwise.add({ id: '3', companyId: '10', hiddenDescription: 'UPN: c@contoso.example\nStart date: 31/04/2027' });
    h.psa.halo.add({ id: '4', companyId: '55', customFields: { CFNewUserUPN: 'd@contoso.example', CFStartDate: '2027-01-11' } });
    h.psa.halo.add({ id: '5', companyId: '55', description: 'Start date: next week' });
    for (let i = 0; i < 3; i += 1) {
      await h.poller.runCycle('connectwise');
      await h.poller.runCycle('halo');
    }
    const cw = { ...h.psa.connectwise.calls };
    const halo = { ...h.psa.halo.calls };
    for (let i = 0; i < 5; i += 1) {
      await h.poller.runCycle('connectwise');
      await h.poller.runCycle('halo');
    }
    expect(h.psa.connectwise.calls).toEqual({ ...cw, list: cw.list + 5 });
    expect(h.psa.halo.calls).toEqual({ ...halo, list: halo.list + 5 });
  });

  it('handles a multi-page backlog sharing one lastUpdated second in one cycle, though each note reorders the list', async () => {
    // 250 tickets imported in one second: the cursor cannot move between pages, and each pass note bumps its ticket to
    // the end of the lastUpdated order. Paging while handling used to skip the tickets the shifted offsets jumped over.
    for (let i = 1; i <= 250; i += 1) {
      const upn = `same-${i}@contoso.example`;
      h.entra.addUser(CONTOSO, upn);
      h.psa.connectwise.add({ id: String(5000 + i), companyId: '10', customFields: cwFields(upn, '2026-11-27'), lastUpdated: '2026-11-20T09:00:00Z' });
    }
    const summary = await h.poller.runCycle('connectwise');
    expect(summary).toMatchObject({ seen: 250, issued: 250, errors: 0, pages: 3 });
    expect(h.entra.passes).toHaveLength(250);
    const passNotes = h.psa.connectwise.notes.filter((n) => n.note.text.startsWith('Temporary Access Pass issued'));
    expect(new Set(passNotes.map((n) => n.ticketId)).size).toBe(250);
  });

  it('stores the cursor only once the listed tickets are handled; a restart mid-backlog processes each ticket once', async () => {
    backlog('connectwise', 250);
    // Graph goes down part-way through the second page.
    const realGetUser = h.entra.getUser.bind(h.entra);
    let calls = 0;
    h.entra.getUser = async (tenant, upn) => {
      calls += 1;
      if (calls === 150) throw new AppError('UPSTREAM_UNAVAILABLE');
      return realGetUser(tenant, upn);
    };
    const cursorsSaved: (string | undefined)[] = [];
    const save = h.store.saveCursor;
    h.store.saveCursor = (psa, cursor, at) => {
      cursorsSaved.push(cursor);
      save(psa, cursor, at);
    };

    await expect(h.poller.runCycle('connectwise')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    // The cycle stopped part-way: the cursor stays where it was, so the restart lists the backlog again.
    expect(cursorsSaved).toHaveLength(0);
    expect(h.store.cursor('connectwise')).toBeUndefined();
    expect(h.entra.passes).toHaveLength(149);
    expect(h.cycleLines('connectwise')[0]).toMatchObject({ errors: 1, issued: 149 });

    // "Restart": a new poller on the same database.
    const summary = await h.newPoller().runCycle('connectwise');
    expect(summary.issued).toBe(101);
    expect(cursorsSaved).toHaveLength(1);
    expect(passesPerTicket().size).toBe(250);
    expect([...passesPerTicket().values()].every((n) => n === 1)).toBe(true);
    const passNotes = h.psa.connectwise.notes.filter((n) => n.note.text.startsWith('Temporary Access Pass issued'));
    expect(new Set(passNotes.map((n) => n.ticketId)).size).toBe(250);
    expect(passNotes).toHaveLength(250);
  });

  it('a throttled list leaves the cursor where it was and rethrows for the loop to back off', async () => {
    h.psa.connectwise.listErrors.push(new AppError('UPSTREAM_THROTTLED', undefined, { retryAfterSeconds: 60 }));
    await expect(h.poller.runCycle('connectwise')).rejects.toMatchObject({ code: 'UPSTREAM_THROTTLED' });
    expect(h.store.cursor('connectwise')).toBeUndefined();
    // Halo is a separate cycle and is unaffected.
    await expect(h.poller.runCycle('halo')).resolves.toMatchObject({ errors: 0 });
  });
});
