import type { PsaKind } from '../domain.js';
import type { TenantMapping } from '../db/mappings.js';
import type { PollLedgerRow } from '../db/schema.js';
import { AppError, attemptOutcome } from '../errors.js';
import { errorForLog } from '../logger.js';
import { readListedTicket, type ListedTicket, type PsaConnector, type PsaTicket } from '../psa/port.js';
import { readOnboardingInputs, type OnboardingInputs } from '../psa/ticket-fields.js';
import { onboardingDetailsMissingNote, replacesRevokedSentence, scheduledNote, ticketChangedNote, unclearStartDateNote } from '../tap/note.js';
import type { Replacing } from '../lifecycle/follow-ticket.js';
import { adoptablePass, describeError, doneStatusFor, fieldSettings, followUntil, isCycleAbort, POLLER_REQUESTED_BY, type OnboardingDeps } from './deps.js';
import { fingerprint, mappingPart, planIssue, splitFingerprint, userRetryAt } from './plan.js';
import type { LedgerState } from './store.js';

export type TicketOutcome = 'unchanged' | 'issued' | 'scheduled' | 'refused' | 'needs_input' | 'waiting_user' | 'failed';

/** States a changed mapping can resolve (a refusal fixed by an admin, a moved activation hour). */
export const MAPPING_SENSITIVE_STATES: readonly LedgerState[] = ['refused', 'failed', 'scheduled', 'waiting_user'];
const MAPPING_SENSITIVE = new Set<string>(MAPPING_SENSITIVE_STATES);

/**
 * One onboarding ticket: skip it when the ledger says nothing changed, else read its inputs and either ask for
 * details, schedule the pass, or issue it now through ticket-issuance (the same path as the button).
 * Throws only errors that should stop the cycle (see isCycleAbort).
 */
