import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { LOGIN, TENANT_A, directory, entraConfig, expectAppError, useNock } from './helpers.js';

useNock();

const discovery = (domain: string) => `/${domain}/v2.0/.well-known/openid-configuration`;
const document = (tenantId: string, host = LOGIN) => ({
  issuer: `${host}/${tenantId}/v2.0`,
  token_endpoint: `${host}/${tenantId}/oauth2/v2.0/token`,
  tenant_region_scope: 'EU',
});

describe('resolving a domain to its tenant', () => {
  it("reads the tenant id from the discovery document's issuer, without a token", async () => {
    const { entra, tokens } = directory();
    nock(LOGIN, { badheaders: ['authorization'] }).get(discovery('contoso.com')).reply(200, document(TENANT_A));

    expect(await entra.resolveTenantId('Contoso.COM')).toBe(TENANT_A);
    expect(tokens.calls).toEqual([]);
  });

  it('caches the answer', async () => {
    const { entra } = directory();
    nock(LOGIN).get(discovery('contoso.com')).reply(200, document(TENANT_A));

    await entra.resolveTenantId('contoso.com');
    // No interceptor is left: a second request would fail on the blocked network.
    expect(await entra.resolveTenantId('contoso.com')).toBe(TENANT_A);
  });

  it('returns null for a domain no tenant owns (400 or 404)', async () => {
    const { entra } = directory();
    nock(LOGIN)
      .get(discovery('unknown.example'))
      .reply(400, { error: 'invalid_tenant', error_description: 'AADSTS90002: Tenant not found.' })
      .get(discovery('gone.example'))
      .reply(404, 'not found');

    expect(await entra.resolveTenantId('unknown.example')).toBeNull();
    expect(await entra.resolveTenantId('gone.example')).toBeNull();
  });

  it('asks the configured authority host (sovereign cloud or sandbox)', async () => {
    const host = 'https://login.microsoftonline.us';
    const { entra } = directory({ config: entraConfig({ authorityHost: host }) });
    nock(host).get(discovery('agency.gov')).reply(200, document(TENANT_A, host));

    expect(await entra.resolveTenantId('agency.gov')).toBe(TENANT_A);
  });

  it.each(['contoso', 'contoso.com/../common', 'a b.com', 'contoso.com?x=1', '-bad.com', `${'a'.repeat(64)}.com`, ''])(
    'refuses "%s" before any request',
    async (domain) => {
      const { entra } = directory();

      await expectAppError(entra.resolveTenantId(domain), 'INVALID_REQUEST');
    },
  );

  it('retries a throttled look-up, then reports UPSTREAM_THROTTLED when it persists', async () => {
    const { entra, waits } = directory({ readRetry: { maxRetries: 1 } });
    nock(LOGIN).get(discovery('contoso.com')).times(2).reply(429, '', { 'Retry-After': '1' });

    const error = await expectAppError(entra.resolveTenantId('contoso.com'), 'UPSTREAM_THROTTLED');
    expect(error.extra.retryAfterSeconds).toBe(1);
    expect(waits).toEqual([1000]);
  });

  it('rejects a document whose issuer names no tenant id', async () => {
    const { entra } = directory();
    nock(LOGIN).get(discovery('contoso.com')).reply(200, { issuer: `${LOGIN}/not-a-guid/v2.0` });

    await expectAppError(entra.resolveTenantId('contoso.com'), 'INTERNAL');
  });
});
