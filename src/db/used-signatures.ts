import { lt } from 'drizzle-orm';
import type { Db } from './index.js';
import { param } from './prepared.js';
import { usedSignatures } from './schema.js';

/** Signatures (and single-use tokens) already accepted: replay protection for as long as each could still pass. */
export interface UsedSignatures {
  /**
   * Remembers `signature` until `expiresAt` and answers true, or answers false when it was already spent. The primary
   * key makes the spend atomic; expired entries are dropped in the same transaction.
   */
  spend(signature: string, expiresAt: Date, now: Date): boolean;
}

export function createUsedSignatures(db: Db): UsedSignatures {
  // Prepared once: a signed button press goes through here (src/db/prepared.ts).
  const dropExpired = db.delete(usedSignatures).where(lt(usedSignatures.expiresAt, param('now'))).prepare();
  const remember = db.insert(usedSignatures).values({ signature: param('signature'), expiresAt: param('expiresAt') }).onConflictDoNothing().prepare();
  const spend = db.$client.transaction((signature: string, expiresAt: string, now: string) => {
    dropExpired.run({ now });
    return remember.run({ signature, expiresAt }).changes > 0;
  });
  return { spend: (signature, expiresAt, now) => spend(signature, expiresAt.toISOString(), now.toISOString()) };
}
