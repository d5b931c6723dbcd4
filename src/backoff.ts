/**
 * The one backoff formula of the connector. The n-th retry (1-based) waits base × 2^(n−1), capped at `maxMs`, then
 * spread by ±`jitter` (a fraction) so that callers failing together do not come back together. Every retrying part
 * takes its policy from here: PSA requests and Graph reads (src/retry.ts), note delivery, the scheduler, waiting for
 * a user account to appear, and the background loops after failed cycles.
 */
export interface Backoff {
  /** Wait before the first retry, before jitter. */
  baseMs: number;
  /** The doubling stops here (before jitter). */
  maxMs: number;
  /** ± this fraction at random; 0 or absent for none. */
  jitter?: number;
}

export function backoffDelay(retry: number, policy: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  return jittered(ceiling, policy.jitter ?? 0, random);
}

/** `ms` ± `fraction` of it, at random. */
export function jittered(ms: number, fraction: number, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * random() - 1))));
}
