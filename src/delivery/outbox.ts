import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { param, rowInsert } from '../db/prepared.js';
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

/** A note queued already claimed by its caller (`enqueueClaimed`), for that caller's own first attempt. */
export interface ClaimedNote {
  readonly id: string;
  /** @internal the row as written. */
  readonly row: NoteOutboxRow;
}

export interface NoteOutbox {
  /** Seals and queues a note. Synchronous so it can run inside the issuance's SQLite transaction. */
  enqueue(entry: OutboxEntry): string;
  /**
   * Seals and queues a note that the caller attempts itself right after its transaction commits (`deliverClaimed`):
   * the row is written as `deliver` would claim it — first attempt counted, leased — so a press writes its audit row,
   * its sealed note and the claim in one transaction. Killed after the commit, the lease makes the note wait, and
   * `resumeAfterRestart` makes it due at the next start, as for any claimed row.
   */
  enqueueClaimed(entry: OutboxEntry): ClaimedNote;
  /**
   * Attempts a note queued with `enqueueClaimed`, once its transaction has committed (refused inside one). `toldByCaller`:
   * the caller's own log line says whether the note was written (a press), so a note written now is logged at debug.
   */
  deliverClaimed(note: ClaimedNote, opts?: { toldByCaller?: boolean }): Promise<DeliveryResult>;
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
  const sqlite = db.$client;

  // The statements of a delivery, prepared once (src/db/prepared.ts); the rare give-up paths build theirs per call.
  const outboxRow = rowInsert(noteOutbox);
  const insertRow = db.insert(noteOutbox).values(outboxRow.placeholders).returning().prepare();
  const rowById = db.select().from(noteOutbox).where(eq(noteOutbox.id, param('id'))).prepare();
  const setLease = db.update(noteOutbox).set({ attempts: param('attempts'), nextAttemptAt: param('nextAttemptAt') }).where(eq(noteOutbox.id, param('id'))).prepare();
  const setRetry = db.update(noteOutbox).set({ nextAttemptAt: param('nextAttemptAt'), lastError: param('lastError') }).where(eq(noteOutbox.id, param('id'))).prepare();
  const deleteRow = db.delete(noteOutbox).where(eq(noteOutbox.id, param('id'))).prepare();
  const setWritten = db.update(issuances).set({ noteStatus: 'written', updatedAt: param('at') }).where(eq(issuances.id, param('id'))).prepare();
  const endedAtOf = db.select({ endedAt: issuances.endedAt }).from(issuances).where(eq(issuances.id, param('id'))).prepare();
  const dueRows = db.select({ id: noteOutbox.id }).from(noteOutbox).where(lte(noteOutbox.nextAttemptAt, param('now'))).orderBy(asc(noteOutbox.nextAttemptAt)).limit(200).prepare();
  const countRows = db.select({ n: sql<number>`count(*)` }).from(noteOutbox).prepare();

  const setNoteStatus = (issuanceId: string | null, changes: Partial<typeof issuances.$inferInsert>) => {
    if (!issuanceId) return;
    db.update(issuances).set({ ...changes, updatedAt: now().toISOString() }).where(eq(issuances.id, issuanceId)).run();
  };

  /** Claims the row by pushing its next attempt past the lease: a second worker (or a restart mid-call) waits. */
  const claim = sqlite.transaction((id: string): NoteOutboxRow | undefined => {
    const row = rowById.get({ id });
    if (!row || row.nextAttemptAt > now().toISOString()) return undefined;
    const claimed = { ...row, attempts: row.attempts + 1, nextAttemptAt: new Date(now().getTime() + leaseMs).toISOString() };
    setLease.run({ id, attempts: claimed.attempts, nextAttemptAt: claimed.nextAttemptAt });
    return claimed;
  });