export function createTicketHandler(deps: OnboardingDeps) {
  const { store, now } = deps;

  /**
   * `replacing`: the ticket follower just revoked the ticket's pass because its start date or user changed; the new
   * pass or schedule is decided now, and its one note says what was revoked. The ticket may be a list row without its
   * custom fields (Halo): they are read (one request) only once the ledger says the ticket must be looked at.
   */
  async function handle(psa: PsaKind, connector: PsaConnector, listed: ListedTicket, opts: { replacing?: Replacing } = {}): Promise<TicketOutcome> {
    const ledger = store.ledger(psa, listed.id);
    // One pass per onboarding ticket: after that only the button issues (and re-issues), or the follower replaces it.
    if (ledger?.state === 'issued') return 'unchanged';
    if (opts.replacing) {
      const read = await readInputs(psa, connector, listed);
      if ('outcome' in read) return read.outcome;
      const { ticket } = read;
      const mapping = deps.mappings.get(psa, ticket.companyId);
      return decide(psa, ticket, read.inputs, mapping, ledger, { fingerprint: fingerprint(ticket.companyId, read.inputs, mapping), ticketUpdatedAt: ticket.lastUpdated ?? null }, opts.replacing);
    }
    const listedVersion = listed.lastUpdated ?? null;
    const stored = splitFingerprint(ledger?.inputFingerprint);
    const mappingChanged = ledger !== undefined && MAPPING_SENSITIVE.has(ledger.state) && stored.mapping !== mappingPart(deps.mappings.get(psa, listed.companyId));
    // Unchanged since the last look: nothing is read (on Halo the custom fields, on ConnectWise the description would
    // each be a request). This relies on the PSA moving lastUpdated when a field changes (verify-on-a-real-instance H8).
    if (ledger && listedVersion !== null && ledger.ticketUpdatedAt === listedVersion && !mappingChanged) return 'unchanged';
    // The scheduler is issuing this ticket right now; the next cycle sees what it did.
    if (store.scheduled(psa, listed.id)?.state === 'issuing') return 'unchanged';

    const read = await readInputs(psa, connector, listed);
    if ('outcome' in read) return read.outcome;
    const { inputs, ticket } = read;
    // The version the inputs were read at (the read by id may be newer than the list row).
    const version = ticket.lastUpdated ?? listedVersion;
    const mapping = deps.mappings.get(psa, ticket.companyId);
    const print = fingerprint(ticket.companyId, inputs, mapping);
    if (ledger && splitFingerprint(print).inputs === stored.inputs && !mappingChanged) {
      store.touch(psa, ticket.id, version);
      return 'unchanged';
    }
    return decide(psa, ticket, inputs, mapping, ledger, { fingerprint: print, ticketUpdatedAt: version });
  }

  /**
   * The full ticket (a list row's missing custom fields read by id) with its user and start date, or the outcome when
   * they could not be read (a cycle-stopping error is thrown). A ticket deleted since it was listed is left alone.
   */
  async function readInputs(psa: PsaKind, connector: PsaConnector, listed: ListedTicket): Promise<{ inputs: OnboardingInputs; ticket: PsaTicket } | { outcome: TicketOutcome }> {
    try {
      const ticket = await readListedTicket(connector, listed);
      if (!ticket) return { outcome: 'unchanged' };
      return { ticket, inputs: await readOnboardingInputs(ticket, fieldSettings(deps.config, psa), () => connector.getTicketDescription(ticket)) };
    } catch (error) {
      if (isCycleAbort(error)) throw error;
      return { outcome: fail(psa, listed, null, error) };
    }
  }

  async function decide(
    psa: PsaKind,
    ticket: PsaTicket,
    inputs: OnboardingInputs,
    mapping: TenantMapping | undefined,
    ledger: PollLedgerRow | undefined,
    seen: { fingerprint: string; ticketUpdatedAt: string | null },
    replacing?: Replacing,
  ): Promise<TicketOutcome> {
    const record = (state: LedgerState, extra: { issuanceId?: string; detail?: string; watchUntil?: Date | null } = {}) =>
      store.record(psa, ticket.id, { state, ...seen, watchUntil: null, companyId: ticket.companyId, ...extra }, now());
    const upn = inputs.userPrincipalName;
    const date = inputs.startDate;
    const zone = mapping?.timeZone ?? deps.config.tap.defaultTimeZone;
    // The follower revoked a pass: when nothing replaces it right away, one note says what was revoked and why.
    const sayRevoked = async () => {
      if (!replacing) return;
      await deps.tickets.postInfoNote(psa, ticket.id, ticketChangedNote({ change: replacing.change, userPrincipalName: replacing.userPrincipalName, revoked: replacing.revoked, droppedSchedule: undefined, next: undefined, timeZone: zone }));
    };

    if (!upn || date.kind !== 'date') {
      store.cancel(psa, ticket.id, now());
      const note =
        date.kind === 'unclear' && upn
          ? unclearStartDateNote({ text: date.text, source: date.source, reason: date.reason })
          : onboardingDetailsMissingNote({ missingUser: !upn, missingStartDate: date.kind !== 'date' });
      await sayRevoked();
      await deps.tickets.postInfoNote(psa, ticket.id, note, { once: true });
      record('needs_input', { detail: !upn ? 'no user on the ticket' : date.kind === 'unclear' ? `start date ${date.reason}` : 'no start date' });
      return 'needs_input';
    }

    const plan = planIssue(date.date, mapping, now(), deps.config.polling.leadDays);
    // A pass someone already issued on this ticket for this user (the button, before the poller saw the ticket, even
    // for a start beyond the lead time) is the ticket's pass: the poller adopts it instead of issuing, scheduling (a
    // later create would silently replace it) or noting a second one, and follows it like its own until it starts.
    const pressed = replacing ? undefined : adoptablePass(deps.passes, { psa, ticketId: ticket.id, userPrincipalName: upn, startAt: plan.startAt }, now());
    if (pressed) {
      store.cancel(psa, ticket.id, now());
      record('issued', { issuanceId: pressed.id, detail: `issued by ${pressed.requestedBy ?? 'the button'}`, watchUntil: followUntil(pressed.startAt, now()) });
      return 'unchanged';
    }

    if (plan.kind === 'schedule' && mapping) {
      const row = store.scheduled(psa, ticket.id);
      const same =
        (ledger?.state === 'scheduled' || ledger?.state === 'waiting_user') &&
        row?.state === 'pending' && row.userPrincipalName === upn && row.startAt === plan.startAt.toISOString() && (ledger?.state === 'waiting_user' || row.issueAt === plan.issueAt.toISOString());
      if (same && !replacing) {
        // Nothing the user would notice changed (text reworded, mapping re-saved): no second note.
        record(ledger?.state === 'waiting_user' ? 'waiting_user' : 'scheduled', { watchUntil: plan.startAt });
        return 'unchanged';
      }
      const moved = row?.state === 'pending' && (row.userPrincipalName !== upn || row.startAt !== plan.startAt.toISOString()) ? row : undefined;
      store.schedule({ psa, ticketId: ticket.id, companyId: ticket.companyId, userPrincipalName: upn, startDate: date.date, startAt: plan.startAt, issueAt: plan.issueAt }, now());
      if (moved) {
        // A scheduled pass (not created yet) follows its ticket: the audit says it moved.
        const userChanged = moved.userPrincipalName !== upn;
        deps.passes.recordScheduleEvent({
          psa,
          ticketId: ticket.id,
          companyId: ticket.companyId,
          userPrincipalName: upn,
          startAt: plan.startAt.toISOString(),
          event: 'rescheduled',
          code: userChanged ? 'USER_CHANGED' : 'START_DATE_CHANGED',
          detail: userChanged ? `The scheduled pass moved from ${moved.userPrincipalName} to ${upn}.` : `The scheduled pass moved from ${moved.startDate} to ${date.date}.`,
          requestedBy: POLLER_REQUESTED_BY,
          trigger: 'poller',
        });
      }
      const note = replacing
        ? ticketChangedNote({ change: replacing.change, userPrincipalName: replacing.userPrincipalName, revoked: replacing.revoked, droppedSchedule: undefined, next: { kind: 'scheduled', startAt: plan.startAt, issueAt: plan.issueAt, userPrincipalName: upn }, timeZone: mapping.timeZone })
        : scheduledNote({ userPrincipalName: upn, startAt: plan.startAt, issueAt: plan.issueAt, timeZone: mapping.timeZone });
      await deps.tickets.postInfoNote(psa, ticket.id, note);
      deps.passes.clearNoted(psa, ticket.id);
      record('scheduled', { detail: `issue at ${plan.issueAt.toISOString()}`, watchUntil: plan.startAt });
      return 'scheduled';
    }

    store.cancel(psa, ticket.id, now());
    // The attempt at (or after) the start is the last one; before it, a missing account is waited for quietly.
    const final = !plan.startAt || plan.startAt.getTime() <= now().getTime();
    try {
      const result = await deps.tickets.issueForTicket({
        psa,
        ticketId: ticket.id,
        trigger: 'poller',
        requestedBy: POLLER_REQUESTED_BY,
        ticket,
        userPrincipalName: upn,
        startDate: date.date,
        doneStatus: doneStatusFor(deps.config, psa),
        quietRefusals: final ? [] : ['USER_NOT_FOUND'],
        notePreface: replacing ? [replacesRevokedSentence(replacing.change, replacing.revoked, zone)] : undefined,
      });
      // Followed until the pass starts: a changed start date, user or a cancellation revokes it before then.
      record('issued', { issuanceId: result.issuanceId, detail: result.status, watchUntil: followUntil(result.startDateTime, now()) });
      return 'issued';
    } catch (error) {
      if (error instanceof AppError && error.code === 'USER_NOT_FOUND' && !final && plan.startAt) {
        const retryAt = userRetryAt(1, now(), plan.startAt);
        store.schedule({ psa, ticketId: ticket.id, companyId: ticket.companyId, userPrincipalName: upn, startDate: date.date, startAt: plan.startAt, issueAt: retryAt, attempts: 1 }, now());
        await sayRevoked();
        record('waiting_user', { detail: `account not found; next try ${retryAt.toISOString()}`, watchUntil: plan.startAt });
        return 'waiting_user';
      }
      if (error instanceof AppError && attemptOutcome(error) === 'refused') {
        await sayRevoked();
        record('refused', { detail: error.code });
        return 'refused';
      }
      if (isCycleAbort(error)) throw error;
      return fail(psa, ticket, seen.fingerprint, error);
    }
  }

  /**
   * Unexpected and not retryable: recorded without a version so the ticket is read again when next listed, and looked
   * at again when its inputs change (a read that failed has no fingerprint, so it is retried the next time it is listed).
   */
  function fail(psa: PsaKind, ticket: Pick<PsaTicket, 'id'>, print: string | null, error: unknown): TicketOutcome {
    deps.logger.error({ psa, ticketId: ticket.id, err: errorForLog(error) }, 'onboarding ticket failed');
    store.record(psa, ticket.id, { state: 'failed', fingerprint: print, ticketUpdatedAt: null, detail: describeError(error) }, now());
    return 'failed';
  }

  return { handle };
}
