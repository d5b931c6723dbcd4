import { retryWithBackoff } from '../retry.js';

export interface ReadRetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** A wait longer than this (e.g. a Retry-After of minutes) is not waited out: the failure goes to the caller. */
  maxDelayMs: number;
  /** Wait used without a Retry-After, doubled per retry (src/backoff.ts, no jitter). */
  baseDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => Date;
}

export const DEFAULT_READ_RETRY: Omit<ReadRetryPolicy, 'sleep' | 'now'> = { maxRetries: 3, maxDelayMs: 10_000, baseDelayMs: 500 };

/** What a failed attempt says about retrying: undefined = do not retry; otherwise its Retry-After header, if any. */
export type TransientCheck = (error: unknown) => { retryAfter: string | null | undefined } | undefined;

/**
 * Retries a read (never a write — see createTap) on transient failures, waiting what the server asks for, through the
 * one retry engine (src/retry.ts). The doubling is not capped: `maxDelayMs` ends the retries instead.
 */
export function retryRead<T>(read: () => Promise<T>, policy: ReadRetryPolicy, transient: TransientCheck): Promise<T> {
  return retryWithBackoff(read, {
    maxAttempts: policy.maxRetries + 1,
    backoff: { baseMs: policy.baseDelayMs, maxMs: Infinity },
    maxDelayMs: policy.maxDelayMs,
    sleep: policy.sleep,
    now: policy.now,
    transient,
  });
}
