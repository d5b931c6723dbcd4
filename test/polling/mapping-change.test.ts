import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { MAPPING_SENSITIVE_STATES } from '../../src/polling/handle-ticket.js';
import { createMappingSweep } from '../../src/polling/mapping-sweep.js';
import { buildHarness, CONTOSO, type Harness } from './harness.js';

/**
 * An admin maps a company (or changes its activation hour) while its onboarding ticket waits refused or scheduled.
 * When the poller lists only changed tickets — ConnectWise always (`lastUpdated >= cursor`), either PSA while anything
 * is followed (the change feed) — that unchanged ticket is not listed: the mapping change alone must bring it back,
 * read by id once, on the next cycle.
 */
const NOW = new Date('2026-11-26T10:00:00Z');
let h: Harness;

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.map('connectwise', '10');
  h.map('halo', '55');
});

const cwFields = (upn: string, date: string) => ({ 'New user UPN': upn, 'Start date': date });
const haloFields = (upn: string, date: string) => ({ CFNewUserUPN: upn, CFStartDate: date });
/** The mapping's updatedAt is its version (a millisecond clock): a re-save is never within the same millisecond. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

async function idle(kind: 'connectwise' | 'halo', cycles: number) {
  for (let i = 0; i < cycles; i += 1) await h.poller.runCycle(kind);
}

describe('a mapping change reaches tickets the poller does not list again', () => {
  it('ConnectWise (cursor): a ticket refused COMPANY_NOT_MAPPED is issued on the cycle after the admin maps its company, with one read by id', async () => {
    h.entra.addUser(CONTOSO, 'jane@contoso.example', 'Jane Doe');
    h.psa.connectwise.add({ id: '100', companyId: '20', customFields: cwFields('jane@contoso.example', '2026-11-27') });
    expect(await h.poller.runCycle('connectwise')).toMatchObject({ refused: 1 });
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'refused', detail: 'COMPANY_NOT_MAPPED' });
    // A later ticket (details missing: not followed, so the cycle stays on the onboarding list) takes the cursor edge.
    h.psa.connectwise.add({ id: '101', companyId: '10', customFields: {} });
    await idle('connectwise', 3);
    const before = { ...h.psa.connectwise.calls };
    // Settled: an idle cycle is one list request and reads nothing by id.
    expect(await h.poller.runCycle('connectwise')).toMatchObject({ seen: 1, pages: 1, issued: 0, refused: 0 });
    expect(h.psa.connectwise.calls).toMatchObject({ list: before.list + 1, getTicket: before.getTicket });

    await tick();
    h.map('connectwise', '99'); // another company: reads nothing extra
    const unrelated = { ...h.psa.connectwise.calls };
    await h.poller.runCycle('connectwise');
    expect(h.psa.connectwise.calls).toMatchObject({ list: unrelated.list + 1, getTicket: unrelated.getTicket });
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'refused' });

    h.map('connectwise', '20');
    const mapped = { ...h.psa.connectwise.calls };
    const summary = await h.poller.runCycle('connectwise');

    expect(summary).toMatchObject({ issued: 1, errors: 0 });
    expect(h.psa.connectwise.calls).toMatchObject({ list: mapped.list + 1, getTicket: mapped.getTicket + 1 });
    expect(h.entra.passesFor('jane@contoso.example')).toHaveLength(1);
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'issued' });
    expect(h.psa.connectwise.notesFor('100').at(-1)!.note.text).toContain('Requested by: onboarding poller');

    // Back to idle: one request, nothing by id.
    const after = { ...h.psa.connectwise.calls };
    await h.poller.runCycle('connectwise');
    await h.poller.runCycle('connectwise');
    expect(h.psa.connectwise.calls).toMatchObject({ getTicket: after.getTicket });
    expect(h.entra.passesFor('jane@contoso.example')).toHaveLength(1);
  });

  it('ConnectWise (cursor): a read by id that fails (not a throttle) is tried again on the next cycle, not dropped (review of stop 10)', async () => {
    h.entra.addUser(CONTOSO, 'jane@contoso.example', 'Jane Doe');
    h.psa.connectwise.add({ id: '100', companyId: '20', customFields: cwFields('jane@contoso.example', '2026-11-27') });
    expect(await h.poller.runCycle('connectwise')).toMatchObject({ refused: 1 });
    h.psa.connectwise.add({ id: '101', companyId: '10', customFields: {} });
    await idle('connectwise', 3);

    h.map('connectwise', '20');
    const read = h.psa.connectwise.getTicket.bind(h.psa.connectwise);
    let failures = 1;
    h.psa.connectwise.getTicket = async (id: string) => {
      if (failures-- > 0) throw new AppError('PSA_ERROR', 'ConnectWise answered 500 to this read.');
      return read(id);
    };
    expect(await h.poller.runCycle('connectwise')).toMatchObject({ issued: 0, errors: 1 });
    expect(h.ledger('connectwise', '100')).toMatchObject({ state: 'refused' });
    expect(await h.poller.runCycle('connectwise')).toMatchObject({ issued: 1, errors: 0 });
    expect(h.entra.passesFor('jane@contoso.example')).toHaveLength(1);
  });

  it('Halo (change feed, a ticket followed): a refused ticket is issued after its company is mapped, and a scheduled one follows a new activation hour', async () => {
    h.entra.addUser(CONTOSO, 'kim@contoso.example', 'Kim');
    h.psa.halo.add({ id: '7', companyId: '55', customFields: haloFields('sam@contoso.example', '2026-12-14') });
    h.psa.halo.add({ id: '8', companyId: '66', customFields: haloFields('kim@contoso.example', '2026-11-27') });
    expect(await h.poller.runCycle('halo')).toMatchObject({ scheduled: 1, refused: 1 });
    expect(h.store.scheduled('halo', '7')).toMatchObject({ issueAt: '2026-12-11T07:00:00.000Z' });
    expect(h.store.watchedIds('halo', NOW).has('7')).toBe(true);
    // A later ticket (details missing) takes the change feed's edge (`>=` the cursor re-lists the newest change).
    h.psa.halo.add({ id: '9', companyId: '55', customFields: {} });
    await idle('halo', 3);
    const settled = { ...h.psa.halo.calls };
    expect(await h.poller.runCycle('halo')).toMatchObject({ pages: 1, scheduled: 0, refused: 0 });
    expect(h.psa.halo.calls).toMatchObject({ list: settled.list + 1, getTicket: settled.getTicket });

    await tick();
    h.map('halo', '66');
    const mapped = { ...h.psa.halo.calls };
    expect(await h.poller.runCycle('halo')).toMatchObject({ issued: 1, errors: 0 });
    expect(h.psa.halo.calls).toMatchObject({ list: mapped.list + 1, getTicket: mapped.getTicket + 1 });
    expect(h.entra.passesFor('kim@contoso.example')).toHaveLength(1);
    expect(h.ledger('halo', '8')).toMatchObject({ state: 'issued' });

    await idle('halo', 2);
    await tick();
    h.map('halo', '55', { activationHour: 9 });
    const moved = { ...h.psa.halo.calls };
    expect(await h.poller.runCycle('halo')).toMatchObject({ scheduled: 1, errors: 0 });
    expect(h.psa.halo.calls).toMatchObject({ list: moved.list + 1, getTicket: moved.getTicket + 1 });
    expect(h.store.scheduled('halo', '7')).toMatchObject({ state: 'pending', startAt: '2026-12-14T08:00:00.000Z', issueAt: '2026-12-11T08:00:00.000Z' });
    expect(h.psa.halo.notesFor('7').at(-1)!.note.text).toContain('Fri 11 Dec 2026, 09:00');

    // The schedule note moved ticket 7's lastUpdated: the next cycle lists it and reads it once, as after any note.
    await idle('halo', 1);
    const after = { ...h.psa.halo.calls };
    await idle('halo', 2);
    expect(h.psa.halo.calls).toMatchObject({ list: after.list + 2, getTicket: after.getTicket });
    expect(h.psa.halo.notesFor('7').filter((n) => n.note.text.includes('scheduled for'))).toHaveLength(2);
  });
});

describe('the mapping sweep is bounded', () => {
  it('reads at most its limit in one cycle and the rest on the next; then nothing until the mappings change again', async () => {
    for (const id of ['200', '201', '202']) h.psa.connectwise.add({ id, companyId: '20', customFields: cwFields(`u${id}@contoso.example`, '2026-11-27') });
    await h.poller.runCycle('connectwise');
    await h.poller.runCycle('connectwise');
    expect(['200', '201', '202'].map((id) => h.ledger('connectwise', id)?.state)).toEqual(['refused', 'refused', 'refused']);
    const sweep = createMappingSweep(h.deps, 2);
    const none = new Set<string>();

    expect(sweep.due('connectwise', MAPPING_SENSITIVE_STATES, none)).toMatchObject({ tickets: [], complete: true });
    await tick();
    h.map('connectwise', '20');
    const first = sweep.due('connectwise', MAPPING_SENSITIVE_STATES, none)!;
    expect(first.complete).toBe(false);
    expect(first.tickets.map((t) => t.ticketId)).toHaveLength(2);
    for (const t of first.tickets) sweep.lookedAt('connectwise', t);
    const second = sweep.due('connectwise', MAPPING_SENSITIVE_STATES, none)!;
    expect(second.complete).toBe(true);
    expect([...first.tickets, ...second.tickets].map((t) => t.ticketId).sort()).toEqual(['200', '201', '202']);
    // A ticket listed this cycle is handled by the listing, not read again.
    expect(sweep.due('connectwise', MAPPING_SENSITIVE_STATES, new Set(second.tickets.map((t) => t.ticketId)))!.tickets).toEqual([]);
    sweep.finish('connectwise', second.revision);
    expect(sweep.due('connectwise', MAPPING_SENSITIVE_STATES, none)).toBeUndefined();
  });
});
