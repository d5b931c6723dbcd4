import { createHmac, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../../db/index.js';
import { createUsedSignatures } from '../../db/used-signatures.js';
import { AppError } from '../../errors.js';
import { deriveKey, openSignedToken, type HostedSession } from './session-token.js';

/**
 * Single-use action tokens for the hosted page. A session token alone issues nothing: each issue, reissue or revoke
 * needs an action token, minted only right after ConnectWise confirmed the member (at session start, or again through
 * `POST …/hosted/action` with a fresh getMemberAuthentication claim), bound to that session, its ticket and one
 * purpose, and spent by the first request that carries it — whatever that request's outcome. (A session token issued
 * three passes in ten minutes before this; issue 11.)
 *
 * Token: `a1.<base64url(JSON claims)>.<base64url(HMAC-SHA256)>`, keyed like the session token (HKDF, own label).
 * Spent ids are kept in the `used_signatures` table — the one store of "values accepted once" — until they expire, so
 * every instance on the same database refuses a replay.
 */

export type HostedAction = 'issue' | 'revoke';

export interface HostedActionTokens {
  mint(session: Pick<HostedSession, 'sessionId' | 'ticketId' | 'expiresAt'>, purpose: HostedAction, now: Date): string;
  /** Checks the token belongs to this session, ticket and purpose, then spends it. Throws UNAUTHORIZED otherwise. */
  spend(token: string | undefined, session: HostedSession, purpose: HostedAction, now: Date): void;
}

const claimsSchema = z
  .object({
    jti: z.string().regex(/^[A-Za-z0-9_-]{24}$/),
    sid: z.string().min(16).max(64),
    tid: z.string().regex(/^[1-9]\d{0,11}$/),
    act: z.enum(['issue', 'revoke']),
    exp: z.number().int().positive(),
  })
  .strict();

const TOKEN_SHAPE = /^a1\.([A-Za-z0-9_-]{1,1024})\.([A-Za-z0-9_-]{43})$/;

const MISSING = 'Each issue or revoke needs a fresh action token from ConnectWise\'s confirmation of your sign-in; reload the page and try again.';
const INVALID = 'This action token does not belong to this session, ticket and action; reload the page and try again.';
const SPENT = 'This action token was already used; each issue or revoke needs a fresh one (the page asks ConnectWise again).';
const EXPIRED = 'This action token has expired; reload the ticket to start again.';

export function createHostedActionTokens(sealKey: Buffer | undefined, db: Db): HostedActionTokens {
  const key = deriveKey(sealKey ?? randomBytes(32), 'action');
  const mac = (payload: string) => createHmac('sha256', key).update(`a1.${payload}`).digest('base64url');
  const used = createUsedSignatures(db);

  return {
    mint(session, purpose, now) {
      // No longer than the session it belongs to (which is checked on every use anyway).
      const exp = Math.min(Math.floor(session.expiresAt.getTime() / 1000), Math.floor(now.getTime() / 1000) + 10 * 60);
      const claims = { jti: randomBytes(18).toString('base64url'), sid: session.sessionId, tid: session.ticketId, act: purpose, exp };
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `a1.${payload}.${mac(payload)}`;
    },

    spend(token, session, purpose, now) {
      if (!token) throw new AppError('UNAUTHORIZED', MISSING);
      const { jti, sid, tid, act, exp } = openSignedToken(token, TOKEN_SHAPE, mac, claimsSchema, INVALID);
      if (sid !== session.sessionId || tid !== session.ticketId || act !== purpose) throw new AppError('UNAUTHORIZED', INVALID);
      if (now.getTime() >= exp * 1000) throw new AppError('UNAUTHORIZED', EXPIRED);
      // Spent before the action runs, so a failed issuance spends it too (src/db/used-signatures.ts: atomic, one store).
      const spent = used.spend(`hosted-action:${jti}`, new Date((exp + 1) * 1000), now);
      if (!spent) throw new AppError('UNAUTHORIZED', SPENT);
    },
  };
}
