import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { safeEqual } from '../button-auth.js';

/**
 * The hosted page's short-lived session: issued once ConnectWise has confirmed the member, then sent back by the page as
 * `Authorization: Bearer <token>` (no cookies — third-party iframe cookies are blocked by many browsers).
 *
 * Token: `v1.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`. The claims bind the verified member, the ticket and an
 * expiry, so the ticket a pass is issued for comes from the token, never from a later request body.
 *
 * Key: derived with HKDF from TAP_SEAL_KEY when there is one, so every instance sharing that key (several instances
 * behind a load balancer, or a restart in the middle of a technician's ten minutes) accepts the token. HKDF with its
 * own label keeps the MAC key independent of the AES key that seals passes. Without a seal key (no PSA configured, so
 * no page to serve in practice) a random per-process key is used: tokens then simply die with the process.
 */

export const HOSTED_SESSION_TTL_SECONDS = 10 * 60;

export interface HostedSession {
  /** Random per session; the CSRF token is derived from it. */
  sessionId: string;
  /** As confirmed by ConnectWise, not as claimed by the browser. */
  memberId: string;
  ticketId: string;
  /** The ticket's company when the session began (used to show times in that customer's zone). */
  companyId: string;
  expiresAt: Date;
}

export interface IssuedHostedSession {
  /** The session's random id (action tokens are bound to it). */
  sessionId: string;
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface HostedSessionTokens {
  issue(claims: { memberId: string; ticketId: string; companyId: string }, now: Date): IssuedHostedSession;
  /** Throws UNAUTHORIZED unless the token is ours, unexpired, and the CSRF token belongs to it. */
  verify(token: string | undefined, csrfToken: string | undefined, now: Date): HostedSession;
}

const claimsSchema = z
  .object({
    sid: z.string().min(16).max(64),
    mid: z.string().min(1).max(256),
    tid: z.string().regex(/^[1-9]\d{0,11}$/),
    cid: z.string().min(1).max(64),
    exp: z.number().int().positive(),
  })
  .strict();

const TOKEN_SHAPE = /^v1\.([A-Za-z0-9_-]{1,2048})\.([A-Za-z0-9_-]{43})$/;

const EXPIRED = 'This Issue TAP session has expired (it lasts 10 minutes); reload the ticket to start a new one.';
const INVALID = 'This request carries no valid Issue TAP session; open the page from the ConnectWise ticket again.';
const BAD_CSRF = 'The request\'s CSRF token is missing or does not belong to this session; reload the page and try again.';

/**
 * Opens a `<prefix>.<base64url(JSON claims)>.<base64url(HMAC)>` token: shape, MAC (constant time), JSON and claims
 * schema, in that order; any failure is UNAUTHORIZED with `invalid`. Shared by session and action tokens.
 */
export function openSignedToken<T>(
  token: string | undefined,
  shape: RegExp,
  mac: (payload: string) => string,
  schema: z.ZodType<T>,
  invalid: string,
): T {
  const match = shape.exec(token?.trim() ?? '');
  if (!match) throw new AppError('UNAUTHORIZED', invalid);
  const [, payload, signature] = match as unknown as [string, string, string];
  const expected = Buffer.from(mac(payload), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('UNAUTHORIZED', invalid);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('UNAUTHORIZED', invalid);
  }
  const claims = schema.safeParse(decoded);
  if (!claims.success) throw new AppError('UNAUTHORIZED', invalid);
  return claims.data;
}

export function deriveKey(secret: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `psa-tap-connector/connectwise-hosted/${label}/v1`, 32));
}

export function createHostedSessionTokens(sealKey: Buffer | undefined, ttlSeconds = HOSTED_SESSION_TTL_SECONDS): HostedSessionTokens {
  const root = sealKey ?? randomBytes(32);
  const macKey = deriveKey(root, 'session');
  const csrfKey = deriveKey(root, 'csrf');
  const mac = (payload: string) => createHmac('sha256', macKey).update(`v1.${payload}`).digest('base64url');
  const csrfFor = (sessionId: string) => createHmac('sha256', csrfKey).update(sessionId).digest('base64url');

  return {
    issue(claims, now) {
      const sessionId = randomBytes(18).toString('base64url');
      const exp = Math.floor(now.getTime() / 1000) + ttlSeconds;
      const payload = Buffer.from(
        JSON.stringify({ sid: sessionId, mid: claims.memberId, tid: claims.ticketId, cid: claims.companyId, exp }),
      ).toString('base64url');
      return { sessionId, sessionToken: `v1.${payload}.${mac(payload)}`, csrfToken: csrfFor(sessionId), expiresAt: new Date(exp * 1000) };
    },

    verify(token, csrfToken, now) {
      const claims = openSignedToken(token, TOKEN_SHAPE, mac, claimsSchema, INVALID);
      if (now.getTime() >= claims.exp * 1000) throw new AppError('UNAUTHORIZED', EXPIRED);
      // The bearer header already defeats classic CSRF (a browser never adds it on its own); the separate token, bound
      // to this session, keeps that true should the session ever move into a cookie.
      if (!csrfToken || !safeEqual(csrfToken.trim(), csrfFor(claims.sid))) throw new AppError('UNAUTHORIZED', BAD_CSRF);
      return {
        sessionId: claims.sid,
        memberId: claims.mid,
        ticketId: claims.tid,
        companyId: claims.cid,
        expiresAt: new Date(claims.exp * 1000),
      };
    },
  };
}
