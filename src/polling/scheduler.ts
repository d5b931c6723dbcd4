import type { ScheduledIssuanceRow } from '../db/schema.js';
import { AppError, attemptOutcome } from '../errors.js';
import { errorForLog } from '../logger.js';
import { retryDelayMs } from '../delivery/outbox.js';
import { userNeverAppearedNote } from '../tap/note.js';
import { adoptablePass, describeError, doneStatusFor, followUntil, isCycleAbort, SCHEDULER_REQUESTED_BY, type OnboardingDeps } from './deps.js';
import { userRetryAt } from './plan.js';
import type { LedgerState } from './store.js';

export interface SchedulerSummary {
  due: number;
  issued: number;
  /** Rows whose ticket already had the user's pass from the button: adopted, nothing created. */
  adopted: number;
  waitingUser: number;
  refused: number;
  failed: number;
  retried: number;
}

export interface OnboardingScheduler {
  /** Issues every row that is due now (at most `batch` per call). */
  runDue(): Promise<SchedulerSummary>;
  /** How long to sleep before the next row is due, capped at `maxMs`: the loop wakes at the row's instant. */
  nextDelayMs(maxMs: number): number;
}

const BATCH = 50;

/**
 * The deferred half of onboarding: rows written by the poller (lead time, or an account not created yet) are issued
 * through the same ticket-issuance path as everything else, at their instant.
 */
export function createOnboardingScheduler(deps: OnboardingDeps, opts: { random?: () => number } = {}): OnboardingScheduler {
  const { store, now } = deps;

  const setLedger = (row: ScheduledIssuanceRow, state: LedgerState, detail: string, issuanceId?: string, startsAt?: Date) => {
    const current = store.ledger(row.psa, row.ticketId);
    // An issued pass is followed until it starts (src/lifecycle/follow-ticket.ts); a final failure is not followed.
    const watchUntil = state === 'issued' ? followUntil(startsAt, now()) : state === 'waiting_user' ? undefined : null;
    store.record(
      row.psa,
      row.ticketId,
      { state, fingerprint: current?.inputFingerprint ?? null, ticketUpdatedAt: current?.ticketUpdatedAt ?? null, issuanceId: issuanceId ?? null, detail, watchUntil },
      now(),
    );
  };

  async function fire(row: ScheduledIssuanceRow, summary: SchedulerSummary): Promise<void> {
    // A pass the pipeline already created for this ticket (a crash after Graph answered, before this row was closed)
    // is not created twice.
    const existing = store.pipelinePassSince(row.psa, row.ticketId, row.createdAt);
    if (existing) {
      store.finish(row.id, 'done', now());
      setLedger(row, 'issued', 'issued before a restart', existing, new Date(row.startAt));
      summary.issued += 1;
      return;
    }
    // A pass the button issued on this ticket for this user since the row was written is the ticket's pass: creating
    // another would silently replace it in Graph (the technician may have handed it out). Adopted and followed.
    const pressed = adoptablePass(deps.passes, { psa: row.psa, ticketId: row.ticketId, userPrincipalName: row.userPrincipalName, startAt: new Date(row.startAt) }, now());
    if (pressed) {
      store.finish(row.id, 'done', now());
      setLedger(row, 'issued', `issued by ${pressed.requestedBy ?? 'the button'}`, pressed.id, pressed.startAt ? new Date(pressed.startAt) : undefined);
      summary.adopted += 1;
      return;
    }
    const startAt = new Date(row.startAt);
    const final = now().getTime() >= startAt.getTime();
    try {
      const result = await deps.tickets.issueForTicket({
        psa: row.psa,
        ticketId: row.ticketId,
        trigger: 'scheduler',
        requestedBy: SCHEDULER_REQUESTED_BY,
        userPrincipalName: row.userPrincipalName,
        startDate: row.startDate,
        doneStatus: doneStatusFor(deps.config, row.psa),
        // Even the last attempt is quiet: its note (below) says how long the account was waited for.
        quietRefusals: ['USER_NOT_FOUND'],
      });
      store.finish(row.id, 'done', now());
      setLedger(row, 'issued', result.status, result.issuanceId, new Date(result.startDateTime));
      summary.issued += 1;
    } catch (error) {
      const attempts = row.attempts + 1;
      if (error instanceof AppError && error.code === 'USER_NOT_FOUND') {
        if (!final) {
          const next = userRetryAt(attempts, now(), startAt);
          store.retryAt(row.id, next, attempts, error.code, now());
          setLedger(row, 'waiting_user', `account not found; next try ${next.toISOString()}`);
          summary.waitingUser += 1;
          return;
        }
        const zone = deps.mappings.get(row.psa, row.companyId)?.timeZone ?? deps.config.tap.defaultTimeZone;
        await deps.tickets.postInfoNote(row.psa, row.ticketId, userNeverAppearedNote({ userPrincipalName: row.userPrincipalName, startAt, timeZone: zone, attempts }));
        store.finish(row.id, 'failed', now(), error.code, attempts);
        setLedger(row, 'failed', 'account never appeared before the start');
        summary.failed += 1;
        return;
      }
      // Refused or failed as the audit row says (attemptOutcome decides both). Neither a refusal nor a deleted ticket is
      // retried: ticket-issuance has written the refusal note, and a deleted ticket has nowhere to write one.
      const outcome = attemptOutcome(error);
      if (error instanceof AppError && (outcome === 'refused' || error.code === 'TICKET_NOT_FOUND')) {
        store.finish(row.id, 'failed', now(), error.code);
        setLedger(row, outcome, error.code);
        summary[outcome] += 1;
        return;
      }
      if (isCycleAbort(error)) {
        // Throttled or down: keep the row and try again soon; other rows (other tenants) go on.
        const next = new Date(now().getTime() + retryDelayMs(attempts, opts.random));
        store.retryAt(row.id, next, attempts, describeError(error), now());
        summary.retried += 1;
        return;
      }
      deps.logger.error({ psa: row.psa, ticketId: row.ticketId, err: errorForLog(error) }, 'scheduled issuance failed');
      store.finish(row.id, 'failed', now(), describeError(error));
      setLedger(row, 'failed', describeError(error));
      summary.failed += 1;
    }
  }

  return {
    async runDue() {
      const summary: SchedulerSummary = { due: 0, issued: 0, adopted: 0, waitingUser: 0, refused: 0, failed: 0, retried: 0 };
      for (const row of store.due(now(), BATCH)) {
        // Claimed first, so the poller leaves the ticket alone and a second instance would skip it.
        if (!store.claim(row, now())) continue;
        summary.due += 1;
        await fire(row, summary);
      }
      if (summary.due > 0) deps.logger.info(summary, 'onboarding scheduler run');
      return summary;
    },
    nextDelayMs(maxMs) {
      const next = store.nextDueAt();
      if (!next) return maxMs;
      return Math.min(maxMs, Math.max(0, next.getTime() - now().getTime()));
    },
  };
}
