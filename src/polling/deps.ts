import type { Config } from '../config/index.js';
import type { PsaKind } from '../domain.js';
import type { MappingStore } from '../db/mappings.js';
import { AppError, isRetryable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TicketFieldSettings } from '../psa/ticket-fields.js';
import type { TicketIssuance } from '../tap/ticket-issuance.js';
import type { PassLedger } from '../lifecycle/passes.js';
import type { IssuanceRow } from '../db/schema.js';
import type { PollingStore } from './store.js';

/** What the poller and the scheduler share. */
export interface OnboardingDeps {
  store: PollingStore;
  tickets: TicketIssuance;
  /** Live passes (a pass the button issued on the ticket counts) and note marks. */
  passes: PassLedger;
  mappings: MappingStore;
  config: Pick<Config, 'connectwise' | 'halo' | 'polling' | 'tap'>;
  logger: Logger;
  now: () => Date;
}

export const POLLER_REQUESTED_BY = 'onboarding poller';
export const SCHEDULER_REQUESTED_BY = 'onboarding scheduler';

export function fieldSettings(config: OnboardingDeps['config'], psa: PsaKind): TicketFieldSettings {
  const c = psa === 'connectwise' ? config.connectwise : config.halo;
  return { upnField: c?.upnField, startDateField: c?.startDateField, dateOrder: config.polling.dateOrder };
}

/** CW_DONE_STATUS (a name or id, resolved by the adapter) or HALO_DONE_STATUS_ID; sent with the pass note. */
export function doneStatusFor(config: OnboardingDeps['config'], psa: PsaKind): string | undefined {
  if (psa === 'connectwise') return config.connectwise?.doneStatus;
  return config.halo?.doneStatusId === undefined ? undefined : String(config.halo.doneStatusId);
}

export function isOnboardingConfigured(config: Pick<Config, 'connectwise' | 'halo'>, psa: PsaKind): boolean {
  return psa === 'connectwise' ? config.connectwise?.onboarding !== undefined : config.halo?.onboarding !== undefined;
}

/**
 * Errors that say "not now" rather than "not this ticket": the PSA or Graph throttling or down, or the connector not
 * set up. The poller stops the cycle there (cursor not advanced past the page) and its loop backs off.
 */
export function isCycleAbort(error: unknown): boolean {
  return isRetryable(error) || (error instanceof AppError && (error.code === 'ENTRA_NOT_CONFIGURED' || error.code === 'PSA_NOT_ENABLED'));
}

export function describeError(error: unknown): string {
  if (error instanceof AppError) return `${error.code}: ${error.detail}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The live pass already on this ticket for this user — one the button issued before the pipeline got to it — which
 * the poller and the scheduler adopt instead of creating another (a create silently replaces it in Graph). Only a
 * pass that stands for the ticket as it reads now: one starting at the ticket's start (`startAt`, when known), or one
 * already started (in use; the enrolment follow-up's). A pass for another start is not the ticket's any more: the
 * ticket's date rules, and the pass the pipeline issues replaces it (its note says so).
 */
export function adoptablePass(
  passes: Pick<PassLedger, 'liveForTicket'>,
  ticket: { psa: PsaKind; ticketId: string; userPrincipalName: string; startAt: Date | undefined },
  now: Date,
): IssuanceRow | undefined {
  const upn = ticket.userPrincipalName.toLowerCase();
  const fits = (p: IssuanceRow) => {
    if (!p.startAt || !ticket.startAt) return true;
    const start = Date.parse(p.startAt);
    return start <= now.getTime() || start === ticket.startAt.getTime();
  };
  return passes.liveForTicket(ticket.psa, ticket.ticketId).find((p) => p.userPrincipalName === upn && fits(p));
}

/**
 * A ticket's pass is followed (src/lifecycle/follow-ticket.ts) until it starts, whoever issued it; a pass already in
 * use is the enrolment follow-up's.
 */
export function followUntil(startAt: string | Date | null | undefined, now: Date): Date | null {
  if (!startAt) return null;
  const at = new Date(startAt);
  return at.getTime() > now.getTime() ? at : null;
}
