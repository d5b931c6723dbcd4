import { beforeEach, describe, expect, it } from 'vitest';
import { buildHarness, CONTOSO, type Harness } from '../polling/harness.js';

/**
 * Issue 12, "One pass per user, said out loud": Graph keeps one pass per user, so a second pass for the same user
 * silently killed the pass already written on another ticket (reproduced in the sandbox with a ConnectWise and a
 * Halo ticket for one user: neither note nor audit said so).
 */
const NOW = new Date('2026-11-26T10:00:00Z');
let h: Harness;

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.map('connectwise', '10');
  h.map('halo', '55');
});

const cwTicket = (id: string, upn: string, date = '2026-11-27') => h.psa.connectwise.add({ id, companyId: '10', customFields: { 'New user UPN': upn, 'Start date': date } });
const haloTicket = (id: string, upn: string, date = '2026-11-27') => h.psa.halo.add({ id, companyId: '55', customFields: { CFNewUserUPN: upn, CFStartDate: date } });
const texts = (kind: 'connectwise' | 'halo', id: string) => h.psa[kind].notesFor(id).map((n) => n.note.text);

describe('one pass per user, said out loud', () => {
  it('a Halo ticket for a user who holds a ConnectWise ticket\'s live pass is refused with a note naming that ticket; the first pass stays live', async () => {
    const jane = h.entra.addUser(CONTOSO, 'jane@contoso.example');
    cwTicket('100', 'jane@contoso.example');
    haloTicket('7', 'jane@contoso.example');

    await h.poller.runCycle('connectwise');
    const first = h.entra.passes[0]!.tap;
    expect(await h.poller.runCycle('halo')).toMatchObject({ refused: 1, issued: 0 });

    expect(h.entra.passes).toHaveLength(1);
    expect(h.entra.live.get(jane.id)?.tap.id).toBe(first.id);
    const [note] = texts('halo', '7');
    expect(note).toContain('Temporary Access Pass NOT issued');
    expect(note).toContain('already holds a live pass issued on ConnectWise ticket #100');
    expect(note).toContain('USER_HAS_LIVE_PASS');
    // The ConnectWise ticket heard nothing: its pass is untouched.
    expect(texts('connectwise', '100')).toHaveLength(1);
    const refusal = h.issuances.list({ psa: 'halo' }, { limit: 10, offset: 0 }).rows[0]!;
    expect(refusal).toMatchObject({ outcome: 'refused', outcomeCode: 'USER_HAS_LIVE_PASS', ticketId: '7' });
  });

  it('with reissue the new pass replaces it, and the older ticket is told by which ticket; the audit has a replaced row', async () => {
    h.entra.addUser(CONTOSO, 'jane@contoso.example');
    cwTicket('100', 'jane@contoso.example');
    haloTicket('7', 'jane@contoso.example');
    await h.poller.runCycle('connectwise');
    const oldIssuance = h.issuances.list({ psa: 'connectwise', outcome: 'issued' }, { limit: 1, offset: 0 }).rows[0]!;

    const result = await h.deps.tickets.issueForTicket({ psa: 'halo', ticketId: '7', trigger: 'button', requestedBy: 'Sam (service desk)', reissue: true });

    expect(result.status).toBe('issued');
    expect(h.entra.passes).toHaveLength(2);
    const halo = texts('halo', '7');
    expect(halo).toHaveLength(1);
    expect(halo[0]).toContain('This pass replaces the pass issued on ConnectWise ticket #100, which no longer works; that ticket is told.');
    const cw = texts('connectwise', '100');
    expect(cw).toHaveLength(2);
    expect(cw[1]).toContain('Temporary Access Pass replaced for jane@contoso.example');
    expect(cw[1]).toContain('Replaced by:  the pass issued on HaloPSA ticket #7');
    expect(cw[1]).toContain('Requested by: Sam (service desk)');
    const replaced = h.issuances.list({ outcome: 'replaced' }, { limit: 5, offset: 0 }).rows;
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).toMatchObject({ psa: 'connectwise', ticketId: '100', outcomeCode: 'REPLACED_BY_OTHER_TICKET', relatedIssuanceId: oldIssuance.id, detail: 'Replaced by the pass issued on HaloPSA ticket #7, requested by Sam (service desk).' });
    expect(h.passes.get(oldIssuance.id)!.endedAt).not.toBeNull();
  });

  it('a pass created outside the connector is replaced only on reissue, and both notes say so', async () => {
    h.entra.addUser(CONTOSO, 'kim@contoso.example');
    h.entra.createOutside(CONTOSO, 'kim@contoso.example');
    haloTicket('8', 'kim@contoso.example');

    await expect(h.deps.tickets.issueForTicket({ psa: 'halo', ticketId: '8', trigger: 'button', requestedBy: 'Sam' })).rejects.toMatchObject({ code: 'USER_HAS_LIVE_PASS' });
    expect(h.entra.passes).toHaveLength(0);
    expect(texts('halo', '8')[0]).toContain('already holds a live Temporary Access Pass created outside the connector');

    await h.deps.tickets.issueForTicket({ psa: 'halo', ticketId: '8', trigger: 'button', requestedBy: 'Sam', reissue: true });
    expect(h.entra.passes).toHaveLength(1);
    expect(texts('halo', '8')[1]).toContain('This pass replaces a pass created outside the connector (in Entra or by a script), which no longer works.');
  });

  it('an expired or used pass is not live: a new pass is issued without reissue', async () => {
    const u = h.entra.addUser(CONTOSO, 'old@contoso.example');
    h.entra.createOutside(CONTOSO, 'old@contoso.example', 60);
    h.setNow(new Date(NOW.getTime() + 2 * 3_600_000));
    expect(h.entra.live.get(u.id)).toBeDefined();
    haloTicket('9', 'old@contoso.example');
    await h.deps.tickets.issueForTicket({ psa: 'halo', ticketId: '9', trigger: 'button', requestedBy: 'Sam' });
    expect(h.entra.passes).toHaveLength(1);
  });

  it('a button press on an onboarding ticket and the poller never both issue or note', async () => {
    h = buildHarness({ now: NOW, env: { IDEMPOTENCY_WINDOW_MINUTES: '0' } });
    h.map('connectwise', '10');
    h.entra.addUser(CONTOSO, 'lee@contoso.example');
    cwTicket('101', 'lee@contoso.example');

    await h.deps.tickets.issueForTicket({ psa: 'connectwise', ticketId: '101', trigger: 'button', requestedBy: 'ConnectWise button' });
    h.setNow(new Date(NOW.getTime() + 6_000));
    await h.poller.runCycle('connectwise');
    await h.poller.runCycle('connectwise');

    expect(h.entra.passes).toHaveLength(1);
    expect(texts('connectwise', '101')).toHaveLength(1);
    expect(h.ledger('connectwise', '101')).toMatchObject({ state: 'issued' });
  });
});
