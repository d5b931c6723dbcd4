import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { entraFetch, entraToken } from './clients.js';

let sb: Sandbox;
let f: ReturnType<typeof entraFetch>;
const tokens: Record<string, string> = {};
const now = new Date('2026-11-26T10:00:00Z');

beforeAll(async () => {
  sb = await startSandbox({ now, clock: () => now });
  f = entraFetch(sb);
  for (const [name, id] of Object.entries(TENANT_IDS)) tokens[name] = await entraToken(sb, id, f);
});
afterAll(async () => {
  await f.close();
  await sb.close();
});

const graph = (tenant: keyof typeof TENANT_IDS, path: string, init: RequestInit = {}) =>
  f(`${sb.entra.graphBaseUrl}/v1.0${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${tokens[tenant]}`, 'Content-Type': 'application/json', ...(init.headers as Record<string, string>) },
  });
const createTap = (tenant: keyof typeof TENANT_IDS, upn: string, body: Record<string, unknown>) =>
  graph(tenant, `/users/${upn}/authentication/temporaryAccessPassMethods`, { method: 'POST', body: JSON.stringify(body) });

describe('Entra: login host', () => {
  it('serves https with a certificate only the sandbox CA vouches for', async () => {
    await expect(fetch(`${sb.entra.authorityHost}/${TENANT_IDS.contoso}/v2.0/.well-known/openid-configuration`)).rejects.toThrow();
    const res = await f(`${sb.entra.authorityHost}/contoso.example/v2.0/.well-known/openid-configuration`);
    const doc = (await res.json()) as { issuer: string; token_endpoint: string };
    expect(doc.issuer).toBe(`${sb.entra.authorityHost}/${TENANT_IDS.contoso}/v2.0`);
    expect(doc.token_endpoint).toBe(`${sb.entra.authorityHost}/${TENANT_IDS.contoso}/oauth2/v2.0/token`);
  });

  it('answers discovery for an unknown domain with an AADSTS 400', async () => {
    const res = await f(`${sb.entra.authorityHost}/unknown.example/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
  });

  it('issues an opaque bearer token per tenant', async () => {
    const res = await f(`${sb.entra.authorityHost}/${TENANT_IDS.fabrikam}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.entra.clientId, client_secret: sb.entra.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(String(body.access_token).split('.')).toHaveLength(1);
  });

  it('refuses an unknown tenant, a wrong secret and a scope without /.default', async () => {
    const token = (tenant: string, extra: Record<string, string>) =>
      f(`${sb.entra.authorityHost}/${tenant}/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.entra.clientId, client_secret: sb.entra.clientSecret, scope: 'https://graph.microsoft.com/.default', ...extra }),
      });
    const unknown = await token('00000000-0000-4000-8000-000000000000', {});
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error_description: string }).error_description).toMatch(/^AADSTS90002:/);
    const wrong = await token(TENANT_IDS.contoso, { client_secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect((await token(TENANT_IDS.contoso, { scope: 'User.Read.All' })).status).toBe(400);
  });

  it('checks a client assertion: header shape, client id and audience', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = (header: object, claims: object) => `${b64(header)}.${b64(claims)}.c2ln`;
    const aud = `${sb.entra.authorityHost}/${TENANT_IDS.contoso}/oauth2/v2.0/token`;
    const claims = { iss: sb.entra.clientId, sub: sb.entra.clientId, aud, exp: now.getTime() / 1000 + 600, jti: 'x' };
    const post = (assertion: string) =>
      f(aud, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials', client_id: sb.entra.clientId, scope: 'https://graph.microsoft.com/.default',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
        }),
      });
    expect((await post(jwt({ alg: 'PS256', typ: 'JWT', 'x5t#S256': 'abc' }, claims))).status).toBe(200);
    expect((await post(jwt({ alg: 'none' }, claims))).status).toBe(401);
    expect((await post(jwt({ alg: 'RS256', 'x5t#S256': 'abc' }, { ...claims, iss: 'someone-else', sub: 'someone-else' }))).status).toBe(401);
    expect((await post(jwt({ alg: 'RS256', 'x5t#S256': 'abc' }, { ...claims, aud: 'https://elsewhere.example/token' }))).status).toBe(401);
  });
});

describe('Entra: Graph reads', () => {
  it('refuses Graph without a token or with a made-up one', async () => {
    expect((await f(`${sb.entra.graphBaseUrl}/v1.0/organization`)).status).toBe(401);
    const res = await f(`${sb.entra.graphBaseUrl}/v1.0/organization`, { headers: { Authorization: 'Bearer forged' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken', innerError: { 'request-id': expect.any(String), date: expect.any(String) } } });
  });

  it('binds a token to its tenant: another tenant\'s user is not found', async () => {
    expect((await graph('contoso', '/users/alice.jansen@contoso.example')).status).toBe(200);
    const res = await graph('fabrikam', '/users/alice.jansen@contoso.example');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
    const tap = await createTap('fabrikam', 'alice.jansen@contoso.example', {});
    expect(tap.status).toBe(404);
    expect(sb.entra.state.tap(TENANT_IDS.contoso, 'alice.jansen@contoso.example')).toBeUndefined();
  });

  it('honours $select; accountEnabled and userType only when selected', async () => {
    const plain = (await (await graph('contoso', '/users/dana.visser@contoso.example')).json()) as Record<string, unknown>;
    expect(plain).toHaveProperty('userPrincipalName', 'dana.visser@contoso.example');
    expect(plain).not.toHaveProperty('accountEnabled');
    const selected = (await (await graph('contoso', '/users/dana.visser@contoso.example?$select=id,accountEnabled,userType')).json()) as Record<string, unknown>;
    expect(selected).toMatchObject({ accountEnabled: false, userType: 'Member' });
    expect(selected).not.toHaveProperty('displayName');
    expect((await graph('contoso', '/users/dana.visser@contoso.example?$select=shoeSize')).status).toBe(400);
  });

  it("reads a UPN starting with $ through /users('…') only", async () => {
    const ok = await graph('contoso', "/users('$scanner@contoso.example')?$select=userPrincipalName");
    expect(await ok.json()).toMatchObject({ userPrincipalName: '$scanner@contoso.example' });
    expect((await graph('contoso', '/users/$scanner@contoso.example')).status).toBe(400);
  });

  it('filters a transitiveMemberOf cast only with ConsistencyLevel: eventual and $count=true; otherwise answers everything', async () => {
    const erik = sb.entra.state.user(TENANT_IDS.contoso, 'erik.admin@contoso.example')!;
    const path = `/users/${erik.id}/transitiveMemberOf/microsoft.graph.directoryRole`;
    type Page = { value: { '@odata.type': string; displayName: string; roleTemplateId?: string }[] };
    const types = (page: Page) => [...new Set(page.value.map((o) => o['@odata.type']))].sort();
    // Header alone, or nothing: the cast is ignored and groups come back with the role (issue 10 #3).
    for (const headers of [{}, { ConsistencyLevel: 'eventual' }] as Record<string, string>[]) {
      const res = await graph('contoso', path, { headers });
      expect(res.status).toBe(200);
      expect(types((await res.json()) as Page)).toEqual(['#microsoft.graph.directoryRole', '#microsoft.graph.group']);
    }
    // $count without the header is refused, as Graph refuses it.
    expect((await graph('contoso', `${path}?$count=true`)).status).toBe(400);
    const advanced = (await (await graph('contoso', `${path}?$count=true`, { headers: { ConsistencyLevel: 'eventual' } })).json()) as Page & { '@odata.count': number };
    expect(advanced.value.map((r) => r.roleTemplateId)).toEqual(['62e90394-69f5-4237-9190-012177145e10']);
    expect(advanced['@odata.count']).toBe(1);
    const direct = (await (await graph('contoso', `/roleManagement/directory/roleAssignments?$filter=principalId eq '${erik.id}'`)).json()) as { value: unknown[] };
    expect(direct.value).toEqual([]);
  });

  it('returns the organization with verified domains', async () => {
    const org = (await (await graph('fabrikam', '/organization')).json()) as { value: { id: string; verifiedDomains: { name: string; isDefault: boolean; isInitial: boolean }[] }[] };
    expect(org.value[0]!.id).toBe(TENANT_IDS.fabrikam);
    expect(org.value[0]!.verifiedDomains).toEqual([
      expect.objectContaining({ name: 'fabrikam.example', isDefault: true, isInitial: false }),
      expect.objectContaining({ name: 'fabrikam.onmicrosoft.com', isDefault: false, isInitial: true }),
    ]);
  });

  it('lists GDAP customers in the partner tenant only, paged by $top with @odata.nextLink', async () => {
    const first = (await (await graph('partner', '/tenantRelationships/delegatedAdminCustomers?$top=2')).json()) as { value: { tenantId: string }[]; '@odata.nextLink'?: string };
    expect(first.value.map((c) => c.tenantId)).toEqual([TENANT_IDS.contoso, TENANT_IDS.fabrikam]);
    const next = await f(first['@odata.nextLink']!, { headers: { Authorization: `Bearer ${tokens.partner}` } });
    const second = (await next.json()) as { value: { tenantId: string; displayName: string }[]; '@odata.nextLink'?: string };
    expect(second.value).toEqual([
      expect.objectContaining({ tenantId: TENANT_IDS.northwind, displayName: 'Northwind Traders' }),
      expect.objectContaining({ tenantId: TENANT_IDS.adventureWorks, displayName: 'Adventure Works' }),
    ]);
    expect(second).not.toHaveProperty('@odata.nextLink');
    expect((await graph('partner', '/tenantRelationships/delegatedAdminCustomers?$top=301')).status).toBe(400);
    expect((await graph('contoso', '/tenantRelationships/delegatedAdminCustomers')).status).toBe(403);
  });
});

describe('Entra: Temporary Access Pass', () => {
  it('returns the tenant policy', async () => {
    const p = await (await graph('fabrikam', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass')).json();
    expect(p).toMatchObject({ state: 'enabled', isUsableOnce: true, minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 1440, defaultLength: 12 });
  });

  it('creates a pass with policy defaults, NotYetValid before its start', async () => {
    const start = '2026-11-27T07:00:00.000Z';
    const res = await createTap('contoso', 'bram.devries@contoso.example', { startDateTime: start });
    expect(res.status).toBe(201);
    const tap = (await res.json()) as Record<string, unknown>;
    expect(tap).toMatchObject({ startDateTime: start, lifetimeInMinutes: 60, isUsableOnce: false, isUsable: false, methodUsabilityReason: 'NotYetValid' });
    expect(String(tap.temporaryAccessPass)).toHaveLength(8);
    expect(sb.entra.state.tap(TENANT_IDS.contoso, 'bram.devries@contoso.example')?.temporaryAccessPass).toBe(tap.temporaryAccessPass);
  });

  it('is usable at once without a start date', async () => {
    const tap = await (await createTap('contoso', 'alice.jansen@contoso.example', { lifetimeInMinutes: 120 })).json();
    expect(tap).toMatchObject({ isUsable: true, methodUsabilityReason: 'EnabledByPolicy', lifetimeInMinutes: 120 });
  });

  it("refuses a lifetime outside the policy's range with the reference message", async () => {
    const res = await createTap('contoso', 'femke.bakker@contoso.example', { lifetimeInMinutes: 600 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Invalid LifetimeInMinutes specified. The valid range between 60 and 480.');
  });

  it('forces one-time use where the policy does, with its pass length', async () => {
    const tap = (await (await createTap('fabrikam', 'grace.miller@fabrikam.example', { isUsableOnce: false })).json()) as Record<string, unknown>;
    expect(tap).toMatchObject({ isUsableOnce: true, lifetimeInMinutes: 120 });
    expect(String(tap.temporaryAccessPass)).toHaveLength(12);
  });

  it('refuses when the policy is disabled or excludes the user', async () => {
    for (const [tenant, upn] of [['northwind', 'oliver.smith@northwind.example'], ['fabrikam', 'breakglass@fabrikam.example']] as const) {
      const res = await createTap(tenant, upn, {});
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Converged UserCredentialPolicy does not allow creating or updating this authentication method.');
    }
  });

  it('refuses a guest', async () => {
    const guest = sb.entra.state.tenant(TENANT_IDS.contoso)!.users.find((u) => u.userType === 'Guest')!;
    const res = await createTap('contoso', guest.id, {});
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('Temporary Access Pass cannot be added to an external guest user.');
  });

  it('keeps one pass per user: a second create replaces the first; reads never show the pass; delete removes it', async () => {
    const upn = 'lars.mulder@contoso.example';
    const first = (await (await createTap('contoso', upn, {})).json()) as { id: string; temporaryAccessPass: string };
    const second = (await (await createTap('contoso', upn, {})).json()) as { id: string; temporaryAccessPass: string };
    const list = (await (await graph('contoso', `/users/${upn}/authentication/temporaryAccessPassMethods`)).json()) as { value: { id: string; temporaryAccessPass: null }[] };
    expect(list.value).toEqual([expect.objectContaining({ id: second.id, temporaryAccessPass: null })]);
    expect(second.id).not.toBe(first.id);
    expect(sb.entra.state.tapsCreated.filter((t) => t.userId === sb.entra.state.user(TENANT_IDS.contoso, upn)!.id)).toHaveLength(2);
    expect((await graph('contoso', `/users/${upn}/authentication/temporaryAccessPassMethods/${first.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await graph('contoso', `/users/${upn}/authentication/temporaryAccessPassMethods/${second.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(sb.entra.state.tap(TENANT_IDS.contoso, upn)).toBeUndefined();
  });
});
