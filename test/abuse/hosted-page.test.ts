import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { buildHostedHarness, MEMBER, type HostedHarness, type SessionAnswer } from '../http/connectwise-hosted-harness.js';

/**
 * The ConnectWise hosted page against an attacker with a browser (issue 11): forged member claims in bursts, a flood
 * that would make a real technician wait behind ConnectWise's pacer, and a stolen or replayed session token.
 */

const NOW = new Date('2026-11-26T10:00:00Z');
const ATTACKER = '203.0.113.66';
const TECHNICIAN = '198.51.100.7';
let h: HostedHarness;

/** ConnectWise's pacer as the member check sees it: one check at a time, `ms` each. */
function serialPacer(ms: number): () => Promise<void> {
  let queue = Promise.resolve();
  return () => {
    const turn = queue.then(() => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    queue = turn;
    return turn;
  };
}

beforeEach(() => {
  h = buildHostedHarness({ now: NOW });
  h.base.map('connectwise', '10', { timeZone: 'Europe/Amsterdam' });
  h.base.psa.connectwise.addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example' } });
  h.base.psa.connectwise.addTicket({ id: '200', companyId: '10', customFields: { 'New user UPN': 'joe@contoso.example' } });
});

const forged = (i: number) => ({ memberHash: `forged-${i}` });

describe('forged hosted-page claims', () => {
  it('a burst of 150 concurrent forged claims from one source reaches ConnectWise at most 10 times (the limit)', async () => {
    h.members.pace = serialPacer(2);
    const answers = await Promise.all(Array.from({ length: 150 }, (_, i) => h.startSession(forged(i), {}, ATTACKER)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(140);
    expect(h.members.claims.length).toBeLessThanOrEqual(10);
  });

  it('a source never has more than 3 member checks in flight; beyond that it is answered 429 at once', async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    h.members.pace = () => gate;
    const pending = Array.from({ length: 8 }, (_, i) => h.startSession(forged(i), {}, ATTACKER));
    // The five beyond the bound are answered while the first three still wait for ConnectWise.
    const early = await Promise.race([Promise.all(pending.slice(3)), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 1_000))]);
    expect(early).not.toBe('timeout');
    for (const res of early as Response[]) {
      expect(res.status).toBe(429);
      expect(await res.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS' });
    }
    expect(h.members.maxInFlight).toBe(3);
    open();
    for (const res of await Promise.all(pending.slice(0, 3))) expect(res.status).toBe(401);
  });

  it('400 forged claims do not make a real technician on another address wait behind them', async () => {
    h.members.pace = serialPacer(20);
    const flood = Array.from({ length: 400 }, (_, i) => h.startSession(forged(i), {}, ATTACKER));
    const started = Date.now();
    const real = await h.startSession({}, {}, TECHNICIAN);
    const waited = Date.now() - started;
    expect(real.status).toBe(200);
    // At most the attacker's 3 in-flight checks were queued ahead of the technician's (3 × 20 ms, not 400 × 20 ms; before
    // the bound the technician's check was the 401st and waited 4.6 s behind a 5 ms pacer).
    const position = h.members.claims.findIndex((c) => c.memberHash === MEMBER.memberHash);
    expect(position).toBeLessThanOrEqual(3);
    expect(waited).toBeLessThan(2_000);
    await Promise.all(flood);
    expect(h.members.claims.length).toBeLessThanOrEqual(11);
  });
});

describe('a hosted-page session token', () => {
  const session = async (ticketId = '100'): Promise<SessionAnswer> => {
    const res = await h.startSession({ ticketId }, {}, TECHNICIAN);
    expect(res.status).toBe(200);
    return (await res.json()) as SessionAnswer;
  };

  it('issues one pass per action token: replaying the token, or omitting one, is refused', async () => {
    const s = await session();
    expect((await h.issue(s, { reissue: true })).status).toBe(201);
    const replayed = await h.issue(s, { reissue: true });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ code: 'UNAUTHORIZED', detail: expect.stringContaining('already used') });
    expect((await h.issue({ sessionToken: s.sessionToken, csrfToken: s.csrfToken }, { reissue: true })).status).toBe(401);
    expect(h.tickets.calls).toHaveLength(1);
  });

  it('cannot issue three passes in ten minutes without ConnectWise confirming the member for each', async () => {
    const s = await session();
    let issued = 0;
    for (let minute = 0; minute < 10; minute += 3) {
      h.clock.now = new Date(NOW.getTime() + minute * 60_000);
      if ((await h.issue(s, { reissue: true })).status === 201) issued += 1;
    }
    expect(issued).toBe(1);
    // A fresh action token needs the member's claim confirmed by ConnectWise again.
    const claimsBefore = h.members.claims.length;
    const fresh = await h.requestAction(s);
    expect(fresh.status).toBe(200);
    expect(h.members.claims.length).toBe(claimsBefore + 1);
    const { actionToken } = (await fresh.json()) as { actionToken: string };
    expect((await h.issue({ ...s, actionToken }, { reissue: true })).status).toBe(201);
    expect(h.tickets.calls).toHaveLength(2);
  });

  it('spends the action token when the issuance fails too', async () => {
    const s = await session();
    h.tickets.answer = new AppError('USER_PRIVILEGED');
    expect((await h.issue(s)).status).toBe(422);
    h.tickets.answer = (await import('../http/connectwise-hosted-harness.js')).issuedSummary();
    expect((await h.issue(s)).status).toBe(401);
    expect(h.tickets.calls).toHaveLength(1);
  });

  it('an action token is bound to its session and ticket', async () => {
    const onTicket100 = await session('100');
    const onTicket200 = await session('200');
    const crossed = await h.issue({ ...onTicket200, actionToken: onTicket100.actionToken });
    expect(crossed.status).toBe(401);
    const sameTicketOtherSession = await session('100');
    expect((await h.issue({ ...sameTicketOtherSession, actionToken: onTicket100.actionToken })).status).toBe(401);
    expect(h.tickets.calls).toHaveLength(0);
  });

  it('revoking needs its own fresh action token too: not the session alone, not an issue token, never twice', async () => {
    const s = await session();
    expect((await h.revoke({ sessionToken: s.sessionToken, csrfToken: s.csrfToken })).status).toBe(401);
    expect((await h.revoke(s)).status).toBe(401); // the session's token is an issue token
    const minted = await h.requestAction(s, { action: 'revoke' });
    const { actionToken } = (await minted.json()) as { actionToken: string };
    expect((await h.revoke({ ...s, actionToken })).status).toBe(200);
    expect((await h.revoke({ ...s, actionToken })).status).toBe(401);
    expect(h.revocations.calls).toHaveLength(1);
  });

  it('a fresh action token is refused for a forged claim, or a claim for another member than the session\'s', async () => {
    const s = await session();
    expect((await h.requestAction(s, { memberHash: 'forged' })).status).toBe(401);
    h.members.accept('mallory', 'mallory-hash-0123456789');
    expect((await h.requestAction(s, { memberid: 'mallory', memberHash: 'mallory-hash-0123456789' })).status).toBe(401);
    expect((await h.requestAction({ sessionToken: s.sessionToken })).status).toBe(401); // no CSRF token
  });
});
