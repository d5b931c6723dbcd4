import { describe, expect, it } from 'vitest';
import { backoffDelay, jittered } from '../src/backoff.js';
import { retryWithBackoff, type RetryOptions } from '../src/retry.js';

const NOW = new Date('2026-12-01T10:00:00Z');

function options(over: Partial<RetryOptions> = {}) {
  const waits: number[] = [];
  const opts: RetryOptions = {
    maxAttempts: 4,
    backoff: { baseMs: 100, maxMs: 1_000 },
    sleep: async (ms) => {
      waits.push(ms);
    },
    now: () => NOW,
    transient: () => ({}),
    ...over,
  };
  return { opts, waits };
}

/** Fails `times` times with `failure`, then answers 'done'. */
function flaky(times: number, failure: () => unknown) {
  let calls = 0;
  const work = async () => {
    calls += 1;
    if (calls <= times) throw failure();
    return 'done';
  };
  return { work, calls: () => calls };
}

describe('backoffDelay: the one formula', () => {
  it('doubles from the base, stops at the cap, and spreads by ± the jitter', () => {
    const policy = { baseMs: 15_000, maxMs: 300_000, jitter: 0.2 };
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffDelay(n, policy, () => 0.5))).toEqual([15_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
    expect(backoffDelay(1, policy, () => 0)).toBe(12_000);
    expect(backoffDelay(1, policy, () => 1)).toBe(18_000);
    expect(jittered(1_000, 0, Math.random)).toBe(1_000);
  });
});

describe('retryWithBackoff', () => {
  it('retries with the backoff through the injected sleep, then answers', async () => {
    const { opts, waits } = options();
    const f = flaky(2, () => new Error('down'));
    expect(await retryWithBackoff(f.work, opts)).toBe('done');
    expect(waits).toEqual([100, 200]);
  });

  it('waits what Retry-After says (seconds or an HTTP date) instead of the backoff', async () => {
    const { opts, waits } = options({ transient: (e) => ({ retryAfter: (e as { header: string }).header }) });
    const headers = ['3', new Date(NOW.getTime() + 7_000).toUTCString()];
    let i = 0;
    const f = flaky(2, () => Object.assign(new Error('throttled'), { header: headers[i++] }));
    expect(await retryWithBackoff(f.work, opts)).toBe('done');
    expect(waits).toEqual([3_000, 7_000]);
  });

  it('gives the failure back as thrown after the last attempt, without waiting after it', async () => {
    const { opts, waits } = options({ maxAttempts: 3 });
    const failure = new Error('still down');
    const f = flaky(10, () => failure);
    await expect(retryWithBackoff(f.work, opts)).rejects.toBe(failure);
    expect(f.calls()).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it('does not retry what is not transient — even a TypeError, or a thrown non-Error, is the caller\'s to judge', async () => {
    const { opts, waits } = options({ transient: (e) => (e instanceof TypeError || typeof e === 'string' ? {} : undefined) });
    const typeError = flaky(1, () => new TypeError('Cannot read properties of undefined'));
    expect(await retryWithBackoff(typeError.work, opts)).toBe('done');
    const notError = flaky(1, () => 'a string');
    expect(await retryWithBackoff(notError.work, opts)).toBe('done');
    const permanent = new RangeError('no');
    await expect(retryWithBackoff(flaky(1, () => permanent).work, opts)).rejects.toBe(permanent);
    expect(waits).toEqual([100, 100]);
  });

  it('does not wait out a Retry-After longer than maxDelayMs, nor go past maxTotalWaitMs', async () => {
    const long = options({ maxDelayMs: 10_000, transient: () => ({ retryAfter: '120' }) });
    const f = flaky(1, () => new Error('throttled'));
    await expect(retryWithBackoff(f.work, long.opts)).rejects.toThrow('throttled');
    expect(long.waits).toEqual([]);
    const total = options({ maxTotalWaitMs: 250 });
    await expect(retryWithBackoff(flaky(10, () => new Error('down')).work, total.opts)).rejects.toThrow('down');
    expect(total.waits).toEqual([100]); // 100 + 200 would pass 250
  });

  it('reports every failed attempt with its wait, the last one too', async () => {
    const seen: number[] = [];
    const { opts } = options({ maxAttempts: 2, onFailure: ({ attempt }) => seen.push(attempt) });
    await expect(retryWithBackoff(flaky(5, () => new Error('x')).work, opts)).rejects.toThrow('x');
    expect(seen).toEqual([1, 2]);
  });
});
