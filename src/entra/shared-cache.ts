/**
 * A per-key cache that keeps a value for `ttlMs` and lets concurrent callers for a missing key share one load.
 * Failures are not cached: the next caller loads again.
 */
export function createSharedCache<T>(ttlMs: number, now: () => Date) {
  const values = new Map<string, { value: T; expiresAt: number }>();
  const loading = new Map<string, Promise<T>>();

  /** `fresh` skips a cached value (an admin's connection test must see the tenant as it is now) and refreshes it. */
  return function get(key: string, load: () => Promise<T>, fresh = false): Promise<T> {
    const cached = values.get(key);
    if (!fresh && cached && cached.expiresAt > now().getTime()) return Promise.resolve(cached.value);
    const pending = loading.get(key);
    if (pending) return pending;
    const request = load()
      .then((value) => {
        if (ttlMs > 0) values.set(key, { value, expiresAt: now().getTime() + ttlMs });
        return value;
      })
      .finally(() => loading.delete(key));
    loading.set(key, request);
    return request;
  };
}
