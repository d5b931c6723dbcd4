import { describe, expect, it } from 'vitest';
import { withDeadline } from '../src/deadline.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('withDeadline: one AbortController per request', () => {
  it('leaves no timer behind once the work is done', async () => {
    const before = timers();
    for (let i = 0; i < 50; i += 1) await withDeadline(30_000, async () => i);
    expect(timers()).toBe(before);
  });

  it('aborts work that outlives the deadline with a TimeoutError, and clears the timer after a failure too', async () => {
    const before = timers();
    const error = await withDeadline(20, (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'))))).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    await withDeadline(30_000, async () => {
      throw new Error('refused');
    }).catch(() => undefined);
    expect(timers()).toBe(before);
  });
});
