import { AppError } from '../errors.js';
import { openIdConfigurationSchema } from './graph-schemas.js';
import type { Fetch } from './http.js';
import { isGuid, normaliseDomain } from './paths.js';
import { retryRead, type ReadRetryPolicy } from './read-retry.js';
import { retryAfterSeconds } from '../retry-after.js';

const FOUND_TTL_MS = 24 * 60 * 60 * 1000;
const UNKNOWN_TTL_MS = 10 * 60 * 1000;
const MAX_ENTRIES = 1000;
const TIMEOUT_MS = 15_000;

class DiscoveryHttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
  ) {
    super(`HTTP ${status} from OpenID discovery`);
  }
}

/**
 * Domain → tenant id through the tenant's public OpenID discovery document (no token needed):
 * `${authorityHost}/{domain}/v2.0/.well-known/openid-configuration` names the tenant in its issuer,
 * `https://login.microsoftonline.com/{tenantId}/v2.0` (reference/entra-graph.md, Finding tenants).
 */
export function createTenantResolver(opts: { authorityHost: string; fetch: Fetch; retry: ReadRetryPolicy }) {
  const authorityHost = opts.authorityHost.replace(/\/+$/, '');
  const cache = new Map<string, { tenantId: string | null; expiresAt: number }>();

  const lookUp = async (domain: string): Promise<string | null> => {
    const response = await opts.fetch(`${authorityHost}/${domain}/v2.0/.well-known/openid-configuration`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    // Entra answers 400 (AADSTS90002) for a domain that belongs to no tenant.
    if (response.status === 400 || response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new DiscoveryHttpError(response.status, response.headers.get('retry-after'));
    }
    const parsed = openIdConfigurationSchema.safeParse(await response.json().catch(() => undefined));
    const tenantId = parsed.success ? new URL(parsed.data.issuer).pathname.split('/')[1] : undefined;
    if (!tenantId || !isGuid(tenantId)) {
      throw new AppError('INTERNAL', `The OpenID discovery document for ${domain} names no tenant id.`);
    }
    return tenantId.toLowerCase();
  };

  return async function resolveTenantId(rawDomain: string): Promise<string | null> {
    const domain = normaliseDomain(rawDomain);
    const now = opts.retry.now().getTime();
    const cached = cache.get(domain);
    if (cached && cached.expiresAt > now) return cached.tenantId;
    let tenantId: string | null;
    try {
      tenantId = await retryRead(() => lookUp(domain), opts.retry, transientDiscoveryFailure);
    } catch (error) {
      throw discoveryError(error, domain, opts.retry.now());
    }
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
    cache.set(domain, { tenantId, expiresAt: now + (tenantId ? FOUND_TTL_MS : UNKNOWN_TTL_MS) });
    return tenantId;
  };
}

function transientDiscoveryFailure(error: unknown): { retryAfter: string | null | undefined } | undefined {
  if (error instanceof DiscoveryHttpError) return [429, 503, 504].includes(error.status) ? { retryAfter: error.retryAfter } : undefined;
  // fetch rejects with a TypeError when the connection fails; a read is safe to repeat.
  return error instanceof TypeError ? { retryAfter: undefined } : undefined;
}

function discoveryError(error: unknown, domain: string, now: Date): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof DiscoveryHttpError && error.status === 429) {
    const seconds = retryAfterSeconds(error.retryAfter, now) ?? 60;
    return new AppError('UPSTREAM_THROTTLED', `Entra is throttling tenant look-ups; try ${domain} again in ${seconds} s.`, { retryAfterSeconds: seconds, cause: error });
  }
  return new AppError('UPSTREAM_UNAVAILABLE', `Entra did not answer the tenant look-up for ${domain}; try again shortly.`, { cause: error });
}
