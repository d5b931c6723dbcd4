import { beforeEach, describe, expect, it } from 'vitest';
import { buildHarness, CONTOSO, FABRIKAM, TEST_SECRETS, type TestHarness } from '../helpers/services.js';
import { json } from '../helpers/http.js';

let h: TestHarness;
const auth = { authorization: `Bearer ${TEST_SECRETS.adminToken}`, 'content-type': 'application/json' };
const put = (path: string, body: unknown, headers: Record<string, string> = auth) =>
  h.app.request(path, { method: 'PUT', headers, body: JSON.stringify(body) });

beforeEach(() => {
  h = buildHarness();
});

describe('mappings API', () => {
  it('requires the admin token on every route', async () => {
    for (const [method, path] of [['GET', '/v1/mappings'], ['PUT', '/v1/mappings/halo/5'], ['DELETE', '/v1/mappings/halo/5']] as const) {
      const res = await h.app.request(path, { method, headers: { authorization: 'Bearer wrong' } });
      expect(res.status).toBe(401);
      expect((await json(res)).code).toBe('UNAUTHORIZED');
    }
    expect(h.services.mappings.list()).toEqual([]);
  });

  it('throttles an address after repeated bad tokens, and refuses oversized bodies', async () => {
    const big = await put('/v1/mappings/halo/7', { tenantId: CONTOSO, companyName: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    for (let i = 0; i < 20; i++) await h.app.request('/v1/mappings', { headers: { authorization: 'Bearer guess' } });
    const res = await h.app.request('/v1/mappings', { headers: { authorization: 'Bearer guess' } });
    expect(res.status).toBe(429);
    expect((await json(res)).code).toBe('TOO_MANY_ATTEMPTS');
    // Only failures are slowed: the right token still works.
    expect((await h.app.request('/v1/mappings', { headers: auth })).status).toBe(200);
  });

  it('maps a company by tenant domain, resolving the id, with defaults for the rules', async () => {
    const res = await put('/v1/mappings/connectwise/42', { tenantDomain: 'Contoso.Example', companyName: 'Contoso Ltd' });
    expect(res.status).toBe(201);
    expect((await json(res)).mapping).toMatchObject({
      psa: 'connectwise',
      companyId: '42',
      companyName: 'Contoso Ltd',
      tenantId: CONTOSO,
      tenantDomain: 'contoso.example',
      timeZone: 'UTC',
      activationHour: 8,
      defaultLifetimeMinutes: null,
      usableOnce: true,
      allowPrivileged: false,
      enabled: true,
    });
    expect(h.entra.calls).toContain('resolveTenantId contoso.example');
  });

  it('updates only the rules given and keeps the rest', async () => {
    await put('/v1/mappings/halo/7', { tenantId: FABRIKAM, timeZone: 'America/New_York', activationHour: 7 });
    const res = await put('/v1/mappings/halo/7', { tenantId: FABRIKAM, enabled: false });
    expect(res.status).toBe(200);
    expect((await json(res)).mapping).toMatchObject({ timeZone: 'America/New_York', activationHour: 7, enabled: false });
    const list = await json(await h.app.request('/v1/mappings', { headers: auth }));
    expect(list.mappings).toHaveLength(1);
  });

  it('rejects an unknown domain, a mismatched id, a bad zone and unknown fields with field errors', async () => {
    const unknown = await put('/v1/mappings/halo/7', { tenantDomain: 'nobody.example' });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).errors).toEqual({ tenantDomain: 'no tenant has this domain' });
    const mismatch = await put('/v1/mappings/halo/7', { tenantDomain: 'contoso.example', tenantId: FABRIKAM });
    expect((await json(mismatch)).errors).toEqual({ tenantId: 'does not match tenantDomain' });
    const bad = await put('/v1/mappings/halo/7', { tenantId: CONTOSO, timeZone: 'Mars/Olympus', activationHour: 25, extra: 1 });
    expect(bad.status).toBe(400);
    const body = await json(bad);
    expect(Object.keys(body.errors).sort()).toEqual(['activationHour', 'extra', 'timeZone']);
    expect(h.services.mappings.list()).toEqual([]);
  });

  it('deletes a mapping, and answers 404 for one that does not exist', async () => {
    await put('/v1/mappings/halo/7', { tenantId: CONTOSO });
    expect((await h.app.request('/v1/mappings/halo/7', { method: 'DELETE', headers: auth })).status).toBe(204);
    const again = await h.app.request('/v1/mappings/halo/7', { method: 'DELETE', headers: auth });
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
  });

  it('answers 404 for an unknown PSA or a company id with path characters', async () => {
    expect((await put('/v1/mappings/autotask/1', { tenantId: CONTOSO })).status).toBe(404);
    expect((await put('/v1/mappings/halo/..%2F1', { tenantId: CONTOSO })).status).toBe(404);
  });
});
