import { and, desc, eq, gte, isNotNull, lt, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from './index.js';
import { issuances, noteDeadLetters, noteOutbox, type IssuanceRow, type NewIssuance } from './schema.js';
import type { PsaKind } from '../domain.js';

export type Issuance = IssuanceRow;

export interface IssuanceFilter {
  psa?: PsaKind;
  companyId?: string;
  user?: string;
  outcome?: Issuance['outcome'];
  from?: string;
  to?: string;
}

/** The audit trail. No column can hold the pass: the row types have none. */
export interface IssuanceLog {
  insert(row: NewIssuance): Issuance;
  update(id: string, changes: Partial<Omit<NewIssuance, 'id'>>): void;
  get(id: string): Issuance | undefined;
  /** The newest issued pass for this ticket and user since `since` (idempotency window). */
  findRecentIssued(psa: PsaKind, ticketId: string, userPrincipalName: string, since: Date): Issuance | undefined;
  list(filter: IssuanceFilter, page: { limit: number; offset: number }): { rows: Issuance[]; total: number };
  /**
   * Deletes audit rows created before `before` (AUDIT_RETENTION_DAYS), except rows a waiting note or a dead letter
   * still names. Returns how many went.
   */
  prune(before: Date): number;
}

export function createIssuanceLog(db: Db): IssuanceLog {
  return {
    insert: (row) => db.insert(issuances).values(row).returning().get(),
    update: (id, changes) => {
      db.update(issuances)
        .set({ ...changes, updatedAt: new Date().toISOString() })
        .where(eq(issuances.id, id))
        .run();
    },
    get: (id) => db.select().from(issuances).where(eq(issuances.id, id)).get(),
    findRecentIssued: (psa, ticketId, upn, since) =>
      db
        .select()
        .from(issuances)
        .where(
          and(
            eq(issuances.psa, psa),
            eq(issuances.ticketId, ticketId),
            eq(issuances.userPrincipalName, upn),
            eq(issuances.outcome, 'issued'),
            gte(issuances.createdAt, since.toISOString()),
          ),
        )
        .orderBy(desc(issuances.createdAt))
        .get(),
    prune: (before) =>
      db
        .delete(issuances)
        .where(
          and(
            lt(issuances.createdAt, before.toISOString()),
            notInArray(issuances.id, db.select({ id: sql<string>`${noteOutbox.issuanceId}` }).from(noteOutbox).where(isNotNull(noteOutbox.issuanceId))),
            notInArray(issuances.id, db.select({ id: sql<string>`${noteDeadLetters.issuanceId}` }).from(noteDeadLetters).where(isNotNull(noteDeadLetters.issuanceId))),
          ),
        )
        .run().changes,
    list: (filter, page) => {
      const where: SQL[] = [];
      if (filter.psa) where.push(eq(issuances.psa, filter.psa));
      if (filter.companyId) where.push(eq(issuances.companyId, filter.companyId));
      if (filter.user) {
        const pattern = `%${filter.user.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
        where.push(sql`${issuances.userPrincipalName} LIKE ${pattern} ESCAPE '\\'`);
      }
      if (filter.outcome) where.push(eq(issuances.outcome, filter.outcome));
      if (filter.from) where.push(gte(issuances.createdAt, filter.from));
      if (filter.to) where.push(lte(issuances.createdAt, filter.to));
      const condition = where.length ? and(...where) : undefined;
      const rows = db
        .select()
        .from(issuances)
        .where(condition)
        .orderBy(desc(issuances.createdAt))
        .limit(page.limit)
        .offset(page.offset)
        .all();
      const total = db.select({ n: sql<number>`count(*)` }).from(issuances).where(condition).get()?.n ?? 0;
      return { rows, total };
    },
  };
}
