import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { issuances, noteDeadLetters, noteOutbox, type NoteDeadLetterRow, type NoteOutboxRow } from '../db/schema.js';
import type { PsaKind } from '../domain.js';
import type { PrivateNote, PsaConnector } from '../psa/port.js';
import type { EntraDirectory } from '../entra/port.js';
import type { Logger } from '../logger.js';
import { errorForLog } from '../logger.js';
import { backoffDelay, type Backoff } from '../backoff.js';
import { AppError } from '../errors.js';
import { bindingOf, openSealed, sealNote, SealError } from './seal.js';

export interface OutboxEntry {
  /** The row id (default: the issuance id). The seal binds the body to it and to psa, ticket, issuance and kind. */
  id?: string;
  issuanceId?: string | undefined;
  psa: PsaKind;
  ticketId: string;
  kind: 'pass' | 'info';
  note: PrivateNote;
  doneStatus?: string | undefined;
  deadlineAt: Date;
  tenantId?: string | undefined;
  userObjectId?: string | undefined;
  graphMethodId?: string | undefined;
}

export type DeliveryResult = 'written' | 'pending' | 'revoked' | 'failed';

export interface NoteOutbox {
  /** Seals and queues a note. Synchronous so it can run inside the issuance's SQLite transaction. */
  enqueue(entry: OutboxEntry): string;
  /** Attempts one entry now (the button waits for this so its answer can say whether the note is on the ticket). */
  deliver(id: string): Promise<DeliveryResult>;
  /** Attempts every entry that is due; the worker calls this on a timer and once at start-up. */
  deliverDue(): Promise<{ written: number; pending: number; revoked: number; failed: number }>;
  backlog(): number;
  /**
   * At start-up: an attempt interrupted by a crash still holds its lease; with one instance per database nobody else
   * can be working on it, so every row becomes due now instead of after the lease.
   */
  resumeAfterRestart(): number;
  /** Throws SealError when rows exist and this key opens none of them (checked at start-up). */
  verifyKey(): void;
  /**
   * The pass of this issuance ended (revoked, cancelled, replaced) while its pass note still waits: the note leaves
   * the outbox with its sealed body and is kept as a dead letter (state revoked, with the reason), so the dead pass is
   * never written to a ticket. Synchronous, to run inside the revocation's transaction. True when a waiting note was
   * discarded before any attempt of it had reached the PSA (nobody received the pass), false when there was none or an
   * attempt was in flight.
   */
  discardPassNotes(issuanceId: string, reason: string): boolean;
  /** Notes given up on, newest first (what, where, why — never the note). */
  deadLetters(limit: number): NoteDeadLetterRow[];
  deadLetterCount(): number;
  /** Deletes dead letters given up before `before` (AUDIT_RETENTION_DAYS, src/retention.ts). Returns how many went. */
  pruneDeadLetters(before: Date): number;
}

export interface OutboxDeps {
  db: Db;
  sealKey: Buffer;
  connectors: Partial<Record<PsaKind, PsaConnector>>;
  entra: EntraDirectory | undefined;
  logger: Logger;
  now?: () => Date;
  /** How long an attempt holds its row before another worker may try (crash safety). */
  leaseMs?: number;
}

/** 15 s, 30 s, 1 min, 2 min … capped at 5 min, with ±20 % jitter so a recovering PSA is not hit in lock-step. */
export const NOTE_DELIVERY_BACKOFF: Backoff = { baseMs: 15_000, maxMs: 300_000, jitter: 0.2 };

export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  return backoffDelay(attempt, NOTE_DELIVERY_BACKOFF, random);
}

