/**
 * Counts failed authentication attempts per key (a source address, a (username, source) pair, a PSA and source…) in a
 * sliding window. In memory: one instance serves one site; a restart forgets, which only ever lets an attacker start
 * over at the same slow pace.
 *
 * Use `reserve(key)` BEFORE the first `await` of the attempt (reading the body, calling a vendor, hashing): the
 * reservation counts as a failure until it is settled, so a burst of concurrent attempts cannot all pass the check
 * before the first failure is recorded (check → await → count let 300 of 300 concurrent guesses through).
 */
export interface AttemptThrottle {
  /** Counts one attempt for `key` now, synchronously. Settle it exactly once: `fail()`, `succeed()` or `release()`. */
  reserve(key: string): AttemptReservation;
  /** Failures still allowed for `key` in the window (attempts in flight count as failures). */
  remaining(key: string): number;
}

export interface AttemptReservation {
  /** False when the key has used up its failures for the window: the attempt was not counted and must be refused. */
  readonly allowed: boolean;
  /** When refused: seconds until the oldest counted failure leaves the window (at least 1). */
  readonly retryAfterSeconds: number;
  /** Failures the key may still make after this attempt, should it fail (0 = this is the last one). */
  readonly remainingAfterThis: number;
  /** The attempt failed: it stays counted for the window. */
  fail(): void;
  /** The attempt succeeded: its reservation is dropped and the key's earlier failures are forgotten. */
  succeed(): void;
  /** The attempt proved nothing either way (or succeeded, where success must not wipe the key): drop the reservation. */
  release(): void;
}

export interface AttemptThrottleOptions {
  maxFailures: number;
  windowMs: number;
  now?: () => number;
  /** Keys remembered at most; the oldest is forgotten beyond this (bounds memory under a spray of sources). */
  maxKeys?: number;
}

interface KeyState {
  failures: number[];
  inFlight: number;
}

export function createAttemptThrottle(opts: AttemptThrottleOptions): AttemptThrottle {
  const now = opts.now ?? Date.now;
  const maxKeys = opts.maxKeys ?? 10_000;
  const keys = new Map<string, KeyState>();

  const state = (key: string): KeyState => {
    const cutoff = now() - opts.windowMs;
    const existing = keys.get(key);
    if (existing) {
      existing.failures = existing.failures.filter((t) => t > cutoff);
      return existing;
    }
    return { failures: [], inFlight: 0 };
  };
  const store = (key: string, s: KeyState) => {
    if (s.failures.length === 0 && s.inFlight === 0) {
      keys.delete(key);
      return;
    }
    if (!keys.has(key)) {
      keys.set(key, s);
      if (keys.size > maxKeys) keys.delete(keys.keys().next().value!);
    }
  };
  const used = (s: KeyState) => s.failures.length + s.inFlight;
  const retryAfter = (s: KeyState) => {
    const oldest = s.failures[0];
    if (oldest === undefined) return 1; // only attempts in flight: they settle within seconds
    return Math.max(1, Math.ceil((oldest + opts.windowMs - now()) / 1000));
  };

  const refused = (s: KeyState): AttemptReservation => ({
    allowed: false,
    retryAfterSeconds: retryAfter(s),
    remainingAfterThis: 0,
    fail() {},
    succeed() {},
    release() {},
  });

  const throttle: AttemptThrottle = {
    reserve(key) {
      const s = state(key);
      if (used(s) >= opts.maxFailures) {
        store(key, s);
        return refused(s);
      }
      s.inFlight += 1;
      store(key, s);
      const remainingAfterThis = opts.maxFailures - used(s);
      let settled = false;
      const settle = (outcome: 'fail' | 'succeed' | 'release') => {
        if (settled) return;
        settled = true;
        // The key may have been forgotten meanwhile (maxKeys): then it starts again from this attempt alone.
        const current = keys.get(key) ?? { failures: [], inFlight: 1 };
        current.inFlight = Math.max(0, current.inFlight - 1);
        if (outcome === 'fail') current.failures.push(now());
        if (outcome === 'succeed') current.failures = [];
        store(key, current);
      };
      return {
        allowed: true,
        retryAfterSeconds: 0,
        remainingAfterThis,
        fail: () => settle('fail'),
        succeed: () => settle('succeed'),
        release: () => settle('release'),
      };
    },
    remaining(key) {
      const s = state(key);
      store(key, s);
      return Math.max(0, opts.maxFailures - used(s));
    },
  };
  return throttle;
}

/**
 * Bounds work in flight: at most `max` at a time in total and `perKey` per key. `enter` answers at once — a release
 * function, or undefined when full (answer 429 then, rather than queueing the caller behind an attacker's burst).
 */
export interface InFlightLimit {
  enter(key?: string): (() => void) | undefined;
  /** Work in flight now (in total, or for one key). */
  inFlight(key?: string): number;
}

export function createInFlightLimit(opts: { max?: number; perKey?: number }): InFlightLimit {
  const max = opts.max ?? Number.POSITIVE_INFINITY;
  const perKey = opts.perKey ?? Number.POSITIVE_INFINITY;
  let total = 0;
  const byKey = new Map<string, number>();
  return {
    enter(key = '') {
      const mine = byKey.get(key) ?? 0;
      if (total >= max || mine >= perKey) return undefined;
      total += 1;
      byKey.set(key, mine + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= 1;
        const left = (byKey.get(key) ?? 1) - 1;
        if (left > 0) byKey.set(key, left);
        else byKey.delete(key);
      };
    },
    inFlight: (key) => (key === undefined ? total : (byKey.get(key) ?? 0)),
  };
}
