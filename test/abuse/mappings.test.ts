import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildHarness, CONTOSO, TEST_SECRETS, type TestHarness } from '../helpers/services.js';
import { expectProblem4xx, headerValue, hostileString, RUNS, snapshot } from './state.js';

const ADMIN = `Bearer ${TEST_SECRETS.adminToken}`;

function world(): TestHarness {
  const h = buildHarness();
  h.map('connectwise', '10', { companyName: 'Existing Co' });
  h.map('halo', '20', { companyName: 'Existing Halo Co' });
  return h;
}

function call(h: TestHarness, method: string, path: string, init: { authorization?: string; body?: string; type?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': init.type ?? 'application/json' };
  if (init.authorization !== undefined) headers.authorization = init.authorization;
  return h.app.request(path, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
}

const companyIdOk = /^[A-Za-z0-9_-]{1,64}$/;
const badCompanyId = fc.oneof(hostileString, fc.constantFrom('', '.', '..', 'a/b', 'a b', 'x'.repeat(65), '10;', "10'", '10%00')).filter((s) => !companyIdOk.test(s));

/** PUT bodies the API must refuse: not JSON objects, wrong types, unknown fields, no tenant, bad GUIDs/zones. */
const invalidMapping = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => s.trim() !== ''),
  fc.constantFrom('[]', 'null', '{}', '{"tenantId":', '{"tenantId":null}', '{"companyName":"x"}'),
  fc.record({
    field: fc.constantFrom('tenantId', 'timeZone', 'activationHour', 'defaultLifetimeMinutes', 'usableOnce', 'allowPrivileged', 'enabled'),
    value: fc.oneof(fc.integer({ min: -1000, max: -1 }), fc.integer({ min: 43_201 }), fc.double({ noInteger: true }), fc.string({ maxLength: 40 }), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }), hostileString),
  })
    .filter(({ field, value }) => !(field === 'timeZone' && typeof value === 'string' && /^[A-Za-z_]+(\/[A-Za-z_+-]+)*$/.test(value)))
    .map(({ field, value }) => JSON.stringify({ tenantId: CONTOSO, [field]: value })),
  fc.tuple(hostileString, fc.jsonValue({ maxDepth: 1 })).map(([k, v]) => JSON.stringify({ tenantId: CONTOSO, [`x${k}`]: v ?? null })),
  fc.constantFrom(JSON.stringify({ tenantId: CONTOSO, companyName: 'x'.repeat(201) }), JSON.stringify({ tenantId: CONTOSO, companyName: 'a'.repeat(1_000_000) })),
  // A domain-shaped value that no tenant answers for; and a GUID that disagrees with the domain.
  fc.constantFrom(JSON.stringify({ tenantDomain: 'nobody-here.example' }), JSON.stringify({ tenantDomain: 'contoso.example', tenantId: '00000000-0000-4000-8000-000000000000' })),
  hostileString.map((d) => JSON.stringify({ tenantDomain: d })),
);

describe('mappings API under hostile input', () => {
  it('wrong admin tokens of every shape, on every route: 401 problem (429 once throttled), nothing changed', async () => {
    const h = world();
    const before = snapshot(h);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'PUT', 'DELETE'), fc.option(headerValue.filter((v) => v !== ADMIN)), async (method, authorization) => {
        const path = method === 'GET' ? '/v1/mappings' : '/v1/mappings/connectwise/10';
        const res = await call(h, method, path, { ...(authorization !== null ? { authorization } : {}), ...(method === 'PUT' ? { body: JSON.stringify({ tenantId: CONTOSO, enabled: false }) } : {}) });
        const problem = await expectProblem4xx(res);
        expect(['UNAUTHORIZED', 'TOO_MANY_ATTEMPTS']).toContain(problem.code);
      }),
      RUNS,
    );
    expect(snapshot(h)).toBe(before);
  });

  it('invalid, oversized and hostile PUT bodies with the right token: 4xx problem, nothing changed', async () => {
    const h = world();
    const before = snapshot(h);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('connectwise/10', 'halo/20', 'halo/new-company'), invalidMapping, async (target, body) => {
        await expectProblem4xx(await call(h, 'PUT', `/v1/mappings/${target}`, { authorization: ADMIN, body }));
      }),
      RUNS,
    );
    expect(snapshot(h)).toBe(before);
  });

  it('hostile PSA names and company ids in the path (traversal, SQL, markup, unicode): 404 problem, nothing changed', async () => {
    const h = world();
    const before = snapshot(h);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('PUT', 'DELETE'), fc.oneof(badCompanyId.map((id) => `connectwise/${encodeURIComponent(id)}`), hostileString.map((p) => `${encodeURIComponent(p)}/10`)), async (method, target) => {
        const res = await call(h, method, `/v1/mappings/${target}`, { authorization: ADMIN, ...(method === 'PUT' ? { body: JSON.stringify({ tenantId: CONTOSO }) } : {}) });
        const problem = await expectProblem4xx(res);
        expect(problem.code).toBe('NOT_FOUND');
      }),
      RUNS,
    );
    expect(snapshot(h)).toBe(before);
  });
});

describe('admin token under brute force', () => {
  // Same rule as the button secrets (src/http/attempt-throttle.ts): 20 failures per address in 5 minutes.
  it('guessing the admin token is throttled per source, and the right token is still accepted from that source', async () => {
    const h = world();
    const codes: string[] = [];
    for (let i = 0; i < 50; i += 1) codes.push((await expectProblem4xx(await call(h, 'GET', '/v1/mappings', { authorization: `Bearer guess-${i}-0123456789abcdef` }))).code);
    expect(codes.filter((c) => c === 'UNAUTHORIZED')).toHaveLength(20);
    expect(codes.slice(20).every((c) => c === 'TOO_MANY_ATTEMPTS')).toBe(true);
    // The token is 24+ random characters: whoever holds it is never refused because someone else guessed.
    expect((await call(h, 'DELETE', '/v1/mappings/connectwise/10', { authorization: ADMIN })).status).toBe(204);
    expect(h.services.mappings.get('connectwise', '10')).toBeUndefined();
  });
});
