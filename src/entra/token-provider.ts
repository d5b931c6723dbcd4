import { ConfidentialClientApplication, LogLevel, type Configuration, type NodeAuthOptions } from '@azure/msal-node';
import type { EntraCredential } from '../config/index.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createEntraFetch, type Fetch } from './http.js';
import { createMsalNetworkClient } from './msal-network.js';
import { assertTenantId } from './paths.js';
import { tokenErrorToAppError } from './token-errors.js';

export interface TokenProviderOptions {
  clientId: string;
  credential: EntraCredential;
  /** e.g. https://login.microsoftonline.com, without a trailing slash. */
  authorityHost: string;
  /** e.g. https://graph.microsoft.com; the token's scope is `${graphBaseUrl}/.default` (sovereign clouds differ). */
  graphBaseUrl: string;
  fetch?: Fetch;
  logger?: Logger;
}

export interface TokenProvider {
  /** An app-only Graph access token for the tenant. Cached per tenant by MSAL until shortly before expiry. */
  getToken(tenantId: string): Promise<string>;
}

/** A held token is renewed this long before it expires (MSAL itself refreshes 5 minutes early). */
const TOKEN_RENEW_MARGIN_MS = 5 * 60_000;

/** Hosts whose endpoint metadata MSAL 7.2 ships built in (msal-common AuthorityMetadata); any other host needs ours. */
const MSAL_BUILT_IN_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.partner.microsoftonline.cn',
]);

/**
 * One ConfidentialClientApplication serves every tenant: each request names its authority
 * (`${authorityHost}/${tenantId}`) and MSAL keys its token cache by tenant (reference/entra-graph.md, MSAL Node 7).
 */
export function createTokenProvider(opts: TokenProviderOptions): TokenProvider {
  const authorityHost = opts.authorityHost.replace(/\/+$/, '');
  const scopes = [`${opts.graphBaseUrl.replace(/\/+$/, '')}/.default`];
  const app = new ConfidentialClientApplication(msalConfiguration(opts, authorityHost));
  // Concurrent first calls for one tenant share one token request rather than each posting to Entra.
  const inFlight = new Map<string, Promise<string>>();
  // The token in hand per tenant until five minutes before it expires: MSAL's own cache lookup on every Graph call
  // was a measurable share of a press's CPU (docs/benchmarks.md). MSAL's cache still backs this one.
  const held = new Map<string, { token: string; renewAt: number }>();

  const acquire = async (tenantId: string): Promise<string> => {
    try {
      const result = await app.acquireTokenByClientCredential({ scopes, authority: `${authorityHost}/${tenantId}` });
      if (!result?.accessToken) throw new AppError('UPSTREAM_UNAVAILABLE', `Entra returned no access token for tenant ${tenantId}; try again shortly.`);
      if (result.expiresOn) held.set(tenantId, { token: result.accessToken, renewAt: result.expiresOn.getTime() - TOKEN_RENEW_MARGIN_MS });
      return result.accessToken;
    } catch (error) {
      const appError = tokenErrorToAppError(error, tenantId);
      opts.logger?.warn({ tenantId, code: appError.code, msal: msalErrorSummary(error) }, 'Entra token request failed');
      throw appError;
    }
  };

  return {
    async getToken(tenantId) {
      assertTenantId(tenantId);
      const hit = held.get(tenantId);
      if (hit && hit.renewAt > Date.now()) return hit.token;
      const pending = inFlight.get(tenantId);
      if (pending) return pending;
      const request = acquire(tenantId).finally(() => inFlight.delete(tenantId));
      inFlight.set(tenantId, request);
      return request;
    },
  };
}

function msalConfiguration(opts: TokenProviderOptions, authorityHost: string): Configuration {
  const auth: NodeAuthOptions = { clientId: opts.clientId, ...credentialOptions(opts.credential) };
  const host = new URL(authorityHost).host;
  if (!MSAL_BUILT_IN_HOSTS.has(host)) {
    // Without these MSAL would run instance and OpenID discovery against the host first. `{tenant}` is substituted by
    // MSAL per request (as in its own built-in metadata), so one app still serves every tenant.
    auth.knownAuthorities = [host];
    auth.authorityMetadata = JSON.stringify({
      token_endpoint: `${authorityHost}/{tenant}/oauth2/v2.0/token`,
      authorization_endpoint: `${authorityHost}/{tenant}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${authorityHost}/{tenant}/oauth2/v2.0/logout`,
      jwks_uri: `${authorityHost}/{tenant}/discovery/v2.0/keys`,
      issuer: `${authorityHost}/{tenant}/v2.0`,
    });
  }
  const logger = opts.logger;
  return {
    auth,
    system: {
      networkClient: createMsalNetworkClient(opts.fetch ?? createEntraFetch()),
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message) => {
          if (!logger) return;
          if (level === LogLevel.Error) logger.warn({ msal: message.slice(0, 500) }, 'MSAL error');
          else logger.debug({ msal: message.slice(0, 500) }, 'MSAL warning');
        },
      },
    },
  };
}

function credentialOptions(credential: EntraCredential): Pick<NodeAuthOptions, 'clientSecret' | 'clientCertificate'> {
  if (credential.kind === 'secret') return { clientSecret: credential.clientSecret };
  return {
    clientCertificate: {
      thumbprintSha256: credential.thumbprintSha256.replace(/:/g, ''),
      privateKey: credential.privateKeyPem,
      ...(credential.x5c ? { x5c: credential.x5c } : {}),
    },
  };
}

/** MSAL error fields safe to log: codes only, never the message (which can echo request details). */
function msalErrorSummary(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { errorCode?: unknown; errorNo?: unknown; status?: unknown };
  return { name: e.name, errorCode: e.errorCode, errorNo: e.errorNo, status: e.status };
}
