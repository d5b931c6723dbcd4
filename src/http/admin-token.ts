import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { createAttemptThrottle } from './attempt-throttle.js';
import { safeEqual } from './button-auth.js';
import { clientAddress } from './client-address.js';

/** Wrong admin tokens allowed per source in the window before further wrong ones are answered 429. */
export const ADMIN_TOKEN_LIMITS = { perSource: 20, windowMs: 5 * 60_000 };

export interface AdminTokenGuard {
  /** Middleware: the request must carry `Authorization: Bearer <ADMIN_API_TOKEN>` (401/429 otherwise). */
  require: MiddlewareHandler;
  /**
   * Whether the request carries the admin token. No Authorization header: false. A wrong token is false too and counts
   * as a failure for its source (429 once the source has used up its failures).
   */
  presented(c: Context): boolean;
}

/**
 * ADMIN_API_TOKEN is at least 24 random characters (config refuses shorter), so guessing it is infeasible at any rate
 * this process can answer: the right token is always checked and always accepted, and only wrong tokens are slowed,
 * per source. Shared by every route that accepts the token, so /readyz is no side door for guessing.
 */
export function createAdminTokenGuard(services: Services): AdminTokenGuard {
  const throttle = createAttemptThrottle({ maxFailures: ADMIN_TOKEN_LIMITS.perSource, windowMs: ADMIN_TOKEN_LIMITS.windowMs, now: () => services.now().getTime() });

  const check = (c: Context): 'absent' | 'valid' | 'wrong' => {
    const header = c.req.header('authorization');
    if (header === undefined) return 'absent';
    const token = services.config.admin.apiToken;
    const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (token && given && safeEqual(given, token)) return 'valid';
    // Counted before anything else happens for this request: no await lies between the check and the count.
    const attempt = throttle.reserve(clientAddress(c, services.config.server.trustProxy));
    if (!attempt.allowed) throw new AppError('TOO_MANY_ATTEMPTS', undefined, { retryAfterSeconds: attempt.retryAfterSeconds });
    attempt.fail();
    return 'wrong';
  };

  return {
    require: async (c, next) => {
      if (check(c) !== 'valid') throw new AppError('UNAUTHORIZED', 'Send Authorization: Bearer <ADMIN_API_TOKEN>.');
      await next();
    },
    presented: (c) => check(c) === 'valid',
  };
}
