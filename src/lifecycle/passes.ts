import { and, asc, eq, gt, gte, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { param, rowInsert } from '../db/prepared.js';
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

  // Prepared once (src/db/prepared.ts): the press reads and writes through these.
  const byId = db.select().from(issuances).where(eq(issuances.id, param('id'))).prepare();
  // The ticket's rows (index issuances_ticket_user); `+outcome` keeps SQLite from taking the outcome index for its
  // order by created_at, which read every issued row of every ticket.
  const liveOnTicket = db
    .select()
    .from(issuances)
    .where(and(eq(issuances.psa, param('psa')), eq(issuances.ticketId, param('ticketId')), sql`+${issuances.outcome} = 'issued'`, isNull(issuances.endedAt), gt(issuances.expiresAt, param('now'))))
    .orderBy(asc(issuances.createdAt))
    .prepare();
  // Through the user's rows (index issuances_live_user): on tenant and method id alone SQLite chose the outcome index
  // and read every issued row of every tenant.
  const issuedWithMethod = db
    .select()
    .from(issuances)
    .where(and(eq(issuances.tenantId, param('tenantId')), eq(issuances.userObjectId, param('userObjectId')), eq(issuances.outcome, 'issued'), eq(issuances.graphMethodId, param('methodId'))))
    .limit(1)
    .prepare();
  const followUpWhere = (...more: SQL[]) =>
    and(
      eq(issuances.outcome, 'issued'),
      isNull(issuances.followedUpAt),
      lte(issuances.startAt, param('now')),
      gt(issuances.expiresAt, param('dayAgo')),
      // A pass the connector revoked or replaced itself needs no follow-up (its note already said so).
      isNull(issuances.endedAt),
      ...more,
    );
  const dueFollowUp = db.select().from(issuances).where(followUpWhere()).orderBy(asc(issuances.startAt), asc(issuances.id)).limit(sql.placeholder('limit')).prepare();
  // The follow-up's turn (src/lifecycle/follow-up.ts): the passes after the last one it checked, in the same order.
  const dueFollowUpAfter = db
    .select()
    .from(issuances)
    // The plain bound on start_at lets the index (outcome, followed_up_at, start_at) range over it.
    .where(followUpWhere(gte(issuances.startAt, param('afterStartAt')), sql`(${issuances.startAt}, ${issuances.id}) > (${param('afterStartAt')}, ${param('afterId')})`))
    .orderBy(asc(issuances.startAt), asc(issuances.id))
    .limit(sql.placeholder('limit'))
    .prepare();
  const setFollowedUp = db.update(issuances).set({ followedUpAt: param('at'), updatedAt: param('at') }).where(eq(issuances.id, param('id'))).prepare();
  const eventRow = rowInsert(issuances);
  const insertEvent = db.insert(issuances).values(eventRow.placeholders).prepare();
  const setEnded = db.update(issuances).set({ endedAt: param('at'), updatedAt: param('at') }).where(and(eq(issuances.id, param('id')), isNull(issuances.endedAt))).prepare();
  const insertMark = db.insert(noteMarks).values({ psa: param('psa'), ticketId: param('ticketId'), mark: param('mark'), createdAt: param('at') }).onConflictDoNothing().prepare();
  const deleteMark = db.delete(noteMarks).where(and(eq(noteMarks.psa, param('psa')), eq(noteMarks.ticketId, param('ticketId')), eq(noteMarks.mark, param('mark')))).prepare();
  const deleteMarks = db.delete(noteMarks).where(and(eq(noteMarks.psa, param('psa')), eq(noteMarks.ticketId, param('ticketId')))).prepare();

  /** The event row and, when it ends the pass, the pass's end: one transaction (a savepoint inside a caller's). */
  const appendEvent = db.$client.transaction((row: NewIssuance, endsPassId: string | undefined) => {
    insertEvent.run(eventRow.bind(row));
    if (endsPassId) setEnded.run({ id: endsPassId, at: iso() });
  });

  return {
    get(id: string): IssuanceRow | undefined {
      return byId.get({ id });
    },

    /** Live passes this connector issued on a ticket (usually one). */
    liveForTicket(psa: PsaKind, ticketId: string): IssuanceRow[] {
      return liveOnTicket.all({ psa, ticketId, now: iso() });
    },

    /** The pass this connector issued to that user with that Graph method id, if any (whatever its state). */
    byMethodId(tenantId: string, userObjectId: string, methodId: string): IssuanceRow | undefined {
      return issuedWithMethod.get({ tenantId, userObjectId, methodId });
    },

    /**
     * Issued passes whose start has come and whose follow-up is not written, up to a day after their end, by start
     * (then id); with `after`, only those after that pass in that order (a follow-up taking turns).
     */
    dueForFollowUp(limit: number, after?: { startAt: string; id: string }): IssuanceRow[] {
      const at = { now: iso(), dayAgo: new Date(now().getTime() - 86_400_000).toISOString(), limit };
      return after ? dueFollowUpAfter.all({ ...at, afterStartAt: after.startAt, afterId: after.id }) : dueFollowUp.all(at);
    },

    markFollowedUp(id: string): void {
      setFollowedUp.run({ id, at: iso() });
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
      appendEvent(row, input.endsPass ? pass.id : undefined);
      return id;
    },

    /** An event about a ticket's scheduled pass (no pass exists yet): rescheduled, cancelled. */
    recordScheduleEvent(input: { psa: PsaKind; ticketId: string; companyId: string; userPrincipalName: string; startAt: string; event: PassEvent; code: string; detail: string; requestedBy: string; trigger: IssuanceRow['trigger'] }): string {
      const id = crypto.randomUUID();
      insertEvent.run(
        eventRow.bind({
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
        }),
      );
      return id;
    },

    /** Ends a pass without an event row of its own (its end is told by another row, e.g. the follow-up). */
    end(id: string): void {
      setEnded.run({ id, at: iso() });
    },

    /** Note de-duplication: true when this outcome was already noted on the ticket (and remembers it otherwise). */
    alreadyNoted(psa: PsaKind, ticketId: string, mark: string): boolean {
      return insertMark.run({ psa, ticketId, mark, at: iso() }).changes === 0;
    },

    forgetNoted(psa: PsaKind, ticketId: string, mark: string): void {
      deleteMark.run({ psa, ticketId, mark });
    },

    /** A new pass or schedule on the ticket: later refusals are news again. */
    clearNoted(psa: PsaKind, ticketId: string): void {
      deleteMarks.run({ psa, ticketId });
    },
  };
}

export type PassLedger = ReturnType<typeof createPassLedger>;
