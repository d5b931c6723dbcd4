import { and, asc, eq, gt, gte, inArray, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import type { PsaKind } from '../domain.js';
import type { Db } from '../db/index.js';
import { issuances, pollCursors, pollLedger, scheduledIssuances, type PollLedgerRow, type ScheduledIssuanceRow } from '../db/schema.js';

/** Ledger states. `issued` is final; the others are looked at again when the ticket's inputs change. */
export type LedgerState = 'issued' | 'scheduled' | 'waiting_user' | 'needs_input' | 'refused' | 'failed' | 'revoked' | 'cancelled';

export interface LedgerEntry {
  state: LedgerState;
  fingerprint: string | null;
  ticketUpdatedAt: string | null;
  issuanceId?: string | null;
  detail?: string | null;
  /** The ticket's company as read now; undefined leaves the stored one as it is. */
  companyId?: string | undefined;
  /** Follow the ticket until this instant (the pass's start); null stops following; undefined leaves it as it is. */
  watchUntil?: Date | null;
}

export interface ScheduleInput {
  psa: PsaKind;
  ticketId: string;
  companyId: string;
  userPrincipalName: string;
  startDate: string;
  startAt: Date;
  issueAt: Date;
  attempts?: number;
}

/** A row claimed by the scheduler and not finished within this long is taken to be from a crashed process. */
const STALE_CLAIM_MS = 10 * 60_000;

/** The poller's and scheduler's tables: cursor per PSA, ledger per ticket, deferred issuances. */
export function createPollingStore(db: Db) {
  const iso = (d: Date) => d.toISOString();
  return {
    cursor(psa: PsaKind): string | undefined {
      return db.select({ cursor: pollCursors.cursor }).from(pollCursors).where(eq(pollCursors.psa, psa)).get()?.cursor ?? undefined;
    },

    saveCursor(psa: PsaKind, cursor: string | undefined, now: Date): void {
      const values = { cursor: cursor ?? null, updatedAt: iso(now) };
      db.insert(pollCursors).values({ psa, ...values }).onConflictDoUpdate({ target: pollCursors.psa, set: values }).run();
    },

    recordCycle(psa: PsaKind, now: Date, error: string | undefined): void {
      const values = { lastCycleAt: iso(now), updatedAt: iso(now), lastError: error ?? null, ...(error ? {} : { lastSuccessAt: iso(now) }) };
      db.insert(pollCursors).values({ psa, ...values }).onConflictDoUpdate({ target: pollCursors.psa, set: values }).run();
    },

    ledger(psa: PsaKind, ticketId: string): PollLedgerRow | undefined {
      return db.select().from(pollLedger).where(and(eq(pollLedger.psa, psa), eq(pollLedger.ticketId, ticketId))).get();
    },

    record(psa: PsaKind, ticketId: string, entry: LedgerEntry, now: Date): void {
      const values = {
        state: entry.state,
        inputFingerprint: entry.fingerprint,
        ticketUpdatedAt: entry.ticketUpdatedAt,
        issuanceId: entry.issuanceId ?? null,
        detail: entry.detail?.slice(0, 500) ?? null,
        updatedAt: iso(now),
        ...(entry.watchUntil !== undefined ? { watchUntil: entry.watchUntil ? iso(entry.watchUntil) : null } : {}),
        ...(entry.companyId !== undefined ? { companyId: entry.companyId } : {}),
      };
      db.insert(pollLedger)
        .values({ psa, ticketId, ...values })
        .onConflictDoUpdate({ target: [pollLedger.psa, pollLedger.ticketId], set: values })
        .run();
    },

    /**
     * Tickets in `states` whose company and version are known (a mapping change may concern them; see
     * src/polling/mapping-sweep.ts). Rows written before the company was recorded are left out.
     */
    mappingSensitive(psa: PsaKind, states: readonly LedgerState[]): { ticketId: string; companyId: string; fingerprint: string | null; ticketUpdatedAt: string }[] {
      return db
        .select({ ticketId: pollLedger.ticketId, companyId: pollLedger.companyId, fingerprint: pollLedger.inputFingerprint, ticketUpdatedAt: pollLedger.ticketUpdatedAt })
        .from(pollLedger)
        .where(and(eq(pollLedger.psa, psa), inArray(pollLedger.state, [...states]), isNotNull(pollLedger.companyId), isNotNull(pollLedger.ticketUpdatedAt)))
        .orderBy(asc(pollLedger.updatedAt), asc(pollLedger.ticketId))
        .all()
        .map((r) => ({ ...r, companyId: r.companyId!, ticketUpdatedAt: r.ticketUpdatedAt! }));
    },

    /** Remembers that the ticket was read at this version without touching what happened to it. */
    touch(psa: PsaKind, ticketId: string, ticketUpdatedAt: string | null): void {
      db.update(pollLedger).set({ ticketUpdatedAt }).where(and(eq(pollLedger.psa, psa), eq(pollLedger.ticketId, ticketId))).run();
    },

    scheduled(psa: PsaKind, ticketId: string): ScheduledIssuanceRow | undefined {
      return db.select().from(scheduledIssuances).where(and(eq(scheduledIssuances.psa, psa), eq(scheduledIssuances.ticketId, ticketId))).get();
    },

    /** One row per ticket: a changed ticket reschedules its row (and restarts its attempts). */
    schedule(input: ScheduleInput, now: Date): void {
      const values = {
        companyId: input.companyId,
        userPrincipalName: input.userPrincipalName,
        startDate: input.startDate,
        startAt: iso(input.startAt),
        issueAt: iso(input.issueAt),
        attempts: input.attempts ?? 0,
        state: 'pending',
        lastError: null,
        updatedAt: iso(now),
      };
      db.insert(scheduledIssuances)
        .values({ id: crypto.randomUUID(), psa: input.psa, ticketId: input.ticketId, ...values })
        .onConflictDoUpdate({ target: [scheduledIssuances.psa, scheduledIssuances.ticketId], set: values })
        .run();
    },

    cancel(psa: PsaKind, ticketId: string, now: Date): void {
      db.update(scheduledIssuances)
        .set({ state: 'cancelled', updatedAt: iso(now) })
        .where(and(eq(scheduledIssuances.psa, psa), eq(scheduledIssuances.ticketId, ticketId), eq(scheduledIssuances.state, 'pending')))
        .run();
    },

    /** Pending rows that are due, and rows whose claim went stale (the process died mid-issuance). */
    due(now: Date, limit: number): ScheduledIssuanceRow[] {
      return db
        .select()
        .from(scheduledIssuances)
        .where(
          or(
            and(eq(scheduledIssuances.state, 'pending'), lte(scheduledIssuances.issueAt, iso(now))),
            and(eq(scheduledIssuances.state, 'issuing'), lt(scheduledIssuances.updatedAt, iso(new Date(now.getTime() - STALE_CLAIM_MS)))),
          ),
        )
        .orderBy(asc(scheduledIssuances.issueAt))
        .limit(limit)
        .all();
    },

    nextDueAt(): Date | undefined {
      const row = db
        .select({ at: sql<string | null>`min(${scheduledIssuances.issueAt})` })
        .from(scheduledIssuances)
        .where(eq(scheduledIssuances.state, 'pending'))
        .get();
      return row?.at ? new Date(row.at) : undefined;
    },

    /** Marks the row as being issued, unless someone else changed it since it was read (then false). */
    claim(row: ScheduledIssuanceRow, now: Date): boolean {
      return (
        db
          .update(scheduledIssuances)
          .set({ state: 'issuing', updatedAt: iso(now) })
          .where(and(eq(scheduledIssuances.id, row.id), eq(scheduledIssuances.state, row.state), eq(scheduledIssuances.updatedAt, row.updatedAt)))
          .run().changes === 1
      );
    },

    finish(id: string, state: 'done' | 'failed' | 'cancelled', now: Date, lastError?: string, attempts?: number): void {
      db.update(scheduledIssuances)
        .set({ state, lastError: lastError ?? null, updatedAt: iso(now), ...(attempts !== undefined ? { attempts } : {}) })
        .where(eq(scheduledIssuances.id, id))
        .run();
    },

    retryAt(id: string, issueAt: Date, attempts: number, lastError: string, now: Date): void {
      db.update(scheduledIssuances)
        .set({ state: 'pending', issueAt: iso(issueAt), attempts, lastError: lastError.slice(0, 500), updatedAt: iso(now) })
        .where(eq(scheduledIssuances.id, id))
        .run();
    },

    /** Tickets followed now: their pass (or scheduled pass) has not started yet. */
    watchedIds(psa: PsaKind, now: Date): Set<string> {
      const rows = db
        .select({ ticketId: pollLedger.ticketId })
        .from(pollLedger)
        .where(and(eq(pollLedger.psa, psa), gt(pollLedger.watchUntil, iso(now))))
        .all();
      return new Set(rows.map((r) => r.ticketId));
    },

    /** The ticket is followed until `until` (its pass's start), or no longer (null). */
    watch(psa: PsaKind, ticketId: string, until: Date | null, now: Date): void {
      db.update(pollLedger)
        .set({ watchUntil: until ? iso(until) : null, updatedAt: iso(now) })
        .where(and(eq(pollLedger.psa, psa), eq(pollLedger.ticketId, ticketId)))
        .run();
    },

    stopWatching(psa: PsaKind, ticketId: string, now: Date): void {
      db.update(pollLedger)
        .set({ watchUntil: null, updatedAt: iso(now) })
        .where(and(eq(pollLedger.psa, psa), eq(pollLedger.ticketId, ticketId)))
        .run();
    },

    /** A pass the pipeline (poller or scheduler) already issued for this ticket since `since` — crash recovery. */
    pipelinePassSince(psa: PsaKind, ticketId: string, since: string): string | undefined {
      return db
        .select({ id: issuances.id })
        .from(issuances)
        .where(
          and(
            eq(issuances.psa, psa),
            eq(issuances.ticketId, ticketId),
            eq(issuances.outcome, 'issued'),
            inArray(issuances.trigger, ['poller', 'scheduler']),
            gte(issuances.createdAt, since),
          ),
        )
        .get()?.id;
    },
  };
}

export type PollingStore = ReturnType<typeof createPollingStore>;
