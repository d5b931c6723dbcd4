import { AsyncLocalStorage } from 'node:async_hooks';
import { jittered } from './backoff.js';
import type { HealthRegistry } from './health.js';
import type { Logger } from './logger.js';
import { errorForLog } from './logger.js';

/**
 * Set around every cycle of a background loop (poller, scheduler, outbox): work nobody is waiting on. The PSA pacing
 * (src/psa/pacing.ts) reads it so a button press is served before a backlog the poller is working through. A context
 * rather than a parameter because the PSA calls sit several layers below the loops (poller → ticket issuance → outbox
 * → adapter), and the same calls serve button presses.
 */
const backgroundWork = new AsyncLocalStorage<true>();

/** Runs `work` as background work: its PSA requests yield to interactive ones. The loops below use it for each cycle. */
export function runAsBackgroundWork<T>(work: () => Promise<T>): Promise<T> {
  return backgroundWork.run(true, work);
}

export function isBackgroundWork(): boolean {
  return backgroundWork.getStore() === true;
}

export interface BackgroundLoop {
  /** Runs one cycle now (or joins the one running) — cycles never overlap. */
  runNow(): Promise<void>;
  /** Stops scheduling and waits for the cycle in progress to finish. */
  stop(): Promise<void>;
}

export interface LoopOptions {
  name: string;
  /** Delay between the end of one cycle and the start of the next. */
  intervalMs: number | (() => number);
  /** ±fraction of the interval added at random, so several instances or PSAs do not fire in lock-step. */
  jitter?: number;
  run: () => Promise<void>;
  logger: Logger;
  health?: HealthRegistry;
  /** Run the first cycle immediately (default true). */
  runAtStart?: boolean;
  /** After a failed cycle, wait this long instead (errors back off per loop without stopping the others). */
  backoffMs?: (consecutiveFailures: number) => number;
}

/** A timer loop that never overlaps itself, reports to the health registry, and backs off after failures. */
export function startLoop(opts: LoopOptions): BackgroundLoop {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped = false;
  let failures = 0;
  opts.health?.report(opts.name, { running: true });

  const interval = () => (typeof opts.intervalMs === 'function' ? opts.intervalMs() : opts.intervalMs);
  const schedule = () => {
    if (stopped) return;
    let delay = interval();
    if (failures > 0 && opts.backoffMs) delay = Math.max(delay, opts.backoffMs(failures));
    delay = jittered(delay, opts.jitter ?? 0);
    timer = setTimeout(() => void cycle(), delay);
    timer.unref?.();
  };
  const cycle = (): Promise<void> => {
    if (current) return current;
    if (timer) clearTimeout(timer);
    current = (async () => {
      try {
        await runAsBackgroundWork(opts.run);
        failures = 0;
        opts.health?.report(opts.name, { running: true, lastSuccessAt: new Date().toISOString() });
      } catch (error) {
        failures += 1;
        const err = errorForLog(error);
        opts.health?.report(opts.name, { running: true, lastErrorAt: new Date().toISOString(), lastError: String(err.message) });
        opts.logger.error({ worker: opts.name, failures, err }, 'background cycle failed');
      } finally {
        current = undefined;
        schedule();
      }
    })();
    return current;
  };

  if (opts.runAtStart === false) schedule();
  else void cycle();

  return {
    runNow: cycle,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
      opts.health?.report(opts.name, { running: false });
    },
  };
}
