import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { entraFetch, entraToken } from './clients.js';

/** The simulated Graph's TAP create rules, TAP reads and authentication methods (issue 10; issue 12 builds on these). */

let sb: Sandbox;
let f: ReturnType<typeof entraFetch>;
let token: string;
let now = new Date('2026-11-26T10:00:00Z');
const minutes = (m: number) => new Date(now.getTime() + m * 60_000);

beforeAll(async () => {
  sb = await startSandbox({ now, clock: () => now });
  f = entraFetch(sb);
  token = await entraToken(sb, TENANT_IDS.contoso, f);
});
afterAll(async () => {
  await f.close();
  await sb.close();
});

const graph = (path: string, init: RequestInit = {}) =>
  f(`${sb.entra.graphBaseUrl}/v1.0${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } });
const tapPath = (upn: string) => `/users/${upn}/authentication/temporaryAccessPassMethods`;
const createTap = (upn: string, body: Record<string, unknown>) => graph(tapPath(upn), { method: 'POST', body: JSON.stringify(body) });
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;
type Method = Record<string, unknown> & { '@odata.type': string; id: string; createdDateTime?: string };

describe('simulated Graph: creating a pass', () => {
  it('refuses any body field but isUsableOnce, lifetimeInMinutes and startDateTime', async () => {
    for (const field of ['@odata.type', 'displayName', 'temporaryAccessPass', 'lifetimeMinutes']) {
      const res = await createTap('noor.elamrani@contoso.example', { [field]: 'x' });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toContain(`'${field}'`);
    }
    expect(sb.entra.state.tap(TENANT_IDS.contoso, 'noor.elamrani@contoso.example')).toBeUndefined();
  });

  it("refuses lifetimes outside Graph's 10..43200 and outside the policy's range", async () => {
    for (const [lifetime, range] of [[9, '10 and 43200'], [43_201, '10 and 43200'], [30, '60 and 480'], [481, '60 and 480']] as const) {
      const res = await createTap('noor.elamrani@contoso.example', { lifetimeInMinutes: lifetime });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toBe(`Invalid LifetimeInMinutes specified. The valid range between ${range}.`);
    }
    expect((await createTap('noor.elamrani@contoso.example', { lifetimeInMinutes: 12.5 })).status).toBe(400);
  });
});

describe('simulated Graph: reading passes', () => {
  it('lists at most one pass, never with its value, and answers a single one by id', async () => {
    const upn = 'femke.bakker@contoso.example';
    await createTap(upn, {});
    const second = (await (await createTap(upn, { lifetimeInMinutes: 120 })).json()) as { id: string };
    const listed = (await (await graph(tapPath(upn))).json()) as { value: Record<string, unknown>[] };
    expect(listed.value).toHaveLength(1);
    expect(listed.value[0]).toMatchObject({ id: second.id, temporaryAccessPass: null, lifetimeInMinutes: 120, createdDateTime: now.toISOString() });
    expect(await (await graph(`${tapPath(upn)}/${second.id}`)).json()).toMatchObject({ id: second.id, temporaryAccessPass: null });
    expect((await graph(`${tapPath(upn)}?$select=id`)).status).toBe(400);
    expect((await graph(`${tapPath(upn)}/${second.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await graph(`${tapPath(upn)}/${second.id}`)).status).toBe(404);
    expect(((await (await graph(tapPath(upn))).json()) as { value: unknown[] }).value).toEqual([]);
  });

  it("computes isUsable and methodUsabilityReason from the simulator's clock", async () => {
    const upn = 'lars.mulder@contoso.example';
    const reason = async () => {
      const { value } = (await (await graph(tapPath(upn))).json()) as { value: { isUsable: boolean; methodUsabilityReason: string }[] };
      return [value[0]!.isUsable, value[0]!.methodUsabilityReason];
    };
    await createTap(upn, { startDateTime: minutes(30).toISOString(), lifetimeInMinutes: 60, isUsableOnce: true });
    expect(await reason()).toEqual([false, 'NotYetValid']);
    const start = now;
    try {
      now = new Date(start.getTime() + 45 * 60_000);
      expect(await reason()).toEqual([true, 'EnabledByPolicy']);
      sb.entra.state.markTapUsed(TENANT_IDS.contoso, upn);
      expect(await reason()).toEqual([false, 'OneTimeUsed']);
      // Sandbox tokens live an hour, like Graph's: moving the clock on needs a new one.
      now = new Date(start.getTime() + 91 * 60_000);
      token = await entraToken(sb, TENANT_IDS.contoso, f);
      expect((await createTap(upn, { lifetimeInMinutes: 60 })).status).toBe(201);
      now = new Date(start.getTime() + 152 * 60_000);
      token = await entraToken(sb, TENANT_IDS.contoso, f);
      expect(await reason()).toEqual([false, 'Expired']);
    } finally {
      now = start;
      token = await entraToken(sb, TENANT_IDS.contoso, f);
    }
  });
});

describe('simulated Graph: authentication methods', () => {
  it('lists each method with its kind in @odata.type and createdDateTime, the pass among them without its value', async () => {
    const upn = 'ivan.petrov@fabrikam.example';
    const fabrikam = await entraToken(sb, TENANT_IDS.fabrikam, f);
    const get = async () =>
      ((await (await f(`${sb.entra.graphBaseUrl}/v1.0/users/${upn}/authentication/methods`, { headers: { Authorization: `Bearer ${fabrikam}` } })).json()) as { value: Method[] }).value;
    const before = await get();
    expect(before.map((m) => m['@odata.type']).sort()).toEqual([
      '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod',
      '#microsoft.graph.passwordAuthenticationMethod',
      '#microsoft.graph.phoneAuthenticationMethod',
      '#microsoft.graph.softwareOathAuthenticationMethod',
    ]);
    for (const m of before.filter((x) => x.createdDateTime !== undefined)) expect(Date.parse(m.createdDateTime!)).toBeLessThan(now.getTime());
    // Graph gives no createdDateTime for software OATH and phone methods.
    expect(before.filter((m) => m.createdDateTime === undefined).map((m) => m['@odata.type']).sort()).toEqual([
      '#microsoft.graph.phoneAuthenticationMethod',
      '#microsoft.graph.softwareOathAuthenticationMethod',
    ]);

    await f(`${sb.entra.graphBaseUrl}/v1.0${tapPath(upn)}`, { method: 'POST', headers: { Authorization: `Bearer ${fabrikam}`, 'Content-Type': 'application/json' }, body: '{}' });
    const registered = sb.entra.state.registerMethod(TENANT_IDS.fabrikam, upn, 'windowsHelloForBusiness');
    const after = await get();
    const tap = after.find((m) => m['@odata.type'] === '#microsoft.graph.temporaryAccessPassAuthenticationMethod')!;
    expect(tap).toMatchObject({ temporaryAccessPass: null, createdDateTime: now.toISOString(), methodUsabilityReason: 'EnabledByPolicy' });
    expect(after.find((m) => m.id === registered.id)).toMatchObject({
      '@odata.type': '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod',
      createdDateTime: now.toISOString(),
    });
    expect(JSON.stringify(after)).not.toContain(sb.entra.state.tap(TENANT_IDS.fabrikam, upn)!.temporaryAccessPass);
  });
});
