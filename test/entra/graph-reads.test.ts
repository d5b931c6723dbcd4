import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { GRAPH, PARTNER_TENANT, TENANT_A, TENANT_B, V1, directory, entraConfig, expectAppError, graphError, useNock } from './helpers.js';

useNock();

const SELECT = { $select: 'id,userPrincipalName,displayName,accountEnabled,userType' };
const adele = { id: 'aaaaaaaa-0000-4000-8000-000000000001', userPrincipalName: 'adele@contoso.com', displayName: 'Adele Vance', accountEnabled: true, userType: 'Member' };
const POLICY_PATH = `${V1}/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`;
const policy = { state: 'enabled', defaultLifetimeInMinutes: 60, defaultLength: 8, minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, isUsableOnce: false };

describe('reading users', () => {
  it("sends the tenant's bearer token to the custom Graph base and maps the user", async () => {
    const { entra } = directory();
    nock(GRAPH, { reqheaders: { authorization: `Bearer token-for-${TENANT_A}` } })
      .get(`${V1}/users/adele@contoso.com`)
      .query(SELECT)
      .reply(200, adele);

    expect(await entra.getUser(TENANT_A, 'adele@contoso.com')).toEqual({ ...adele });
  });

  it('returns null when Graph says the user does not exist', async () => {
    const { entra } = directory();
    nock(GRAPH).get(`${V1}/users/nobody@contoso.com`).query(SELECT).reply(404, graphError('Request_ResourceNotFound', "Resource 'nobody@contoso.com' does not exist."));

    expect(await entra.getUser(TENANT_A, 'nobody@contoso.com')).toBeNull();
  });

  it("addresses a UPN starting with $ by key, and encodes '#'", async () => {
    const { entra } = directory();
    nock(GRAPH).get(`${V1}/users('$admin@contoso.com')`).query(SELECT).reply(200, { ...adele, userPrincipalName: '$admin@contoso.com' });
    nock(GRAPH).get(`${V1}/users/a%23b@contoso.com`).query(SELECT).reply(200, { ...adele, userPrincipalName: 'a#b@contoso.com' });

    expect((await entra.getUser(TENANT_A, '$admin@contoso.com'))?.userPrincipalName).toBe('$admin@contoso.com');
    expect((await entra.getUser(TENANT_A, 'a#b@contoso.com'))?.userPrincipalName).toBe('a#b@contoso.com');
  });

  it('refuses a user name that could change the request path, without calling Graph', async () => {
    const { entra, tokens } = directory();

    await expectAppError(entra.getUser(TENANT_A, '../organization?x=@contoso.com'), 'INVALID_REQUEST');
    expect(tokens.calls).toEqual([]);
  });

  it('rejects a user object missing fields it depends on', async () => {
    const { entra } = directory();
    nock(GRAPH).get(`${V1}/users/adele@contoso.com`).query(SELECT).reply(200, { id: adele.id, userPrincipalName: adele.userPrincipalName });

    await expectAppError(entra.getUser(TENANT_A, 'adele@contoso.com'), 'INTERNAL');
  });

  it('passes token failures through as the AppError the token provider raised', async () => {
    const { entra } = directory({
      tokens: { getToken: () => Promise.reject(new AppError('ENTRA_ACCESS_DENIED', `No consent in tenant ${TENANT_A}.`)) },
    });

    const error = await expectAppError(entra.getUser(TENANT_A, 'adele@contoso.com'), 'ENTRA_ACCESS_DENIED');
    expect(error.detail).toBe(`No consent in tenant ${TENANT_A}.`);
  });

  it('maps 403 to ENTRA_ACCESS_DENIED naming the tenant and the permission', async () => {
    const { entra } = directory();
    nock(GRAPH).get(`${V1}/users/adele@contoso.com`).query(SELECT).reply(403, graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));

    const error = await expectAppError(entra.getUser(TENANT_A, 'adele@contoso.com'), 'ENTRA_ACCESS_DENIED');
    expect(error.detail).toContain(TENANT_A);
    expect(error.detail).toContain('User.Read.All');
    expect(error.detail).not.toContain('Insufficient privileges');
  });
});

