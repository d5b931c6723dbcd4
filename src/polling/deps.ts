import type { Config } from '../config/index.js';
import type { PsaKind } from '../domain.js';
import type { MappingStore } from '../db/mappings.js';
import { AppError, isRetryable } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TicketFieldSettings } from '../psa/ticket-fields.js';
import type { TicketIssuance } from '../tap/ticket-issuance.js';
import type { PassLedger } from '../lifecycle/passes.js';
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
