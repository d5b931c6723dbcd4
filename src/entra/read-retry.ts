import pRetry from 'p-retry';
import { retryAfterMs } from '../retry-after.js';

export interface ReadRetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** A wait longer than this (e.g. a Retry-After of minutes) is not waited out: the failure goes to the caller. */
  maxDelayMs: number;
  /** Wait used without a Retry-After, doubled per retry. */
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

export const DEFAULT_READ_RETRY: Omit<ReadRetryPolicy, 'sleep' | 'now'> = { maxRetries: 3, maxDelayMs: 10_000, baseDelayMs: 500 };

/** What a failed attempt says about retrying: undefined = do not retry; otherwise its Retry-After header, if any. */
export type TransientCheck = (error: unknown) => { retryAfter: string | null | undefined } | undefined;

/**
 * Retries a read (never a write — see createTap) on transient failures, waiting what the server asks for.
 * p-retry counts and stops; its own backoff is zero because the wait happens in shouldRetry, where the
 * server's Retry-After is known.
 */
export function retryRead<T>(read: () => Promise<T>, policy: ReadRetryPolicy, transient: TransientCheck): Promise<T> {
  return pRetry(read, {
    retries: policy.maxRetries,
    minTimeout: 0,
    maxTimeout: 0,
    shouldRetry: async ({ error, retriesConsumed }) => {
      const verdict = transient(error);
      if (!verdict) return false;
      const wait = retryAfterMs(verdict.retryAfter, policy.now()) ?? policy.baseDelayMs * 2 ** retriesConsumed;
      if (wait > policy.maxDelayMs) return false;
      await policy.sleep(wait);
      return true;
    },
  });
}