describe('organization', () => {
  it('returns the tenant with its verified domains', async () => {
    const { entra } = directory();
    nock(GRAPH)
      .get(`${V1}/organization`)
      .reply(200, { value: [{ id: TENANT_A, displayName: 'Contoso', verifiedDomains: [{ name: 'contoso.com', isDefault: true, isInitial: false }, { name: 'contoso.onmicrosoft.com', isInitial: true }] }] });

    expect(await entra.getOrganization(TENANT_A)).toEqual({
      id: TENANT_A,
      displayName: 'Contoso',
      verifiedDomains: [
        { name: 'contoso.com', isDefault: true, isInitial: false },
        { name: 'contoso.onmicrosoft.com', isDefault: false, isInitial: true },
      ],
    });
  });
});

describe('organization cache', () => {
  const org = { value: [{ id: TENANT_A, displayName: 'Contoso', verifiedDomains: [{ name: 'contoso.com', isDefault: true, isInitial: false }] }] };

  it('reads the organization once per cache period, and again when asked for a fresh copy', async () => {
    const { entra } = directory({ policyCacheSeconds: 300 });
    nock(GRAPH).get(`${V1}/organization`).reply(200, org);
    await entra.getOrganization(TENANT_A);
    // No interceptor is left: a second request would fail on the blocked network.
    expect((await entra.getOrganization(TENANT_A)).displayName).toBe('Contoso');

    nock(GRAPH).get(`${V1}/organization`).reply(200, { value: [{ ...org.value[0], displayName: 'Contoso Renamed' }] });
    expect((await entra.getOrganization(TENANT_A, { fresh: true })).displayName).toBe('Contoso Renamed');
    expect((await entra.getOrganization(TENANT_A)).displayName).toBe('Contoso Renamed');
  });

  it('reads the policy afresh for a connection test', async () => {
    const { entra } = directory({ policyCacheSeconds: 300 });
    nock(GRAPH).get(POLICY_PATH).reply(200, policy).get(POLICY_PATH).reply(200, { ...policy, state: 'disabled' });
    expect((await entra.getTapPolicy(TENANT_A)).state).toBe('enabled');
    expect((await entra.getTapPolicy(TENANT_A, { fresh: true })).state).toBe('disabled');
  });
});

describe('TAP policy cache', () => {
  it('reads the policy once per tenant until the cache time passes', async () => {
    const { entra, clock } = directory({ policyCacheSeconds: 300 });
    nock(GRAPH).get(POLICY_PATH).reply(200, policy);

    const first = await entra.getTapPolicy(TENANT_A);
    clock.now = new Date(clock.now.getTime() + 299_000);
    // No interceptor is left: a second request would fail on the blocked network.
    const second = await entra.getTapPolicy(TENANT_A);

    expect(second).toEqual(first);
    expect(first).toMatchObject({ state: 'enabled', minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480 });

    nock(GRAPH).get(POLICY_PATH).reply(200, { ...policy, state: 'disabled' });
    clock.now = new Date(clock.now.getTime() + 2_000);
    expect((await entra.getTapPolicy(TENANT_A)).state).toBe('disabled');
  });

  it('keeps tenants apart and lets concurrent callers share one request', async () => {
    const { entra, tokens } = directory();
    nock(GRAPH).get(POLICY_PATH).reply(200, policy).get(POLICY_PATH).reply(200, { ...policy, isUsableOnce: true });

    const [a1, a2, a3] = await Promise.all([entra.getTapPolicy(TENANT_A), entra.getTapPolicy(TENANT_A), entra.getTapPolicy(TENANT_A)]);
    const b = await entra.getTapPolicy(TENANT_B);

    expect([a1.isUsableOnce, a2.isUsableOnce, a3.isUsableOnce, b.isUsableOnce]).toEqual([false, false, false, true]);
    expect(tokens.calls).toEqual([TENANT_A, TENANT_B]);
  });

  it('does not cache a failure', async () => {
    const { entra } = directory();
    nock(GRAPH).get(POLICY_PATH).reply(403, graphError('accessDenied', 'no')).get(POLICY_PATH).reply(200, policy);

    await expectAppError(entra.getTapPolicy(TENANT_A), 'ENTRA_ACCESS_DENIED');
    expect((await entra.getTapPolicy(TENANT_A)).state).toBe('enabled');
  });
});

