import { DateTime } from 'luxon';
import type { Config } from '../config/index.js';
import type { PollLedgerRow } from '../db/schema.js';
import type { PsaKind } from '../domain.js';
import { readListedTicket, type ListedTicket, type PsaConnector, type PsaTicket } from '../psa/port.js';
import { readOnboardingInputs, type TicketFieldSettings } from '../psa/ticket-fields.js';
import { ticketChangedNote, type RevokedPassSummary, type TicketChange } from '../tap/note.js';
import { activationInstant } from '../tap/time.js';
import { endPass, revokeInGraph } from './end-pass.js';
import type { PassRevocationDeps } from './revoke.js';

/** What the poller does next with a followed ticket. */
export type FollowDecision =
  | { kind: 'unchanged' }
  /** Nothing to revoke: the onboarding handler looks at the ticket as usual (a scheduled pass is rescheduled there). */
  | { kind: 'handle' }
  /**
   * The pass was revoked because the ticket changed: the handler issues or schedules anew and says so in one note.
   * `ticket` is the full ticket the follower read (the handler reads nothing again).
   */
  | { kind: 'replace'; replacing: Replacing; ticket: PsaTicket }
  | { kind: 'cancelled' };

/** The revoked pass a new pass or schedule replaces: its note opens with what changed and what was revoked. */
export interface Replacing {
  change: TicketChange;
  revoked: RevokedPassSummary;
  userPrincipalName: string;
}

export interface TicketFollowerDeps extends Omit<PassRevocationDeps, 'config'> {
  config: Pick<Config, 'connectwise' | 'halo' | 'tap'>;
  fieldSettings: (psa: PsaKind) => TicketFieldSettings;
}

export const FOLLOWER_REQUESTED_BY = 'onboarding poller';

/**
 * A pass lives as long as its reason (DESIGN invariant 8). For a ticket whose pass the poller or scheduler issued or
 * scheduled, or the button issued and the pipeline adopted (src/polling/deps.ts adoptablePass), until that pass starts: a cancelled status revokes the pass (or drops the schedule) with one note; a
 * changed start date or user revokes a pass that has not started, and the handler issues or schedules the new one.
 * Each revocation is recorded together with the ledger state, so a restart repeats neither the revocation nor a note.
 */
