import { and, desc, eq, gte, isNotNull, lt, notInArray, sql } from 'drizzle-orm';
import type { Db } from './index.js';
import { param, rowInsert } from './prepared.js';
import { issuances, noteDeadLetters, noteOutbox, type IssuanceRow, type NewIssuance } from './schema.js';
import type { PsaKind } from '../domain.js';
import { listIssuances, suggestAuditCompanies, type CompanySuggestion, type IssuanceFilter, type IssuanceList, type IssuancePage } from './audit-search.js';

export type Issuance = IssuanceRow;

export type { IssuanceFilter, IssuanceList, IssuancePage } from './audit-search.js';

/** The audit trail. No column can hold the pass: the row types have none. */
export interface IssuanceLog {
  insert(row: NewIssuance): Issuance;
  update(id: string, changes: Partial<Omit<NewIssuance, 'id'>>): void;
  get(id: string): Issuance | undefined;
  /** The newest issued pass for this ticket and user since `since` (idempotency window). */
  findRecentIssued(psa: PsaKind, ticketId: string, userPrincipalName: string, since: Date): Issuance | undefined;
  /** Newest first; user and company searches read the trigram index (see audit-search.ts). */
  list(filter: IssuanceFilter, page: IssuancePage): IssuanceList;
  /** Up to 20 companies in the audit whose name contains `text` (the audit page's company suggestions). */
  suggestCompanies(text: string): CompanySuggestion[];
  /**
   * Deletes audit rows created before `before` (AUDIT_RETENTION_DAYS), except rows a waiting note or a dead letter
   * still names. Returns how many went.
   */
  prune(before: Date): number;
}

export function createIssuanceLog(db: Db): IssuanceLog {
  // The press path's statements, prepared once (src/db/prepared.ts).
  const row = rowInsert(issuances);
  const insert = db.insert(issuances).values(row.placeholders).returning().prepare();
  const byId = db.select().from(issuances).where(eq(issuances.id, param('id'))).prepare();
  const recentIssued = db
    .select()
    .from(issuances)
    .where(
      and(
        eq(issuances.psa, param('psa')),
        eq(issuances.ticketId, param('ticketId')),
        eq(issuances.userPrincipalName, param('upn')),
        eq(issuances.outcome, 'issued'),
        gte(issuances.createdAt, param('since')),
      ),
    )
    .orderBy(desc(issuances.createdAt))
    .limit(1)
    .prepare();
  return {
    insert: (values) => insert.get(row.bind(values)),
    update: (id, changes) => {
      db.update(issuances)
        .set({ ...changes, updatedAt: new Date().toISOString() })
        .where(eq(issuances.id, id))
        .run();
    },
    get: (id) => byId.get({ id }),
    findRecentIssued: (psa, ticketId, upn, since) => recentIssued.get({ psa, ticketId, upn, since: since.toISOString() }),
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
    list: (filter, page) => listIssuances(db, filter, page),
    suggestCompanies: (text) => suggestAuditCompanies(db, text),
  };
}
