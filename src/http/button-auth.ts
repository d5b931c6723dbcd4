import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { lt } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { usedSignatures } from '../db/schema.js';
import { AppError } from '../errors.js';

/** Signatures older or newer than this are refused; each accepted signature is remembered this long. */
export const SIGNATURE_WINDOW_SECONDS = 300;

export interface ButtonCredentials {
  authorization: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** Constant-time comparison of two strings of any length (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function signButtonRequest(secret: string, timestamp: number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/**
 * Accepts `Authorization: Bearer <secret>` or an HMAC signature over "<timestamp>.<raw body>" (5-minute window, each
 * signature once). Throws UNAUTHORIZED with a reason that reveals nothing about the secret.
 */
export function verifyButtonRequest(db: Db, secret: string, creds: ButtonCredentials, rawBody: string, now: Date): 'bearer' | 'hmac' {
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
  const expected = signButtonRequest(secret, ts, rawBody);
  if (!safeEqual(creds.signature.trim().toLowerCase(), expected)) throw new AppError('UNAUTHORIZED');
  // Remember the signature until it could no longer pass the window check; a replay hits the primary key.
  db.delete(usedSignatures).where(lt(usedSignatures.expiresAt, now.toISOString())).run();
  const inserted = db
    .insert(usedSignatures)
    .values({ signature: expected, expiresAt: new Date((ts + SIGNATURE_WINDOW_SECONDS + 1) * 1000).toISOString() })
    .onConflictDoNothing()
    .run();
  if (inserted.changes === 0) throw new AppError('UNAUTHORIZED', 'This signature was already used; sign each request afresh.');
  return 'hmac';
}
