import { backoffDelay } from '../backoff.js';
import { startLoop, type BackgroundLoop } from '../background.js';
import { PSA_KINDS, type PsaKind } from '../domain.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { fieldSettings, isOnboardingConfigured, type OnboardingDeps } from './deps.js';
import { createTicketFollower } from '../lifecycle/follow-ticket.js';
import { createOnboardingPoller, type OnboardingPoller } from './poller.js';
import { createOnboardingScheduler, type OnboardingScheduler } from './scheduler.js';
import { createPollingStore } from './store.js';

export { createOnboardingPoller, type CycleSummary, type OnboardingPoller, type PollerDeps } from './poller.js';
export { createOnboardingScheduler, type OnboardingScheduler, type SchedulerSummary } from './scheduler.js';
export { createPollingStore, type PollingStore } from './store.js';
export { planIssue, issueInstant, userRetryAt } from './plan.js';

export interface OnboardingWorkers {
  /** The PSAs being polled (empty when onboarding is configured nowhere). */
  readonly psas: readonly PsaKind[];
  stop(): Promise<void>;
}

/** The scheduler never sleeps longer than this, so a row the poller adds is picked up within a minute at worst. */
const SCHEDULER_MAX_SLEEP_MS = 60_000;
/** Backoff after failed cycles: the interval doubled per failure, at most 30 minutes, at least any Retry-After. */
const MAX_BACKOFF_MS = 30 * 60_000;

/** What the onboarding pipeline is built from (src/services.ts); Graph is required (the follower revokes passes). */
export type OnboardingServices = Pick<Services, 'config' | 'logger' | 'storage' | 'mappings' | 'connectors' | 'tickets' | 'passes' | 'outbox' | 'now'> & {
  entra: NonNullable<Services['entra']>;
};

/**
 * The poller (with the ticket follower) and the scheduler, as production runs them. The one place they are wired:
 * the workers below, the bench and the tests build them here, so what is measured is the path production takes.
 */
export function createOnboardingPipeline(services: OnboardingServices): { poller: OnboardingPoller; scheduler: OnboardingScheduler } {
  const { config } = services;
  const deps: OnboardingDeps = {
    store: createPollingStore(services.storage.db),
    tickets: services.tickets,
    passes: services.passes,
    mappings: services.mappings,
    config,
    logger: services.logger.child({ worker: 'onboarding' }),
    now: services.now,
  };
  const follower = createTicketFollower({
    config,
    entra: services.entra,
    passes: services.passes,
    store: deps.store,
    mappings: services.mappings,
    outbox: services.outbox,
    logger: deps.logger,
    transaction: (fn) => services.storage.sqlite.transaction(fn)(),
    now: services.now,
    fieldSettings: (psa) => fieldSettings(config, psa),
  });
  return { poller: createOnboardingPoller({ ...deps, connectors: services.connectors, follower }), scheduler: createOnboardingScheduler(deps) };
}

/**
 * One poller loop per PSA with onboarding configured (`poller:connectwise`, `poller:halo` in /readyz), each with its
 * own backoff so a throttled PSA does not hold up the other, plus the scheduler loop. Nothing starts when no PSA has
 * onboarding configured.
 */
export function startOnboardingWorkers(
  services: Pick<Services, 'config' | 'logger' | 'storage' | 'mappings' | 'entra' | 'connectors' | 'tickets' | 'passes' | 'outbox' | 'health' | 'now'>,
): OnboardingWorkers {
  const { config, logger, health } = services;
  const psas = PSA_KINDS.filter((psa) => isOnboardingConfigured(config, psa) && services.connectors[psa] !== undefined);
  if (psas.length === 0) return { psas, stop: async () => undefined };
  const { entra } = services;
  if (!entra) {
    logger.warn({ psas }, 'onboarding polling is configured but Entra is not; the poller is not started');
    return { psas: [], stop: async () => undefined };
  }
  const { poller, scheduler } = createOnboardingPipeline({ ...services, entra });
  const intervalMs = config.polling.intervalSeconds * 1000;

  const loops: BackgroundLoop[] = psas.map((psa) => {
    let retryAfterMs = 0;
    return startLoop({
      name: `poller:${psa}`,
      intervalMs,
      jitter: 0.1,
      logger,
      health,
      run: async () => {
        try {
          await poller.runCycle(psa);
          retryAfterMs = 0;
        } catch (error) {
          retryAfterMs = error instanceof AppError && error.extra.retryAfterSeconds ? error.extra.retryAfterSeconds * 1000 : 0;
          throw error;
        }
      },
      backoffMs: (failures) => Math.max(retryAfterMs, backoffDelay(failures + 1, { baseMs: intervalMs, maxMs: MAX_BACKOFF_MS })),
    });
  });
  loops.push(
    startLoop({
      name: 'scheduler',
      // Wakes at the next row's instant (no jitter: the time is the point).
      intervalMs: () => scheduler.nextDelayMs(SCHEDULER_MAX_SLEEP_MS),
      logger,
      health,
      run: async () => {
        await scheduler.runDue();
      },
      backoffMs: (failures) => backoffDelay(failures + 1, { baseMs: 5_000, maxMs: MAX_BACKOFF_MS }),
    }),
  );
  logger.info({ psas, intervalSeconds: config.polling.intervalSeconds, leadDays: config.polling.leadDays }, 'onboarding workers started');

  return {
    psas,
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