export function createNoteOutbox(deps: OutboxDeps): NoteOutbox {
  const { db, sealKey, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const leaseMs = deps.leaseMs ?? 120_000;
  const inFlight = new Map<string, Promise<DeliveryResult>>();

  const setNoteStatus = (issuanceId: string | null, changes: Partial<typeof issuances.$inferInsert>) => {
    if (!issuanceId) return;
    db.update(issuances).set({ ...changes, updatedAt: now().toISOString() }).where(eq(issuances.id, issuanceId)).run();
  };

  /** Claims the row by pushing its next attempt past the lease: a second worker (or a restart mid-call) waits. */
  const claim = (id: string): NoteOutboxRow | undefined =>
    db.transaction(() => {
      const row = db.select().from(noteOutbox).where(eq(noteOutbox.id, id)).get();
      if (!row || row.nextAttemptAt > now().toISOString()) return undefined;
      db.update(noteOutbox)
        .set({ attempts: row.attempts + 1, nextAttemptAt: new Date(now().getTime() + leaseMs).toISOString() })
        .where(eq(noteOutbox.id, id))
        .run();
      return { ...row, attempts: row.attempts + 1 };
    });

  /** The row leaves the outbox (and its sealed body with it) and is kept, without the note, as a dead letter. */
  const keepAsDeadLetter = (row: NoteOutboxRow, state: 'revoked' | 'failed', reason: string) => {
    db.insert(noteDeadLetters)
      .values({
        id: row.id,
        issuanceId: row.issuanceId,
        psa: row.psa,
        ticketId: row.ticketId,
        kind: row.kind,
        state,
        reason: reason.slice(0, 500),
        attempts: row.attempts,
        queuedAt: row.createdAt,
        gaveUpAt: now().toISOString(),
      })
      .onConflictDoNothing()
      .run();
    db.delete(noteOutbox).where(eq(noteOutbox.id, row.id)).run();
  };

  const giveUp = async (row: NoteOutboxRow, reason: string): Promise<DeliveryResult> => {
    // A row naming a pass is revoked whatever its kind column says (the column may have been edited).
    if (row.tenantId && row.userObjectId && row.graphMethodId) {
      if (!deps.entra) throw new AppError('ENTRA_NOT_CONFIGURED');
      // A pass nobody received is a live credential nobody controls: revoke it (404 = already gone).
      await deps.entra.deleteTap(row.tenantId, row.userObjectId, row.graphMethodId);
      db.transaction(() => {
        keepAsDeadLetter(row, 'revoked', reason);
        setNoteStatus(row.issuanceId, { noteStatus: 'failed', outcome: 'revoked', outcomeCode: 'NOTE_UNDELIVERABLE' });
      });
      logger.warn({ outboxId: row.id, issuanceId: row.issuanceId, psa: row.psa, ticketId: row.ticketId, reason }, 'note undeliverable: pass revoked');
      return 'revoked';
    }
    db.transaction(() => {
      keepAsDeadLetter(row, 'failed', reason);
      setNoteStatus(row.issuanceId, { noteStatus: 'failed' });
    });
    logger.warn({ outboxId: row.id, psa: row.psa, ticketId: row.ticketId, reason }, 'note undeliverable: given up');
    return 'failed';
  };

  /** A row holding a pass (whatever its kind column says, as in giveUp). */
  const holdsPass = or(eq(noteOutbox.kind, 'pass'), isNotNull(noteOutbox.graphMethodId));

  /** Drops the waiting pass notes of an issuance as dead letters (body erased); how many, and whether one was in flight. */
  const discardPassNotes = (issuanceId: string, reason: string) =>
    db.transaction(() => {
      const rows = db.select().from(noteOutbox).where(and(eq(noteOutbox.issuanceId, issuanceId), holdsPass)).all();
      for (const row of rows) keepAsDeadLetter(row, 'revoked', reason);
      if (rows.length > 0) setNoteStatus(issuanceId, { noteStatus: 'failed' });
      return { discarded: rows.length, inFlight: rows.some((r) => inFlight.has(r.id)) };
    });

  /** The pass this row holds already ended (a path that did not discard its note, or a race with the revocation). */
  const passEnded = (row: NoteOutboxRow): boolean => {
    if (!row.issuanceId || (row.kind !== 'pass' && !row.graphMethodId)) return false;
    return Boolean(db.select({ endedAt: issuances.endedAt }).from(issuances).where(eq(issuances.id, row.issuanceId)).get()?.endedAt);
  };

  const attempt = async (row: NoteOutboxRow): Promise<DeliveryResult> => {
    const connector = deps.connectors[row.psa];
    const pastDeadline = now().toISOString() >= row.deadlineAt;
    if (passEnded(row)) {
      discardPassNotes(row.issuanceId!, 'pass ended before its note was written');
      logger.warn({ outboxId: row.id, issuanceId: row.issuanceId, psa: row.psa, ticketId: row.ticketId }, 'pass note discarded: the pass already ended');
      return 'revoked';
    }
    try {
      if (pastDeadline) return await giveUp(row, row.lastError ?? 'deadline passed');
      if (!connector) throw new AppError('PSA_NOT_ENABLED');
      const note = JSON.parse(openSealed(sealKey, bindingOf(row), row.sealedBody)) as PrivateNote;
      await connector.writePrivateNote(row.ticketId, note, row.doneStatus ? { status: row.doneStatus } : undefined);
      db.transaction(() => {
        db.delete(noteOutbox).where(eq(noteOutbox.id, row.id)).run();
        setNoteStatus(row.issuanceId, { noteStatus: 'written' });
      });
      logger.info({ outboxId: row.id, issuanceId: row.issuanceId, psa: row.psa, ticketId: row.ticketId, attempts: row.attempts }, 'private note written');
      return 'written';
    } catch (error) {
      if (error instanceof SealError) {
        logger.error({ outboxId: row.id, err: errorForLog(error) }, 'outbox row cannot be opened');
        return giveUp(row, error.message);
      }
      const message = error instanceof AppError ? `${error.code}: ${error.detail}` : errorForLog(error).message;
      const retryAfterMs = error instanceof AppError && error.extra.retryAfterSeconds ? error.extra.retryAfterSeconds * 1000 : 0;
      const next = new Date(Math.min(Date.parse(row.deadlineAt), now().getTime() + Math.max(retryAfterMs, retryDelayMs(row.attempts))));
      db.update(noteOutbox)
        .set({ nextAttemptAt: next.toISOString(), lastError: String(message).slice(0, 500) })
        .where(eq(noteOutbox.id, row.id))
        .run();
      logger.warn({ outboxId: row.id, psa: row.psa, ticketId: row.ticketId, attempts: row.attempts, nextAttemptAt: next.toISOString(), err: errorForLog(error) }, pastDeadline ? 'revocation failed; will retry' : 'note not written yet; will retry');
      return 'pending';
    }
  };

  const deliver = (id: string): Promise<DeliveryResult> => {
    const running = inFlight.get(id);
    if (running) return running;
    const row = claim(id);
    if (!row) return Promise.resolve(db.select({ id: noteOutbox.id }).from(noteOutbox).where(eq(noteOutbox.id, id)).get() ? 'pending' : 'written');
    const p = attempt(row).finally(() => inFlight.delete(id));
    inFlight.set(id, p);
    return p;
  };

  return {
    enqueue(entry) {
      const id = entry.id ?? entry.issuanceId ?? randomUUID();
      const destination = { id, issuanceId: entry.issuanceId ?? null, psa: entry.psa, ticketId: entry.ticketId, kind: entry.kind };
      db.insert(noteOutbox)
        .values({
          ...destination,
          sealedBody: sealNote(sealKey, bindingOf(destination), JSON.stringify(entry.note)),
          doneStatus: entry.doneStatus ?? null,
          nextAttemptAt: now().toISOString(),
          deadlineAt: entry.deadlineAt.toISOString(),
          tenantId: entry.tenantId ?? null,
          userObjectId: entry.userObjectId ?? null,
          graphMethodId: entry.graphMethodId ?? null,
        })
        .run();
      return id;
    },
    deliver,
    discardPassNotes(issuanceId, reason) {
      const { discarded, inFlight: sending } = discardPassNotes(issuanceId, reason);
      if (discarded > 0) logger.info({ issuanceId, discarded, reason }, 'waiting pass note discarded: the pass ended');
      return discarded > 0 && !sending;
    },
    async deliverDue() {
      const due = db
        .select({ id: noteOutbox.id })
        .from(noteOutbox)
        .where(lte(noteOutbox.nextAttemptAt, now().toISOString()))
        .orderBy(asc(noteOutbox.nextAttemptAt))
        .limit(200)
        .all();
      const counts = { written: 0, pending: 0, revoked: 0, failed: 0 };
      // One PSA at a time per ticket is enough; different rows go concurrently in small groups.
      for (let i = 0; i < due.length; i += 8) {
        const results = await Promise.all(due.slice(i, i + 8).map((r) => deliver(r.id)));
        for (const r of results) counts[r] += 1;
      }
      return counts;
    },
    resumeAfterRestart: () =>
      db.update(noteOutbox).set({ nextAttemptAt: now().toISOString() }).where(gt(noteOutbox.nextAttemptAt, now().toISOString())).run().changes,
    backlog: () => db.select({ n: sql<number>`count(*)` }).from(noteOutbox).get()?.n ?? 0,
    deadLetters: (limit) => db.select().from(noteDeadLetters).orderBy(desc(noteDeadLetters.gaveUpAt)).limit(limit).all(),
    deadLetterCount: () => db.select({ n: sql<number>`count(*)` }).from(noteDeadLetters).get()?.n ?? 0,
    pruneDeadLetters: (before) => db.delete(noteDeadLetters).where(lt(noteDeadLetters.gaveUpAt, before.toISOString())).run().changes,
    verifyKey() {
      // The key is right when any waiting row opens with it; a row that alone does not was altered, and the worker gives
      // it up (revoking its pass). Only when none opens is the key itself wrong.
      const rows = db.select().from(noteOutbox).limit(20).all();
      let failure: SealError | undefined;
      for (const row of rows) {
        try {
          openSealed(sealKey, bindingOf(row), row.sealedBody);
          return;
        } catch (error) {
          if (!(error instanceof SealError)) throw error;
          failure = error;
        }
      }
      if (failure) throw failure;
    },
  };
}

/** Pass notes must land before the pass is useless: the configured deadline, the pass's expiry, and its start. */
export function noteDeadline(now: Date, deadlineMinutes: number, startAt: Date, expiresAt: Date): Date {
  const candidates = [now.getTime() + deadlineMinutes * 60_000, expiresAt.getTime()];
  // A future pass should not become valid while nobody has it; keep at least 5 minutes to try.
  if (startAt.getTime() > now.getTime()) candidates.push(Math.max(startAt.getTime(), now.getTime() + 5 * 60_000));
  return new Date(Math.min(...candidates));
}

