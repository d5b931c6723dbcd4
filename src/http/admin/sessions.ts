import { createHash, randomBytes } from 'node:crypto';
import { eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/index.js';
import { adminSessions } from '../../db/schema.js';

/** Absolute lifetime of a sign-in. Short enough that a forgotten laptop session dies the same working day. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export interface AdminSession {
  username: string;
  csrfToken: string;
  expiresAt: string;
}

export interface SessionStore {
  /** Creates a session and returns the raw id for the cookie; only its hash is stored. */
  create(username: string): { id: string; session: AdminSession };
  find(id: string): AdminSession | undefined;
  destroy(id: string): void;
}

/** The database holds sha256(id): a leaked database copy cannot be replayed as a cookie. */
const hashId = (id: string) => createHash('sha256').update(id).digest('base64url');

export function createSessionStore(db: Db, now: () => Date): SessionStore {
  return {
    create(username) {
      const id = randomBytes(32).toString('base64url');
      const session = {
        username,
        csrfToken: randomBytes(32).toString('base64url'),
        expiresAt: new Date(now().getTime() + SESSION_TTL_MS).toISOString(),
      };
      // Sign-ins are rare: sweeping expired rows here keeps the table small without a timer.
      db.delete(adminSessions).where(lt(adminSessions.expiresAt, now().toISOString())).run();
      db.insert(adminSessions).values({ idHash: hashId(id), ...session }).run();
      return { id, session };
    },
    find(id) {
      if (!/^[A-Za-z0-9_-]{20,100}$/.test(id)) return undefined;
      const row = db.select().from(adminSessions).where(eq(adminSessions.idHash, hashId(id))).get();
      if (!row) return undefined;
      if (row.expiresAt <= now().toISOString()) {
        db.delete(adminSessions).where(eq(adminSessions.idHash, row.idHash)).run();
        return undefined;
      }
      return { username: row.username, csrfToken: row.csrfToken, expiresAt: row.expiresAt };
    },
    destroy(id) {
      db.delete(adminSessions).where(eq(adminSessions.idHash, hashId(id))).run();
    },
  };
}
