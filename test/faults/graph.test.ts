import { describe, expect, it } from 'vitest';
import { TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { answered, expectEveryPassAccountedFor, markSandbox, type PassRequest } from './accounting.js';
import { pressButton } from '../helpers/button.js';
import { sandboxRigs, BUTTON_SECRETS, newTicket, type FaultRig } from './rig.js';

const CREATE = /\/authentication\/temporaryAccessPassMethods$/;
let sb: Sandbox;
let rig: FaultRig;
const rigs = sandboxRigs((started) => (sb = started));

/** A fresh connector (empty caches, new database) and a new Contoso ticket for the user. */
function setUp(psa: 'connectwise' | 'halo', upn: string) {
  rig = rigs.open();
  const ticketId = newTicket(sb, psa, upn);
  const mark = markSandbox(sb, [{ psa, ticketId }]);
  const press = async () => answered({ psa, ticketId, tenantId: TENANT_IDS.contoso, userPrincipalName: upn }, await pressButton(rig.app, psa, ticketId, {}, { secret: BUTTON_SECRETS[psa] }));
  const check = (requests: PassRequest[]) => expectEveryPassAccountedFor({ sb, mark, requests, logs: rig.logs, dbPath: rig.dbPath });
  return { ticketId, press, check };
}

describe('Graph throttling and outages on reads', () => {
  it('retries a 429 on the user read after the Retry-After it was given, then issues', async () => {
    const { press, check } = setUp('connectwise', 'bram.devries@contoso.example');
    const fault = sb.entra.faults.add({ method: 'GET', path: /\/v1\.0\/users\/[^/]+$/, status: 429, retryAfter: '7' });
    const result = await press();
    expect(result.status).toBe(201);
    expect(fault.hits).toBe(1);
    expect(rig.waits).toContain(7_000);
    check([result]);
  });

  it('retries a 503 on the policy read with backoff, then issues', async () => {
    const { press, check } = setUp('halo', 'lars.mulder@contoso.example');
    const fault = sb.entra.faults.add({ method: 'GET', path: /TemporaryAccessPass$/, status: 503, times: 2 });
    const result = await press();
    expect(result.status).toBe(201);
    expect(fault.hits).toBe(2);
    expect(sb.entra.faults.requests({ method: 'GET', path: /TemporaryAccessPass$/ })).toHaveLength(3);
    check([result]);
  });

  it('retries a connection reset on the role read', async () => {
    const { press, check } = setUp('connectwise', 'femke.bakker@contoso.example');
    sb.entra.faults.add({ method: 'GET', path: /transitiveMemberOf/, drop: true });
    const result = await press();
    expect(result.status).toBe(201);
    expect(sb.entra.faults.requests({ path: /transitiveMemberOf/ }).map((r) => r.status)).toEqual([0, 200]);
    check([result]);
  });

  it('gives up on a read that stays throttled: 429 to the caller, no create call, no pass', async () => {
    const { press, check } = setUp('halo', 'noor.elamrani@contoso.example');
    sb.entra.faults.add({ method: 'GET', path: /\/v1\.0\/users\/[^/]+$/, status: 429, retryAfter: '2', times: Infinity });
    const result = await press();
    expect(result.status).toBe(429);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'UPSTREAM_THROTTLED' });
    expect(sb.entra.faults.requests({ method: 'POST', path: CREATE })).toHaveLength(0);
    check([result]);
  });
});

describe('Graph throttling on the create call', () => {
  it('sends exactly one create on 429, answers 429 with Retry-After, records a failure rather than a refusal', async () => {
    const { ticketId, check } = setUp('connectwise', 'alice.jansen@contoso.example');
    sb.entra.faults.add({ method: 'POST', path: CREATE, status: 429, retryAfter: '30' });
    const res = await pressButton(rig.app, 'connectwise', ticketId, {}, { secret: BUTTON_SECRETS.connectwise });
    expect(res.headers.get('retry-after')).toBe('30');
    const result = await answered({ psa: 'connectwise', ticketId, tenantId: TENANT_IDS.contoso, userPrincipalName: 'alice.jansen@contoso.example' }, res);
    expect(result.status).toBe(429);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'UPSTREAM_THROTTLED', status: 429 });
    expect(sb.entra.faults.requests({ method: 'POST', path: CREATE })).toHaveLength(1);
    expect(rig.waits).toEqual([]);
    const audit = rig.services.issuances.list({}, { limit: 10, offset: 0 }).rows;
    expect(audit.map((r) => [r.outcome, r.outcomeCode])).toEqual([['failed', 'UPSTREAM_THROTTLED']]);
    check([result]);
  });

  it('does not repeat a create whose connection was reset: one attempt, 503, no second pass', async () => {
    const { press, check } = setUp('halo', 'bram.devries@contoso.example');
    sb.entra.faults.add({ method: 'POST', path: CREATE, drop: true });
    const result = await press();
    expect(result.status).toBe(503);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(sb.entra.faults.requests({ method: 'POST', path: CREATE })).toHaveLength(1);
    check([result]);
  });
});
