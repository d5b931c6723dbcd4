import { constants, createHash, createPublicKey, createVerify, X509Certificate } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { aadError } from './errors.js';
import type { EntraState, EntraTenant } from './state.js';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ACCESS_TOKEN_SECONDS = 3599;

/**
 * The login host: the v2.0 token endpoint (client credentials, per tenant) and OpenID discovery. `origin()` and
 * `graphOrigin()` are read at request time because the ports are known only once the servers listen.
 */
export function loginRoutes(state: EntraState, origin: () => string, graphOrigin: () => string): Hono {
  const app = new Hono();

  app.get('/:tenant/v2.0/.well-known/openid-configuration', (c) => {
    const tenant = state.tenant(c.req.param('tenant'));
    if (!tenant) return unknownTenant(c, c.req.param('tenant'));
    const base = `${origin()}/${tenant.id}`;
    // Same shape as login.microsoftonline.com, but every URL (issuer included) names this server's origin, so a client
    // that derives endpoints or checks the issuer against its authority stays on the sandbox.
    return c.json({
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${graphOrigin()}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid'],
      tenant_region_scope: tenant.region,
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: new URL(graphOrigin()).host,
      rbac_url: 'https://pas.windows.net',
    });
  });

  app.get('/:tenant/discovery/v2.0/keys', (c) =>
    state.tenant(c.req.param('tenant')) ? c.json({ keys: [] }) : unknownTenant(c, c.req.param('tenant')),
  );

  app.post('/:tenant/oauth2/v2.0/token', async (c) => {
    const tenant = state.tenant(c.req.param('tenant'));
    if (!tenant) return unknownTenant(c, c.req.param('tenant'));
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return aadError(c, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    }
    const form = new URLSearchParams(await c.req.text());
    const clientId = form.get('client_id') ?? '';
    if (form.get('grant_type') !== 'client_credentials') {
      return aadError(c, 400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    if (!clientId) return aadError(c, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    if (clientId.toLowerCase() !== state.app.clientId.toLowerCase()) {
      return aadError(c, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant.displayName}'.`);
    }
    if (tenant.appConsented === false) {
      return aadError(c, 401, 'invalid_client', 7000229, `The client application ${clientId} is missing service principal in the tenant ${tenant.id}.`);
    }
    const scope = form.get('scope');
    if (!scope) return aadError(c, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    const resources = ['https://graph.microsoft.com', GRAPH_APP_ID, graphOrigin()];
    if (!resources.some((r) => scope === `${r}/.default`)) {
      return aadError(c, 400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const refusal = checkCredential(c, state, tenant, form);
    if (refusal) return refusal;
    return c.json({
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      ext_expires_in: ACCESS_TOKEN_SECONDS,
      access_token: state.issueToken(tenant.id, clientId, ACCESS_TOKEN_SECONDS),
    });
  });

  return app;
}

function unknownTenant(c: Context, name: string): Response {
  return aadError(c, 400, 'invalid_tenant', 90002, `Tenant '${name}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
}

/** Client secret, or a certificate-signed client assertion. Returns an error response, or undefined when accepted. */
function checkCredential(c: Context, state: EntraState, tenant: EntraTenant, form: URLSearchParams): Response | undefined {
  const clientId = form.get('client_id')!;
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  if (secret !== null) {
    if (secret === state.app.clientSecret) return undefined;
    return aadError(c, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`);
  }
  if (assertion === null) {
    return aadError(c, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  if (form.get('client_assertion_type') !== JWT_BEARER) {
    return aadError(c, 400, 'invalid_request', 50027, 'Invalid client_assertion_type.');
  }
  const bad = (code: number, message: string) => aadError(c, 401, 'invalid_client', code, message);
  const parts = assertion.split('.');
  const decode = (s: string) => {
    try {
      return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const header = parts.length === 3 ? decode(parts[0]!) : undefined;
  const claims = parts.length === 3 ? decode(parts[1]!) : undefined;
  if (!header || !claims) return bad(50027, 'JWT token is invalid or malformed.');
  const thumbprint = (header['x5t#S256'] ?? header.x5t) as string | undefined;
  if (!['RS256', 'PS256'].includes(String(header.alg)) || typeof thumbprint !== 'string') {
    return bad(5002738, 'Client assertion header must name alg RS256/PS256 and the certificate thumbprint (x5t#S256).');
  }
  if (claims.iss !== clientId || claims.sub !== clientId) {
    return bad(700021, 'Client assertion application identifier does not match client_id parameter.');
  }
  const aud = String(claims.aud ?? '');
  // Loose audience check: the real service wants the token endpoint; accept any audience naming this tenant.
  if (!aud.includes(tenant.id) && !tenant.domains.some((d) => aud.toLowerCase().includes(d.toLowerCase()))) {
    return bad(700023, 'Client assertion audience claim does not match Realm issuer.');
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= state.clock().getTime()) {
    return bad(700024, 'Client assertion is not within its valid time range.');
  }
  if (state.clientCertificates.length === 0) return undefined;
  // With certificates registered, the thumbprint must name one of them and the signature must verify with its key.
  const cert = state.clientCertificates
    .map((pem) => new X509Certificate(pem))
    .find((x) => [createHash('sha256').update(x.raw).digest('base64url'), createHash('sha1').update(x.raw).digest('base64url')].includes(thumbprint));
  if (!cert) return bad(700027, `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}']`);
  const verifier = createVerify('RSA-SHA256').update(`${parts[0]}.${parts[1]}`);
  const key = createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' }));
  const ok = header.alg === 'PS256'
    ? verifier.verify({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, Buffer.from(parts[2]!, 'base64url'))
    : verifier.verify(key, Buffer.from(parts[2]!, 'base64url'));
  return ok ? undefined : bad(700027, 'Client assertion failed signature validation.');
}
