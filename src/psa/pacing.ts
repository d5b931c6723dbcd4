/**
 * Request pacing towards one PSA: a token bucket (one per connector instance) that every request, retry included,
 * draws from before it is sent. Two queues, so a technician's button press is served before the onboarding poller's
 * backlog, and a 429 stops every request to that PSA until its wait is over, not only the one that was refused.
 *
 * Time comes from the injected `now` and `sleep`; a sleep that returned is taken as proof that its time has passed,
 * so tests with a recording `sleep` and a frozen clock still see the bucket refill (and never spin).
 */

export type RequestPriority = 'interactive' | 'background';

export interface PacingSettings {
  requestsPerMinute: number;
  /** Requests that may go at once after a quiet spell. */
  burst?: number;
  /**
   * Tokens background work leaves in the bucket, so a press during a backlog finds one at once instead of waiting
   * for the next refill. Background work still gets the full sustained rate.
   */
  interactiveReserve?: number;
}

export interface RequestPacer {
  /** Resolves when one request may be sent. Interactive waiters are served before background ones. */
  acquire(priority: RequestPriority): Promise<void>;
  /** The PSA answered 429: nothing more is sent for `ms` (capped), whoever asks. */
  holdFor(ms: number): void;
  /** Waits `ms` (a retry's backoff); the pacer counts that time as passed when it returns. */
  sleep(ms: number): Promise<void>;
}

export const DEFAULT_BURST = 10;
const DEFAULT_INTERACTIVE_RESERVE = 2;
/** A Retry-After beyond this holds back one request, not the whole PSA for an hour (the retry gives up anyway). */
const MAX_HOLD_MS = 60_000;
/** Float slack, so a refill computed to land exactly on a whole token is not one ulp short. */
const EPSILON = 1e-9;

export function createRequestPacer(
  settings: PacingSettings,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> },
): RequestPacer {
  const perMs = settings.requestsPerMinute / 60_000;
  const burst = Math.max(1, settings.burst ?? DEFAULT_BURST);
  const reserve = Math.min(burst - 1, Math.max(0, settings.interactiveReserve ?? DEFAULT_INTERACTIVE_RESERVE));
  const waiting: Record<RequestPriority, (() => void)[]> = { interactive: [], background: [] };

  let known = clock.now();
  let tokens = burst;
  let refilledAt = known;
  let holdUntil = -Infinity;
  /** When the earliest pending wake-up fires; a newer, earlier need starts its own. */
  let wakeAt: number | undefined;

  const time = () => (known = Math.max(known, clock.now()));

  async function sleepAndKnow(ms: number): Promise<void> {
    const until = time() + ms;
    try {
      await clock.sleep(ms);
    } finally {
      known = Math.max(known, until);
    }
  }

  function refill(t: number): void {
    // Tokens accrue during a hold too (capped by the burst): the hold decides when, the bucket how many.
    tokens = Math.min(burst, tokens + Math.max(0, t - refilledAt) * perMs);
    refilledAt = Math.max(refilledAt, t);
  }

  const head = (): RequestPriority | undefined =>
    waiting.interactive.length > 0 ? 'interactive' : waiting.background.length > 0 ? 'background' : undefined;
  const need = (priority: RequestPriority) => (priority === 'interactive' ? 1 : 1 + reserve);

  function grant(t: number): void {
    for (let p = head(); p && t >= holdUntil && tokens + EPSILON >= need(p); p = head()) {
      tokens -= 1;
      waiting[p].shift()!();
    }
  }

  /** Grants what the bucket allows now, then makes sure someone wakes up when the next waiter can go. */
  function serve(): void {
    const t = time();
    refill(t);
    grant(t);
    const next = head();
    if (!next) return;
    const from = Math.max(t, holdUntil);
    const tokensThen = Math.min(burst, tokens + (from - t) * perMs);
    const delay = Math.max(1, Math.ceil(from - t + Math.max(0, need(next) - tokensThen) / perMs));
    const due = t + delay;
    if (wakeAt !== undefined && wakeAt <= due) return;
    wakeAt = due;
    void sleepAndKnow(delay).finally(() => {
      if (wakeAt === due) wakeAt = undefined;
      serve();
    });
  }

  return {
    acquire(priority) {
      return new Promise<void>((resolve) => {
        waiting[priority].push(resolve);
        serve();
      });
    },
    holdFor(ms) {
      holdUntil = Math.max(holdUntil, time() + Math.min(Math.max(0, ms), MAX_HOLD_MS));
    },
    sleep: sleepAndKnow,
  };
}
