import nock from 'nock';
import { X509Certificate, constants, createPublicKey, verify } from 'node:crypto';
import { generate } from 'selfsigned';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { describe, expect, it, vi } from 'vitest';
import { createTokenProvider, type TokenProviderOptions } from '../../src/entra/index.js';
import { CLIENT_ID, CLIENT_SECRET, LOGIN, TENANT_A, TENANT_B, captureLogger, expectAppError, useNock } from './helpers.js';

useNock();

const tokenPath = (tenant: string) => `/${tenant}/oauth2/v2.0/token`;
const issued = (accessToken: string) => ({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });

function provider(overrides: Partial<TokenProviderOptions> = {}) {
  const { logger, lines } = captureLogger();
  const tokens = createTokenProvider({
    clientId: CLIENT_ID,
    credential: { kind: 'secret', clientSecret: CLIENT_SECRET },
    authorityHost: LOGIN,
    graphBaseUrl: 'https://graph.microsoft.com',
    fetch: globalThis.fetch,
    logger,
    ...overrides,
  });
  return { tokens, lines };
}

/** Records each token request's form body. */
function tokenEndpoint(host: string, tenant: string, accessToken: string, bodies: URLSearchParams[] = []) {
  nock(host)
    .post(tokenPath(tenant)).query(true)
    .reply(function (_uri, body) {
      bodies.push(new URLSearchParams(String(body)));
      return [200, issued(accessToken)];
    });
  return bodies;
}

