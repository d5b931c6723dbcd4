import { and, asc, eq, gt, isNull, lte } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { issuances, noteMarks, type IssuanceRow, type NewIssuance } from '../db/schema.js';
import type { PsaKind } from '../domain.js';

/** What happened to a pass after it was issued; each is its own audit row (outcome) pointing at the pass. */
export type PassEvent = 'revoked' | 'replaced' | 'rescheduled' | 'cancelled' | 'enrolled' | 'expired';

export interface PassEventInput {
  pass: IssuanceRow;
  event: PassEvent;
  /** Stable code for filters and tests, e.g. REVOKED_FROM_TICKET, START_DATE_CHANGED, USER_ENROLLED. */
  code: string;
  /** The sentence the audit page shows. Never a pass. */
  detail: string;
  requestedBy: string;
  trigger: IssuanceRow['trigger'];
  /** Whether the pass stops being live with this event (every event but `rescheduled` of a schedule-only row). */
  endsPass: boolean;
}

/**
 * The audit trail seen from one pass's life: which passes this connector issued are still live, and the events that
 * end them. Lifecycle events are appended as rows of their own (the issued row keeps what was issued, plus when it
 * ended), so the audit page reads as a history.
 */
export function createPassLedger(db: Db, now: () => Date) {
  const iso = () => now().toISOString();
  const live = () => and(eq(issuances.outcome, 'issued'), isNull(issuances.endedAt), gt(issuances.expiresAt, iso()));

  return {
    get(id: string): IssuanceRow | undefined {
      return db.select().from(issuances).where(eq(issuances.id, id)).get();
    },

    /** Live passes this connector issued on a ticket (usually one). */
    liveForTicket(psa: PsaKind, ticketId: string): IssuanceRow[] {
      return db.select().from(issuances).where(and(eq(issuances.psa, psa), eq(issuances.ticketId, ticketId), live())).orderBy(asc(issuances.createdAt)).all();
    },

    /** The pass this connector issued with that Graph method id, if any (whatever its state). */
    byMethodId(tenantId: string, methodId: string): IssuanceRow | undefined {
      return db.select().from(issuances).where(and(eq(issuances.tenantId, tenantId), eq(issuances.graphMethodId, methodId), eq(issuances.outcome, 'issued'))).get();
    },

    /** Issued passes whose start has come and whose follow-up is not written, up to a day after their end. */
    dueForFollowUp(limit: number): IssuanceRow[] {
      const at = iso();
      const dayAgo = new Date(now().getTime() - 86_400_000).toISOString();
      return db
        .select()
        .from(issuances)
        .where(
          and(
            eq(issuances.outcome, 'issued'),
            isNull(issuances.followedUpAt),
            lte(issuances.startAt, at),
            gt(issuances.expiresAt, dayAgo),
            // A pass the connector revoked or replaced itself needs no follow-up (its note already said so).
            isNull(issuances.endedAt),
          ),
        )
        .orderBy(asc(issuances.startAt))
        .limit(limit)
        .all();
    },

    markFollowedUp(id: string): void {
      db.update(issuances).set({ followedUpAt: iso(), updatedAt: iso() }).where(eq(issuances.id, id)).run();
    },

    /** Appends the event row and, when the event ends the pass, stamps the pass's end (only once). */
    record(input: PassEventInput): string {
      const id = crypto.randomUUID();
      const { pass } = input;
      const row: NewIssuance = {
        id,
        psa: pass.psa,
        ticketId: pass.ticketId,
        companyId: pass.companyId,
        companyName: pass.companyName,
        tenantId: pass.tenantId,
        requestedBy: input.requestedBy.slice(0, 200),
        trigger: input.trigger,
        userPrincipalName: pass.userPrincipalName,
        userObjectId: pass.userObjectId,
        startAt: pass.startAt,
        expiresAt: pass.expiresAt,
        outcome: input.event,
        outcomeCode: input.code,
        graphMethodId: pass.graphMethodId,
        detail: input.detail.slice(0, 500),
        relatedIssuanceId: pass.id,
        createdAt: iso(),
        updatedAt: iso(),
      };
      db.transaction((tx) => {
        tx.insert(issuances).values(row).run();
        if (input.endsPass) tx.update(issuances).set({ endedAt: iso(), updatedAt: iso() }).where(and(eq(issuances.id, pass.id), isNull(issuances.endedAt))).run();
      });
      return id;
    },

    /** An event about a ticket's scheduled pass (no pass exists yet): rescheduled, cancelled. */
    recordScheduleEvent(input: { psa: PsaKind; ticketId: string; companyId: string; userPrincipalName: string; startAt: string; event: PassEvent; code: string; detail: string; requestedBy: string; trigger: IssuanceRow['trigger'] }): string {
      const id = crypto.randomUUID();
      db.insert(issuances)
        .values({
          id,
          psa: input.psa,
          ticketId: input.ticketId,
          companyId: input.companyId,
          requestedBy: input.requestedBy.slice(0, 200),
          trigger: input.trigger,
          userPrincipalName: input.userPrincipalName,
          startAt: input.startAt,
          outcome: input.event,
          outcomeCode: input.code,
          detail: input.detail.slice(0, 500),
          createdAt: iso(),
          updatedAt: iso(),
        })
        .run();
      return id;
    },

    /** Ends a pass without an event row of its own (its end is told by another row, e.g. the follow-up). */
    end(id: string): void {
      db.update(issuances).set({ endedAt: iso(), updatedAt: iso() }).where(and(eq(issuances.id, id), isNull(issuances.endedAt))).run();
    },

    /** Note de-duplication: true when this outcome was already noted on the ticket (and remembers it otherwise). */
    alreadyNoted(psa: PsaKind, ticketId: string, mark: string): boolean {
      return db.insert(noteMarks).values({ psa, ticketId, mark, createdAt: iso() }).onConflictDoNothing().run().changes === 0;
    },

    forgetNoted(psa: PsaKind, ticketId: string, mark: string): void {
      db.delete(noteMarks).where(and(eq(noteMarks.psa, psa), eq(noteMarks.ticketId, ticketId), eq(noteMarks.mark, mark))).run();
    },

    /** A new pass or schedule on the ticket: later refusals are news again. */
    clearNoted(psa: PsaKind, ticketId: string): void {
      db.delete(noteMarks).where(and(eq(noteMarks.psa, psa), eq(noteMarks.ticketId, ticketId))).run();
    },
  };
}

export type PassLedger = ReturnType<typeof createPassLedger>;
