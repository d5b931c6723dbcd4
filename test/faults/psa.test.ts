import { describe, expect, it } from 'vitest';
import type { PsaKind } from '../../src/domain.js';
import { TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { answered, expectEveryPassAccountedFor, markSandbox, newNotes, newPasses, type PassRequest } from './accounting.js';
import { pressButton } from '../helpers/button.js';
import { sandboxRigs, BUTTON_SECRETS, newTicket, type FaultRig } from './rig.js';

const TOKEN = /\/oauth2\/v2\.0\/token$/;
const CW_NOTES = /\/service\/tickets\/\d+\/notes$/;
let sb: Sandbox;
let rig: FaultRig;
const rigs = sandboxRigs((started) => (sb = started));

function setUp(psa: PsaKind, upn: string, env: Record<string, string> = {}) {
  rig = rigs.open(env);
  const ticketId = newTicket(sb, psa, upn);
  const ticket = { psa, ticketId };
  const mark = markSandbox(sb, [ticket]);
  const press = async (body: Record<string, unknown> = {}) =>
    answered({ psa, ticketId, tenantId: TENANT_IDS.contoso, userPrincipalName: upn }, await pressButton(rig.app, psa, ticketId, body, { secret: BUTTON_SECRETS[psa] }));
  const check = (requests: PassRequest[]) => expectEveryPassAccountedFor({ sb, mark, requests, logs: rig.logs, dbPath: rig.dbPath });
  return { ticketId, ticket, mark, press, check };
}

describe('the Entra token endpoint failing', () => {
  it('answers 503 without a Graph call or a pass, and the next press works', async () => {
    const { press, check } = setUp('halo', 'femke.bakker@contoso.example');
    sb.entra.faults.add({ method: 'POST', path: TOKEN, status: 503 });
    const refused = await press();
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(sb.entra.faults.requests({ path: /^\/v1\.0\// })).toHaveLength(0);
    // The refused press is accounted for as refused (no pass); a new press is a new request.
    check([refused]);
    const retried = await press();
    expect(retried.status).toBe(201);
  });
});

describe('PSA throttling', () => {
  it('ConnectWise 429 with Retry-After on the ticket read: waits what it was told, then issues', async () => {
    const { press, check } = setUp('connectwise', 'lars.mulder@contoso.example');
    sb.connectwise.faults.add({ method: 'GET', path: /\/service\/tickets\/\d+$/, status: 429, retryAfter: '4' });
    const result = await press();
    expect(result.status).toBe(201);
    expect(rig.waits).toEqual([4_000]);
    check([result]);
  });

  it('ConnectWise 429 without Retry-After: backs off on its own (0.5–1 s first), then issues', async () => {
    const { press, check } = setUp('connectwise', 'noor.elamrani@contoso.example');
    sb.connectwise.faults.add({ method: 'GET', path: /\/service\/tickets\/\d+$/, status: 429, times: 2 });
    const result = await press();
    expect(result.status).toBe(201);
    expect(rig.waits).toHaveLength(2);
    expect(rig.waits[0]).toBeGreaterThanOrEqual(500);
    expect(rig.waits[0]).toBeLessThanOrEqual(1_000);
    expect(rig.waits[1]).toBeGreaterThanOrEqual(1_000);
    check([result]);
  });

  it('Halo 429 on the note write: the note is sent again (a 429 was not processed) and lands once', async () => {
    const { ticket, mark, press, check } = setUp('halo', 'alice.jansen@contoso.example');
    sb.halo.faults.add({ method: 'POST', path: '/api/Actions', status: 429, retryAfter: '3' });
    const result = await press();
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ note: { status: 'written' } });
    expect(rig.waits).toEqual([3_000]);
    expect(newNotes(sb, mark, ticket)).toHaveLength(1);
    check([result]);
  });

  it('Halo 429 without Retry-After on the ticket read, then issues', async () => {
    const { press, check } = setUp('halo', 'bram.devries@contoso.example');
    sb.halo.faults.add({ method: 'GET', path: /\/api\/Tickets\/\d+$/, status: 429 });
    const result = await press();
    expect(result.status).toBe(201);
    expect(rig.waits).toHaveLength(1);
    check([result]);
  });

  it('a PSA that keeps throttling the ticket read: 429 to the caller, no Graph call, no pass', async () => {
    const { press, mark } = setUp('connectwise', 'femke.bakker@contoso.example');
    sb.connectwise.faults.add({ method: 'GET', path: /\/service\/tickets\/\d+$/, status: 429, retryAfter: '5', times: Infinity });
    const result = await press();
    expect(result.status).toBe(429);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'UPSTREAM_THROTTLED' });
    expect(sb.entra.faults.requests({ path: /temporaryAccessPassMethods/ })).toHaveLength(0);
    expect(newPasses(sb, mark)).toEqual([]);
    // The attempt is audited as failed (one row, no pass, no Graph method) — refused or failed, audited in one place.
    const audit = rig.services.issuances.list({}, { limit: 10, offset: 0 });
    expect(audit.total).toBe(1);
    expect(audit.rows[0]).toMatchObject({ outcomeCode: 'UPSTREAM_THROTTLED', graphMethodId: null });
    // The ticket could not be read, so nothing can be noted on it: only the caller hears of it.
  });
});