describe('token provider', () => {
  it('posts once per tenant with the client secret, then serves each tenant from its own cache', async () => {
    const { tokens } = provider();
    const bodiesA = tokenEndpoint(LOGIN, TENANT_A, 'token-A');
    const bodiesB = tokenEndpoint(LOGIN, TENANT_B, 'token-B');

    expect(await tokens.getToken(TENANT_A)).toBe('token-A');
    expect(await tokens.getToken(TENANT_A)).toBe('token-A');
    expect(await tokens.getToken(TENANT_B)).toBe('token-B');
    expect(await tokens.getToken(TENANT_B)).toBe('token-B');

    // Each interceptor answers once; a second POST for either tenant would have hit a blocked connection.
    expect(nock.isDone()).toBe(true);
    expect(bodiesA).toHaveLength(1);
    expect(bodiesB).toHaveLength(1);
    expect(bodiesA[0]!.get('grant_type')).toBe('client_credentials');
    expect(bodiesA[0]!.get('client_id')).toBe(CLIENT_ID);
    expect(bodiesA[0]!.get('client_secret')).toBe(CLIENT_SECRET);
    expect(bodiesA[0]!.get('scope')).toBe('https://graph.microsoft.com/.default');
  });

  it('holds the token per tenant until near its expiry: MSAL is not consulted on every Graph call', async () => {
    const acquire = vi.spyOn(ConfidentialClientApplication.prototype, 'acquireTokenByClientCredential');
    try {
      const { tokens } = provider();
      tokenEndpoint(LOGIN, TENANT_A, 'token-A');
      for (let i = 0; i < 5; i += 1) expect(await tokens.getToken(TENANT_A)).toBe('token-A');
      expect(acquire).toHaveBeenCalledTimes(1);
    } finally {
      acquire.mockRestore();
    }
  });

  it('asks MSAL again for a token that is within five minutes of expiring', async () => {
    const acquire = vi.spyOn(ConfidentialClientApplication.prototype, 'acquireTokenByClientCredential');
    try {
      const { tokens } = provider();
      nock(LOGIN).post(tokenPath(TENANT_A)).query(true).times(2).reply(200, { ...issued('short-lived'), expires_in: 240, ext_expires_in: 240 });
      await tokens.getToken(TENANT_A);
      await tokens.getToken(TENANT_A);
      expect(acquire).toHaveBeenCalledTimes(2);
    } finally {
      acquire.mockRestore();
    }
  });

  it('lets concurrent first callers for a tenant share one token request', async () => {
    const { tokens } = provider();
    const bodies = tokenEndpoint(LOGIN, TENANT_A, 'token-A');

    const all = await Promise.all([tokens.getToken(TENANT_A), tokens.getToken(TENANT_A), tokens.getToken(TENANT_A)]);

    expect(all).toEqual(['token-A', 'token-A', 'token-A']);
    expect(bodies).toHaveLength(1);
  });

  it('signs a client assertion with the certificate instead of sending a secret', async () => {
    const pems = await generate([{ name: 'commonName', value: 'psa-tap-connector test' }], { keyType: 'rsa', keySize: 2048 });
    const certificate = new X509Certificate(pems.cert);
    const thumbprintSha256 = certificate.fingerprint256.replace(/:/g, '');
    const { tokens } = provider({
      credential: { kind: 'certificate', privateKeyPem: pems.private, thumbprintSha256, x5c: pems.cert },
    });
    const bodies = tokenEndpoint(LOGIN, TENANT_A, 'token-cert');

    expect(await tokens.getToken(TENANT_A)).toBe('token-cert');

    const form = bodies[0]!;
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const [header, payload, signature] = form.get('client_assertion')!.split('.') as [string, string, string];
    const decoded = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
    expect(decoded(header)).toMatchObject({ alg: 'PS256', 'x5t#S256': Buffer.from(thumbprintSha256, 'hex').toString('base64url') });
    expect(decoded(payload)).toMatchObject({ iss: CLIENT_ID, sub: CLIENT_ID, aud: `${LOGIN}${tokenPath(TENANT_A)}` });
    const signedWithOurKey = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      { key: createPublicKey(pems.cert), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      Buffer.from(signature, 'base64url'),
    );
    expect(signedWithOurKey).toBe(true);
  });

  it('uses a custom authority host with no discovery requests, one token POST per tenant', async () => {
    const host = 'https://127.0.0.1:9443';
    const { tokens } = provider({ authorityHost: host, graphBaseUrl: 'https://127.0.0.1:9444' });
    // Only the two token POSTs are mocked; instance or OpenID discovery would fail on the blocked network.
    const bodiesA = tokenEndpoint(host, TENANT_A, 'sandbox-A');
    const bodiesB = tokenEndpoint(host, TENANT_B, 'sandbox-B');

    expect(await tokens.getToken(TENANT_A)).toBe('sandbox-A');
    expect(await tokens.getToken(TENANT_B)).toBe('sandbox-B');
    expect(await tokens.getToken(TENANT_A)).toBe('sandbox-A');

    expect(bodiesA).toHaveLength(1);
    expect(bodiesB).toHaveLength(1);
    expect(bodiesA[0]!.get('scope')).toBe('https://127.0.0.1:9444/.default');
  });

  it("asks for the sovereign cloud's Graph scope", async () => {
    const { tokens } = provider({ authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://graph.microsoft.us' });
    const bodies = tokenEndpoint('https://login.microsoftonline.us', TENANT_A, 'gov-token');

    expect(await tokens.getToken(TENANT_A)).toBe('gov-token');
    expect(bodies[0]!.get('scope')).toBe('https://graph.microsoft.us/.default');
  });

  it('turns an invalid secret into ENTRA_ACCESS_DENIED with a fix, without the secret or Entra text', async () => {
    const { tokens, lines } = provider();
    nock(LOGIN)
      .post(tokenPath(TENANT_A)).query(true)
      .reply(401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
        error_codes: [7000215],
      });

    const error = await expectAppError(tokens.getToken(TENANT_A), 'ENTRA_ACCESS_DENIED');

    expect(error.detail).toContain('ENTRA_CLIENT_SECRET');
    expect(error.detail).not.toContain('AADSTS');
    expect(lines.join('\n')).not.toContain(CLIENT_SECRET);
  });

  it('names the tenant when the app has no consent there', async () => {
    const { tokens } = provider();
    nock(LOGIN)
      .post(tokenPath(TENANT_B)).query(true)
      .reply(400, { error: 'unauthorized_client', error_description: 'AADSTS700016: Application not found in the directory.', error_codes: [700016] });

    const error = await expectAppError(tokens.getToken(TENANT_B), 'ENTRA_ACCESS_DENIED');

    expect(error.detail).toContain(TENANT_B);
    expect(error.detail).toMatch(/admin consent/);
  });

  it('reports a 5xx as UPSTREAM_UNAVAILABLE and does not block the next attempt', async () => {
    const { tokens } = provider();
    nock(LOGIN).post(tokenPath(TENANT_A)).query(true).reply(503, '<html>Service Unavailable</html>');
    nock(LOGIN).post(tokenPath(TENANT_A)).query(true).reply(200, issued('after-outage'));

    await expectAppError(tokens.getToken(TENANT_A), 'UPSTREAM_UNAVAILABLE');
    // MSAL's own throttling would refuse this locally for 60 s; ours goes straight back to Entra.
    expect(await tokens.getToken(TENANT_A)).toBe('after-outage');
  });

  it('reports a 429 as UPSTREAM_THROTTLED with its Retry-After', async () => {
    const { tokens } = provider();
    nock(LOGIN).post(tokenPath(TENANT_A)).query(true).reply(429, { error: 'throttled' }, { 'Retry-After': '7' });

    const error = await expectAppError(tokens.getToken(TENANT_A), 'UPSTREAM_THROTTLED');

    expect(error.extra.retryAfterSeconds).toBe(7);
  });

  it('reports a connection failure as UPSTREAM_UNAVAILABLE', async () => {
    const { tokens } = provider();
    nock(LOGIN).post(tokenPath(TENANT_A)).query(true).replyWithError('connect ECONNREFUSED');

    await expectAppError(tokens.getToken(TENANT_A), 'UPSTREAM_UNAVAILABLE');
  });

  it('refuses a tenant id that is not a GUID before any request', async () => {
    const { tokens } = provider();

    await expectAppError(tokens.getToken('contoso.com/../common'), 'INVALID_REQUEST');
  });

  it('never logs the access token', async () => {
    const { tokens, lines } = provider();
    tokenEndpoint(LOGIN, TENANT_A, 'secret-access-token-value');

    await tokens.getToken(TENANT_A);

    expect(lines.join('\n')).not.toContain('secret-access-token-value');
  });
});