describe('read retries', () => {
  it('waits the Retry-After seconds on a 429, then succeeds', async () => {
    const { entra, waits } = directory();
    nock(GRAPH).get(POLICY_PATH).reply(429, graphError('TooManyRequests', 'slow down'), { 'Retry-After': '2' }).get(POLICY_PATH).reply(200, policy);

    expect((await entra.getTapPolicy(TENANT_A)).state).toBe('enabled');
    expect(waits).toEqual([2000]);
  });

  it('reads Retry-After as an HTTP date, and backs off without one on 503 and 504', async () => {
    const { entra, waits, clock } = directory();
    const inThreeSeconds = new Date(clock.now.getTime() + 3000).toUTCString();
    nock(GRAPH)
      .get(`${V1}/organization`)
      .reply(429, graphError('TooManyRequests', 'x'), { 'Retry-After': inThreeSeconds })
      .get(`${V1}/organization`)
      .reply(503, 'unavailable')
      .get(`${V1}/organization`)
      .reply(504, 'gateway timeout')
      .get(`${V1}/organization`)
      .reply(200, { value: [{ id: TENANT_A, displayName: 'Contoso', verifiedDomains: [] }] });

    expect((await entra.getOrganization(TENANT_A)).id).toBe(TENANT_A);
    expect(waits).toEqual([3000, 1000, 2000]);
  });

  it('gives up after the retry budget with UPSTREAM_THROTTLED and the last Retry-After', async () => {
    const { entra, waits } = directory({ readRetry: { maxRetries: 2 } });
    nock(GRAPH).get(POLICY_PATH).times(3).reply(429, graphError('TooManyRequests', 'x'), { 'Retry-After': '1' });

    const error = await expectAppError(entra.getTapPolicy(TENANT_A), 'UPSTREAM_THROTTLED');
    expect(error.extra.retryAfterSeconds).toBe(1);
    expect(waits).toEqual([1000, 1000]);
  });

  it('does not wait out a Retry-After longer than the cap', async () => {
    const { entra, waits } = directory();
    nock(GRAPH).get(POLICY_PATH).reply(429, graphError('TooManyRequests', 'x'), { 'Retry-After': '120' });

    const error = await expectAppError(entra.getTapPolicy(TENANT_A), 'UPSTREAM_THROTTLED');
    expect(error.extra.retryAfterSeconds).toBe(120);
    expect(waits).toEqual([]);
  });

  it('does not retry a 500', async () => {
    const { entra, waits } = directory();
    nock(GRAPH).get(`${V1}/organization`).reply(500, graphError('InternalServerError', 'x'));

    await expectAppError(entra.getOrganization(TENANT_A), 'UPSTREAM_UNAVAILABLE');
    expect(waits).toEqual([]);
  });
});

describe('partner customers', () => {
  const path = `${V1}/tenantRelationships/delegatedAdminCustomers`;

  it("pages through the MSP tenant's GDAP customers", async () => {
    const { entra } = directory({ config: entraConfig({ partnerTenantId: PARTNER_TENANT }) });
    nock(GRAPH, { reqheaders: { authorization: `Bearer token-for-${PARTNER_TENANT}` } })
      .get(path)
      .query({ $top: '300' })
      .reply(200, { value: [{ tenantId: TENANT_A, displayName: 'Contoso' }], '@odata.nextLink': `${GRAPH}${path}?$top=300&$skiptoken=abc` })
      .get(path)
      .query({ $top: '300', $skiptoken: 'abc' })
      .reply(200, { value: [{ tenantId: TENANT_B, displayName: 'Fabrikam' }] });

    expect(await entra.listPartnerCustomers()).toEqual([
      { tenantId: TENANT_A, displayName: 'Contoso' },
      { tenantId: TENANT_B, displayName: 'Fabrikam' },
    ]);
  });

  it('is empty without a partner tenant, and asks nothing', async () => {
    const { entra, tokens } = directory();

    expect(await entra.listPartnerCustomers()).toEqual([]);
    expect(tokens.calls).toEqual([]);
  });
});
