import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { createUsedSignatures, type UsedSignatures } from '../db/used-signatures.js';
import type { PsaKind } from '../domain.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { createAttemptThrottle } from './attempt-throttle.js';
import { clientAddress } from './client-address.js';

/** Signatures older or newer than this are refused; each accepted signature is remembered this long. */
export const SIGNATURE_WINDOW_SECONDS = 300;

/** Wrong secrets or signatures answered 401 per (PSA, source) in the window; further wrong ones are answered 429. */
export const BUTTON_FAILURE_LIMITS = { perSource: 20, windowMs: 5 * 60_000 };

export interface ButtonCredentials {
  authorization: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** What an HMAC signature covers besides the timestamp: the request it was made for. */
export interface SignedRequest {
  method: string;
  /** The URL path without the query string, e.g. `/v1/psa/halo/tickets/2012/tap`. */
  path: string;
  /** The body exactly as sent. */
  body: string;
}

/** Constant-time comparison of two strings of any length (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD>.<path>.<raw body>")>`. Method and path are signed so a
 * signature made for one ticket (or for a revoke) cannot be spent on another ticket or action.
 */
export function signButtonRequest(secret: string, request: SignedRequest & { timestamp: number }): string {
  const text = `${request.timestamp}.${request.method.toUpperCase()}.${request.path}.${request.body}`;
  return `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;
}

/**
 * Accepts `Authorization: Bearer <secret>` or an HMAC signature over "<timestamp>.<METHOD>.<path>.<raw body>"
 * (5-minute window, each signature once). Throws UNAUTHORIZED with a reason that reveals nothing about the secret.
 */
export function verifyButtonRequest(signatures: UsedSignatures, secret: string, creds: ButtonCredentials, request: SignedRequest, now: Date): 'bearer' | 'hmac' {
  const bearer = /^Bearer\s+(.+)$/i.exec(creds.authorization ?? '')?.[1]?.trim();
  if (bearer !== undefined) {
    if (safeEqual(bearer, secret)) return 'bearer';
    throw new AppError('UNAUTHORIZED');
  }
  if (!creds.timestamp || !creds.signature) throw new AppError('UNAUTHORIZED', 'Send Authorization: Bearer <secret>, or X-Tap-Timestamp and X-Tap-Signature.');
  if (!/^\d{1,12}$/.test(creds.timestamp)) throw new AppError('UNAUTHORIZED', 'X-Tap-Timestamp must be Unix seconds.');
  const ts = Number(creds.timestamp);
  if (Math.abs(now.getTime() / 1000 - ts) > SIGNATURE_WINDOW_SECONDS) {
    throw new AppError('UNAUTHORIZED', 'The signature timestamp is outside the 5-minute window; check the caller\'s clock.');
  }
  const expected = signButtonRequest(secret, { timestamp: ts, ...request });
  if (!safeEqual(creds.signature.trim().toLowerCase(), expected)) throw new AppError('UNAUTHORIZED');
  // Remember the signature until it could no longer pass the window check; a replay hits the primary key.
  if (!signatures.spend(expected, new Date((ts + SIGNATURE_WINDOW_SECONDS + 1) * 1000), now)) {
    throw new AppError('UNAUTHORIZED', 'This signature was already used; sign each request afresh.');
  }
  return 'hmac';
}

export interface ButtonAuthenticator {
  /**
   * Authenticates a button request for `psa` (Bearer or HMAC over this request's method, path and body). Reads the
   * body (later `c.req.text()` calls get the same text). Throws UNAUTHORIZED, or TOO_MANY_ATTEMPTS for a source that
   * has used up its failures; the right secret is accepted either way.
   */
  authenticate(c: Context, psa: PsaKind, secret: string): Promise<{ rawBody: string; method: 'bearer' | 'hmac' }>;
}

/**
 * The button secrets are at least 24 random characters (config refuses shorter), so guessing is infeasible and a
 * lockout would only let a stranger's failures refuse the PSA holding the secret. So the secret is always checked,
 * and only failures are slowed, per PSA and source. The attempt is reserved before the body is awaited: a burst whose
 * bodies arrive late cannot all pass the check before the first failure is counted.
 */
export function createButtonAuthenticator(services: Services): ButtonAuthenticator {
  const signatures = createUsedSignatures(services.storage.db);
  const throttle = createAttemptThrottle({ maxFailures: BUTTON_FAILURE_LIMITS.perSource, windowMs: BUTTON_FAILURE_LIMITS.windowMs, now: () => services.now().getTime() });
  return {
    async authenticate(c, psa, secret) {
      const address = clientAddress(c, services.config.server.trustProxy);
      const attempt = throttle.reserve(`${psa} ${address}`);
      let rawBody: string;
      try {
        rawBody = await c.req.text();
      } catch (error) {
        attempt.release(); // too large, or the caller went away: no guess was made
        throw error;
      }
      try {
        const method = verifyButtonRequest(
          signatures,
          secret,
          { authorization: c.req.header('authorization'), timestamp: c.req.header('x-tap-timestamp'), signature: c.req.header('x-tap-signature') },
          { method: c.req.method, path: new URL(c.req.url).pathname, body: rawBody },
          services.now(),
        );
        attempt.release();
        return { rawBody, method };
      } catch (error) {
        // Only a wrong credential is a failed guess; a fault of ours (the database gone) is not the caller's.
        if (!(error instanceof AppError && error.code === 'UNAUTHORIZED')) {
          attempt.release();
          throw error;
        }
        if (!attempt.allowed) throw new AppError('TOO_MANY_ATTEMPTS', undefined, { retryAfterSeconds: attempt.retryAfterSeconds });
        attempt.fail();
        services.logger.warn({ psa, ticketId: c.req.param('ticketId'), address, failuresLeft: attempt.remainingAfterThis }, 'button request refused: bad credentials');
        throw error;
      }
    },
  };
}