export function createTicketFollower(deps: TicketFollowerDeps) {
  const { now } = deps;

  function cancelledStatus(psa: PsaKind): string | undefined {
    if (psa === 'connectwise') return deps.config.connectwise?.cancelledStatus?.trim() || undefined;
    return deps.config.halo?.cancelledStatusId === undefined ? undefined : String(deps.config.halo.cancelledStatusId);
  }

  /** CW_CANCELLED_STATUS is a name or an id; HALO_CANCELLED_STATUS_ID an id. */
  function isCancelled(psa: PsaKind, ticket: Pick<ListedTicket, 'statusId' | 'statusName'>): boolean {
    const status = cancelledStatus(psa);
    if (!status) return false;
    if (/^\d+$/.test(status)) return ticket.statusId === status;
    return (ticket.statusName ?? '').trim().toLowerCase() === status.toLowerCase();
  }

  /**
   * `listed` may be a list row without its custom fields (Halo): status and company are on the row; the fields are read
   * by id only when the ticket changed and its pass has not started (its user and start date are compared then).
   */
  async function follow(psa: PsaKind, connector: PsaConnector, listed: ListedTicket, ledger: PollLedgerRow): Promise<FollowDecision> {
    const version = listed.lastUpdated ?? null;
    if (version !== null && ledger.ticketUpdatedAt === version) return { kind: 'unchanged' };
    if (isCancelled(psa, listed)) return cancel(psa, listed, ledger);
    if (ledger.state !== 'issued') return { kind: 'handle' };

    const pass = followedPass(psa, listed.id, ledger);
    if (!pass || pass.outcome !== 'issued' || pass.endedAt || !pass.startAt || Date.parse(pass.startAt) <= now().getTime()) {
      // Revoked, replaced, or already started (then it is in use, and the enrolment follow-up takes over).
      deps.store.stopWatching(psa, listed.id, now());
      return { kind: 'unchanged' };
    }
    // Deleted since it was listed: nothing to compare (as when the list no longer shows it).
    const ticket = await readListedTicket(connector, listed);
    if (!ticket) return { kind: 'unchanged' };
    const inputs = await readOnboardingInputs(ticket, deps.fieldSettings(psa), () => connector.getTicketDescription(ticket));
    const upn = inputs.userPrincipalName?.toLowerCase();
    const date = inputs.startDate;
    const mapping = deps.mappings.get(psa, ticket.companyId);
    let change: Exclude<TicketChange, { kind: 'cancelled' }>;
    if (pass.companyId !== null && pass.companyId !== ticket.companyId && (!mapping || !mapping.enabled || mapping.tenantId !== pass.tenantId)) {
      // The ticket moved to a company of another tenant, an unmapped or a disabled one (a misfiled ticket corrected, or
      // an edit nobody should trust): the pass was issued in the first company's tenant for its onboarding, so its
      // reason is gone. A move between companies sharing the tenant is compared like any other edit below.
      change = { kind: 'company', from: pass.companyName || `#${pass.companyId}`, to: ticket.companyName || `#${ticket.companyId}` };
    } else {
      // A ticket that lost its user or date, or its mapping, is not a reason to take a pass away: only a clear change is.
      if (!upn || date.kind !== 'date' || !mapping) {
        deps.store.touch(psa, ticket.id, version);
        return { kind: 'unchanged' };
      }
      const newStart = activationInstant(date.date, mapping.timeZone, mapping.activationHour);
      const sameUser = upn === (pass.userPrincipalName ?? '').toLowerCase();
      if (sameUser && newStart.getTime() === Date.parse(pass.startAt)) {
        deps.store.touch(psa, ticket.id, version);
        return { kind: 'unchanged' };
      }
      const oldDate = DateTime.fromISO(pass.startAt, { zone: mapping.timeZone }).toISODate() ?? pass.startAt;
      change = sameUser ? { kind: 'start-date', from: oldDate, to: date.date } : { kind: 'user', from: pass.userPrincipalName ?? '', to: upn };
    }
    const sameUser = change.kind === 'start-date';
    const detail =
      change.kind === 'start-date'
        ? `Start date moved from ${change.from} to ${change.to}: the pass was revoked before it started.`
        : change.kind === 'user'
          ? `The ticket's user changed from ${change.from} to ${change.to}: the pass was revoked before it started.`
          : `The ticket moved from the company ${change.from} to ${change.to}: the pass was revoked before it started.`;
    const code = change.kind === 'start-date' ? 'START_DATE_CHANGED' : change.kind === 'user' ? 'USER_CHANGED' : 'COMPANY_CHANGED';
    await endPass(deps, { pass, event: sameUser ? 'rescheduled' : 'revoked', code, detail, requestedBy: FOLLOWER_REQUESTED_BY, trigger: 'poller' }, () => {
      // Not `issued` any more, and still followed: if the process stops here, the next look handles the new inputs
      // (the fingerprint differs) even though the ticket has left the onboarding queue.
      deps.store.record(psa, ticket.id, { state: 'revoked', fingerprint: ledger.inputFingerprint, ticketUpdatedAt: ledger.ticketUpdatedAt, issuanceId: pass.id, detail }, now());
    });
    deps.logger.info({ psa, ticketId: ticket.id, issuanceId: pass.id, change: change.kind }, 'pass revoked: the ticket changed before the pass started');
    return { kind: 'replace', ticket, replacing: { change, revoked: { startAt: new Date(pass.startAt), expiresAt: new Date(pass.expiresAt ?? pass.startAt) }, userPrincipalName: pass.userPrincipalName ?? upn ?? '' } };
  }

  /**
   * The ticket's pass: the one the ledger names while it lives; once that one was replaced on this ticket (the button
   * re-issued it), the same user's live pass on the ticket, which is followed the same way from then on. A pass for
   * someone else on the ticket is not the onboarding's and is left alone.
   */
  function followedPass(psa: PsaKind, ticketId: string, ledger: PollLedgerRow) {
    const named = ledger.issuanceId ? deps.passes.get(ledger.issuanceId) : undefined;
    if (!named || (named.outcome === 'issued' && !named.endedAt)) return named;
    const live = deps.passes.liveForTicket(psa, ticketId).filter((p) => p.userPrincipalName === named.userPrincipalName).at(-1);
    if (!live) return named;
    const startsAt = live.startAt ? new Date(live.startAt) : undefined;
    deps.store.record(
      psa,
      ticketId,
      { state: 'issued', fingerprint: ledger.inputFingerprint, ticketUpdatedAt: ledger.ticketUpdatedAt, issuanceId: live.id, detail: `re-issued by ${live.requestedBy ?? 'the button'}`, watchUntil: startsAt && startsAt.getTime() > now().getTime() ? startsAt : null },
      now(),
    );
    return live;
  }

  async function cancel(psa: PsaKind, ticket: ListedTicket, ledger: PollLedgerRow): Promise<FollowDecision> {
    const live = deps.passes.liveForTicket(psa, ticket.id);
    const row = deps.store.scheduled(psa, ticket.id);
    const pending = row && (row.state === 'pending' || row.state === 'issuing') ? row : undefined;
    for (const pass of live) await revokeInGraph(deps, pass);
    const status = ticket.statusName ?? ticket.statusId ?? cancelledStatus(psa) ?? '';
    const zone = deps.mappings.get(psa, ticket.companyId)?.timeZone ?? deps.config.tap.defaultTimeZone;
    const first = live[0];
    const upn = first?.userPrincipalName ?? pending?.userPrincipalName ?? '';
    const noteId = deps.transaction(() => {
      const detail = `The ticket moved to the cancelled status "${status}".`;
      for (const pass of live) {
        deps.outbox.discardPassNotes(pass.id, 'pass revoked before its note was written (ONBOARDING_CANCELLED)');
        deps.passes.record({ pass, event: 'cancelled', code: 'ONBOARDING_CANCELLED', detail: `${detail} The pass was revoked.`, requestedBy: FOLLOWER_REQUESTED_BY, trigger: 'poller', endsPass: true });
      }
      if (pending) {
        deps.store.finish(pending.id, 'cancelled', now(), 'onboarding cancelled');
        if (live.length === 0) {
          deps.passes.recordScheduleEvent({ psa, ticketId: ticket.id, companyId: ticket.companyId, userPrincipalName: pending.userPrincipalName, startAt: pending.startAt, event: 'cancelled', code: 'ONBOARDING_CANCELLED', detail: `${detail} The scheduled pass was dropped.`, requestedBy: FOLLOWER_REQUESTED_BY, trigger: 'poller' });
        }
      }
      deps.store.record(psa, ticket.id, { state: 'cancelled', fingerprint: ledger.inputFingerprint, ticketUpdatedAt: ticket.lastUpdated ?? null, issuanceId: ledger.issuanceId, detail, watchUntil: null }, now());
      if (live.length === 0 && !pending) return undefined;
      const note = ticketChangedNote({
        change: { kind: 'cancelled', status },
        userPrincipalName: upn,
        revoked: first?.startAt ? { startAt: new Date(first.startAt), expiresAt: new Date(first.expiresAt ?? first.startAt) } : undefined,
        droppedSchedule: pending ? { startAt: new Date(pending.startAt), issueAt: new Date(pending.issueAt) } : undefined,
        next: undefined,
        timeZone: zone,
      });
      return deps.outbox.enqueue({ psa, ticketId: ticket.id, kind: 'info', note, deadlineAt: new Date(now().getTime() + deps.config.tap.noteDeliveryDeadlineMinutes * 60_000) });
    });
    deps.logger.info({ psa, ticketId: ticket.id, revoked: live.map((p) => p.id), droppedSchedule: pending?.id }, 'onboarding cancelled: pass revoked or schedule dropped');
    if (noteId) await deps.outbox.deliver(noteId);
    return { kind: 'cancelled' };
  }

  return { follow, isCancelled };
}

export type TicketFollower = ReturnType<typeof createTicketFollower>;
