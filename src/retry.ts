import pRetry from 'p-retry';
import { backoffDelay, type Backoff } from './backoff.js';
import { retryAfterMs } from './retry-after.js';

/**
 * The one retry engine: p-retry counts attempts; the wait between them is the server's `Retry-After` when it sent
 * one (src/retry-after.ts, the one parser), else the backoff (src/backoff.ts). p-retry's own timer is not used (its
 * delay is zero): the wait goes through the caller's `sleep`, so tests inject it and a PSA's pacer can share it.
 */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  backoff: Backoff;
  /** A single wait longer than this (a Retry-After of minutes) is not waited out: the failure stands. */
  maxDelayMs?: number;
  /** Waiting in all; a retry that would go past it is not made (a button press must not hang). */
  maxTotalWaitMs?: number;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
  random?: () => number;
  /** Whether a failure is worth another attempt (undefined: it is not), and the server's Retry-After if it sent one. */
  transient: (failure: unknown) => { retryAfter?: string | null | undefined } | undefined;
  /** Every failed attempt, with the wait it would be followed by (e.g. to hold a shared rate limit after a 429). */
  onFailure?: (info: { failure: unknown; attempt: number; waitMs: number }) => void;
  /** Just before waiting for a retry (e.g. to log it). */
  onRetry?: (info: { failure: unknown; attempt: number; waitMs: number }) => void;
}

/**
 * What `work` threw, carried through p-retry as an Error of ours: p-retry gives up at once on a TypeError it does not
 * take for a network error, and on anything that is not an Error — neither is its business here, `transient` decides.
 */
class AttemptFailed extends Error {
  constructor(readonly failure: unknown) {
    super('attempt failed');
  }
}

export async function retryWithBackoff<T>(work: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const random = opts.random ?? Math.random;
  let waited = 0;
  let next: { waitMs: number } | undefined;
  try {
    return await pRetry(
      async (attempt) => {
        try {
          return await work(attempt);
        } catch (failure) {
          throw new AttemptFailed(failure);
        }
      },
      {
        retries: Math.max(0, opts.maxAttempts - 1),
        minTimeout: 0,
        maxTimeout: 0,
        onFailedAttempt: ({ error, attemptNumber }) => {
          const failure = (error as AttemptFailed).failure;
          const verdict = opts.transient(failure);
          const waitMs = (verdict && retryAfterMs(verdict.retryAfter, opts.now())) ?? backoffDelay(attemptNumber, opts.backoff, random);
          next = verdict ? { waitMs } : undefined;
          opts.onFailure?.({ failure, attempt: attemptNumber, waitMs });
        },
        shouldRetry: async ({ error, attemptNumber }) => {
          if (!next) return false;
          const { waitMs } = next;
          if (waitMs > (opts.maxDelayMs ?? Infinity) || waited + waitMs > (opts.maxTotalWaitMs ?? Infinity)) return false;
          opts.onRetry?.({ failure: (error as AttemptFailed).failure, attempt: attemptNumber, waitMs });
          await opts.sleep(waitMs);
          waited += waitMs;
          return true;
        },
      },
    );
  } catch (error) {
    throw error instanceof AttemptFailed ? error.failure : error;
  }
}
