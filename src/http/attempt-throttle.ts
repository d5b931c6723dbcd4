/**
 * Counts failed authentication attempts per key (address, account) in a sliding window. In memory: one instance
 * serves one site; a restart forgets, which only ever lets an attacker start over at the same slow pace.
 */
export interface AttemptThrottle {
  /** True when this key has used up its failures for the window. */
  blocked(key: string): boolean;
  fail(key: string): void;
  succeed(key: string): void;
}

export function createAttemptThrottle(opts: { maxFailures: number; windowMs: number; now?: () => number }): AttemptThrottle {
  const now = opts.now ?? Date.now;
  const failures = new Map<string, number[]>();
  const recent = (key: string) => {
    const cutoff = now() - opts.windowMs;
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) failures.set(key, list);
    else failures.delete(key);
    return list;
  };
  return {
    blocked: (key) => recent(key).length >= opts.maxFailures,
    fail(key) {
      const list = recent(key);
      list.push(now());
      failures.set(key, list);
      if (failures.size > 10_000) failures.delete(failures.keys().next().value!);
    },
    succeed: (key) => void failures.delete(key),
  };
}