describe('connection resets', () => {
  it('on the ticket read: read again, then issue', async () => {
    const { press, check } = setUp('halo', 'lars.mulder@contoso.example');
    sb.halo.faults.add({ method: 'GET', path: /\/api\/Tickets\/\d+$/, drop: true });
    const result = await press();
    expect(result.status).toBe(201);
    check([result]);
  });

  it('on the note write: not resent blindly — the pass waits sealed in the outbox and the next cycle writes it once', async () => {
    const { ticket, mark, press, check } = setUp('connectwise', 'noor.elamrani@contoso.example');
    sb.connectwise.faults.add({ method: 'POST', path: CW_NOTES, drop: true });
    const result = await press();
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ note: { status: 'pending' } });
    expect(newNotes(sb, mark, ticket)).toHaveLength(0);
    expect(rig.services.outbox.backlog()).toBe(1);
    rig.advance(1);
    expect(await rig.services.outbox.deliverDue()).toMatchObject({ written: 1 });
    check([{ ...result, body: JSON.stringify({ ...JSON.parse(result.body), note: { status: 'written' } }) }]);
  });
});

describe('PSA note writes failing for an hour', () => {
  it('the outbox holds the sealed pass, retries with backoff, and delivers once the PSA is back', async () => {
    const { ticket, mark, press, check } = setUp('connectwise', 'alice.jansen@contoso.example');
    const outage = sb.connectwise.faults.add({ method: 'POST', path: CW_NOTES, status: 503, times: Infinity });
    // Eight hours of life, so the pass is still worth delivering after an hour (the outbox gives up at its expiry).
    const result = await press({ lifetimeMinutes: 480 });
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toMatchObject({ note: { status: 'pending' } });

    for (let minute = 5; minute <= 60; minute += 5) {
      rig.advance(5);
      const counts = await rig.services.outbox.deliverDue();
      expect(counts.written + counts.revoked + counts.failed).toBe(0);
      expect(rig.services.outbox.backlog()).toBe(1);
    }
    const attempts = outage.hits;
    // Backoff doubles up to 5 minutes: a steady trickle, not one attempt per cycle for an hour.
    expect(attempts).toBeGreaterThanOrEqual(5);
    expect(attempts).toBeLessThanOrEqual(13);
    expect(newNotes(sb, mark, ticket)).toHaveLength(0);

    outage.remove();
    // The longest backoff is 5 minutes + 20 % jitter.
    rig.advance(6);
    expect(await rig.services.outbox.deliverDue()).toMatchObject({ written: 1 });
    expect(rig.services.outbox.backlog()).toBe(0);
    const row = rig.services.issuances.list({}, { limit: 1, offset: 0 }).rows[0]!;
    expect(row).toMatchObject({ outcome: 'issued', noteStatus: 'written' });
    check([{ ...result, body: JSON.stringify({ ...JSON.parse(result.body), note: { status: 'written' } }) }]);
  });

  it('past the pass expiry the outbox revokes the pass instead of delivering it late', async () => {
    const { press } = setUp('halo', 'bram.devries@contoso.example');
    sb.halo.faults.add({ method: 'POST', path: '/api/Actions', status: 503, times: Infinity });
    const result = await press({ lifetimeMinutes: 60 });
    expect(JSON.parse(result.body)).toMatchObject({ note: { status: 'pending' } });
    const user = sb.entra.state.user(TENANT_IDS.contoso, 'bram.devries@contoso.example')!;
    expect(sb.entra.state.tap(TENANT_IDS.contoso, user.id)).toBeDefined();
    for (let i = 0; i < 13; i += 1) {
      rig.advance(5);
      await rig.services.outbox.deliverDue();
    }
    expect(sb.entra.state.tap(TENANT_IDS.contoso, user.id)).toBeUndefined();
    expect(rig.services.issuances.list({}, { limit: 1, offset: 0 }).rows[0]).toMatchObject({ outcome: 'revoked', noteStatus: 'failed' });
    expect(rig.services.outbox.backlog()).toBe(0);
  });
});