  /** The note is on the ticket: its row (and sealed body) goes, and its issuance says so. One transaction. */
  const complete = sqlite.transaction((row: NoteOutboxRow) => {
    deleteRow.run({ id: row.id });
    if (row.issuanceId) setWritten.run({ id: row.issuanceId, at: now().toISOString() });
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
    return Boolean(endedAtOf.get({ id: row.issuanceId })?.endedAt);
  };

  /** `told`: the caller's log line says whether the note was written (deliverClaimed). */
  const attempt = async (row: NoteOutboxRow, told = false): Promise<DeliveryResult> => {
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
      complete(row);
      logger[told ? 'debug' : 'info']({ outboxId: row.id, issuanceId: row.issuanceId, psa: row.psa, ticketId: row.ticketId, attempts: row.attempts }, 'private note written');
      return 'written';
    } catch (error) {
      if (error instanceof SealError) {
        logger.error({ outboxId: row.id, err: errorForLog(error) }, 'outbox row cannot be opened');
        return giveUp(row, error.message);
      }
      const message = error instanceof AppError ? `${error.code}: ${error.detail}` : errorForLog(error).message;
      const retryAfterMs = error instanceof AppError && error.extra.retryAfterSeconds ? error.extra.retryAfterSeconds * 1000 : 0;
      const next = new Date(Math.min(Date.parse(row.deadlineAt), now().getTime() + Math.max(retryAfterMs, retryDelayMs(row.attempts))));
      setRetry.run({ id: row.id, nextAttemptAt: next.toISOString(), lastError: String(message).slice(0, 500) });
      logger.warn({ outboxId: row.id, psa: row.psa, ticketId: row.ticketId, attempts: row.attempts, nextAttemptAt: next.toISOString(), err: errorForLog(error) }, pastDeadline ? 'revocation failed; will retry' : 'note not written yet; will retry');
      return 'pending';
    }
  };

  const start = (row: NoteOutboxRow, told: boolean): Promise<DeliveryResult> => {
    const p = attempt(row, told).finally(() => inFlight.delete(row.id));
    inFlight.set(row.id, p);
    return p;
  };

  const deliver = (id: string): Promise<DeliveryResult> => {
    const running = inFlight.get(id);
    if (running) return running;
    const row = claim(id);
    if (!row) return Promise.resolve(rowById.get({ id }) ? 'pending' : 'written');
    return start(row, false);
  };

  /** Seals and writes the row; `claimed`: with its first attempt counted and leased. */
  const insert = (entry: OutboxEntry, claimed: boolean): NoteOutboxRow => {
    const id = entry.id ?? entry.issuanceId ?? randomUUID();
    const destination = { id, issuanceId: entry.issuanceId ?? null, psa: entry.psa, ticketId: entry.ticketId, kind: entry.kind };
    const at = now();
    return insertRow.get(
      outboxRow.bind({
        ...destination,
        sealedBody: sealNote(sealKey, bindingOf(destination), JSON.stringify(entry.note)),
        doneStatus: entry.doneStatus ?? null,
        attempts: claimed ? 1 : 0,
        nextAttemptAt: (claimed ? new Date(at.getTime() + leaseMs) : at).toISOString(),
        deadlineAt: entry.deadlineAt.toISOString(),
        tenantId: entry.tenantId ?? null,
        userObjectId: entry.userObjectId ?? null,
        graphMethodId: entry.graphMethodId ?? null,
      }),
    );
  };

  return {
    enqueue: (entry) => insert(entry, false).id,
    enqueueClaimed(entry) {
      const row = insert(entry, true);
      return { id: row.id, row };
    },
    deliverClaimed(note, opts) {
      // The sealed note must be on disk before the PSA sees it: never from inside the transaction that wrote it.
      if (sqlite.inTransaction) return Promise.reject(new Error('deliverClaimed called inside a transaction: the note is not durable yet'));
      const running = inFlight.get(note.id);
      if (running) return running;
      // The claim may have run out before this attempt (the caller waited longer than the lease, on a pacer for
      // another note): the worker may have taken the row, or written it already. Then it is just another row.
      const current = rowById.get({ id: note.id });
      if (!current || current.attempts !== note.row.attempts || current.nextAttemptAt !== note.row.nextAttemptAt) return deliver(note.id);
      return start(note.row, opts?.toldByCaller ?? false);
    },
    deliver,
    discardPassNotes(issuanceId, reason) {
      const { discarded, inFlight: sending } = discardPassNotes(issuanceId, reason);
      if (discarded > 0) logger.info({ issuanceId, discarded, reason }, 'waiting pass note discarded: the pass ended');
      return discarded > 0 && !sending;
    },
    async deliverDue() {
      const due = dueRows.all({ now: now().toISOString() });
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
    backlog: () => countRows.get()?.n ?? 0,
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

