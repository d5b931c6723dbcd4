import type { HaloConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';
import { parseBody, sendWithRetry, tryParseJson, type HttpDeps } from '../http.js';
import { haloFailure } from './failure.js';
import { haloTokenSchema } from './schemas.js';

/** Client-credentials tokens for the Halo API, cached until shortly before expiry and shared by concurrent callers. */
export interface HaloTokenProvider {
  get(): Promise<string>;
  /** Forget `token` after the API refused it (a 401); a newer token someone else already fetched is kept. */
  invalidate(token: string): void;
}

/** Refresh this long before `expires_in` runs out (reference "Auth"), or half the lifetime for very short tokens. */
const REFRESH_EARLY_MS = 60_000;
/** Used only when Halo omits `expires_in`; the reference says never to assume a lifetime, so keep it short. */
const FALLBACK_LIFETIME_S = 300;

export function createHaloTokenProvider(config: HaloConfig, http: HttpDeps): HaloTokenProvider {
  let current: { token: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  async function requestToken(): Promise<string> {
    const startedAt = http.now();
    // `tenant` only for Halo-hosted instances (reference "Auth").
    const url = `${config.authUrl}/token${config.tenant ? `?tenant=${encodeURIComponent(config.tenant)}` : ''}`;
    const res = await sendWithRetry(http, {
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      // Scope always sent: a token issued without one is refused on every call (reference "Auth").
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: config.clientId,
        client_secret: config.clientSecret,
        scope: config.scope,
      }).toString(),
      // Asking for a token twice is harmless, so 5xx and network errors may be retried like a read.
      idempotent: true,
    });
    if (res.status < 200 || res.status > 299) throw tokenError(res.status, res.text) ?? haloFailure(res, config, http);
    const body = parseBody('HaloPSA', res.text, haloTokenSchema, 'token response');
    const lifetimeMs = (body.expires_in ?? FALLBACK_LIFETIME_S) * 1000;
    current = { token: body.access_token, refreshAt: startedAt + lifetimeMs - Math.min(REFRESH_EARLY_MS, lifetimeMs / 2) };
    http.logger.debug({ expiresInSeconds: body.expires_in }, 'HaloPSA token obtained');
    return body.access_token;
  }

  return {
    get() {
      if (current && http.now() < current.refreshAt) return Promise.resolve(current.token);
      pending ??= requestToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}

/** OAuth errors (`{"error":"invalid_client"}`) named with the setting to check; anything else mapped as usual. */
function tokenError(status: number, text: string): AppError | undefined {
  const json = tryParseJson(text) as { error?: unknown } | undefined;
  const code = typeof json?.error === 'string' ? json.error : undefined;
  if (code === 'invalid_client' || code === 'unauthorized_client' || (status === 401 && !code)) {
    return new AppError(
      'PSA_ERROR',
      `HaloPSA refused the API application's credentials (${code ?? 'HTTP 401'}); check HALO_CLIENT_ID, HALO_CLIENT_SECRET and HALO_TENANT.`,
    );
  }
  if (code === 'invalid_scope') {
    return new AppError('PSA_ERROR', 'HaloPSA refused the requested scope (invalid_scope); check HALO_SCOPE (for example "edit:tickets read:customers").');
  }
  if (code === 'invalid_request' || code === 'unsupported_grant_type') {
    return new AppError('PSA_ERROR', `HaloPSA refused the token request (${code}); check HALO_AUTH_URL and that the application uses Client ID and Secret.`);
  }
  return undefined;
}
