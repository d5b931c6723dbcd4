import { describe, expect, it } from 'vitest';
import { isBackgroundWork, runAsBackgroundWork, startLoop } from '../../src/background.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createRequestPacer } from '../../src/psa/pacing.js';
import { buildHttpDeps, sendWithRetry, type FetchLike } from '../../src/psa/http.js';
import { TEST_ENV } from '../helpers/services.js';
import { captureLogger } from './helpers.js';

/**
 * A simulated clock: `sleep` registers a timer, `run` fires the timers in time order and lets the code react between
 * them. Nothing really waits, so a minute of pacing costs microseconds, and every time below is simulated.
 */
function simulatedClock() {
  let current = 0;
  let order = 0;
  const timers: { at: number; order: number; fire: () => void }[] = [];
  const sleeps: number[] = [];
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => current,
    sleeps,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        sleeps.push(ms);
        timers.push({ at: current + ms, order: order++, fire: resolve });
      }),
    /** Fires timers up to `until` (all of them when absent), then sets the clock there. */
    async run(until = Number.POSITIVE_INFINITY) {
      for (;;) {
        await settle();
        timers.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = timers[0];
        if (!next || next.at > until) break;
        timers.shift();
        current = Math.max(current, next.at);
        next.fire();
      }
      if (Number.isFinite(until)) current = Math.max(current, until);
      await settle();
    },
  };
}

type Clock = ReturnType<typeof simulatedClock>;

/** A PSA that answers 200 (or what `answer` says) and notes what was sent, and when on the simulated clock. */
function recordingPsa(clock: Clock, answer: (path: string, nth: number) => Response = () => new Response('{}')) {
  const sent: { path: string; at: number }[] = [];
  const fetch: FetchLike = async (input) => {
    const path = new URL(String(input)).pathname;
    sent.push({ path, at: clock.now() });
    return answer(path, sent.filter((s) => s.path === path).length);
  };
  return { sent, fetch };
}

function transport(clock: Clock, fetch: FetchLike, requestsPerMinute: number) {
  return buildHttpDeps('HaloPSA', captureLogger().logger, { fetch, sleep: clock.sleep, now: clock.now, random: () => 0 }, { requestsPerMinute });
}

const get = (path: string) => ({ method: 'GET' as const, url: `https://acme.halopsa.com${path}`, headers: {} });

/** The most requests sent in any `windowMs` (a sliding window starting at each send). */
function mostInWindow(times: number[], windowMs: number): number {
  return Math.max(...times.map((start) => times.filter((t) => t >= start && t < start + windowMs).length));
}

describe('PSA request pacing', () => {
  it('lets a burst of 10 go at once, then holds a flood of requests to the configured rate', async () => {
    const clock = simulatedClock();
    const psa = recordingPsa(clock);
    const http = transport(clock, psa.fetch, 100);
    const all = Promise.all(Array.from({ length: 130 }, (_, i) => sendWithRetry(http, get(`/api/Tickets/${i}`))));
    await clock.run();
    await all;

    const times = psa.sent.map((s) => s.at);
    expect(times).toHaveLength(130);
    expect(times.slice(0, 10).every((t) => t === 0)).toBe(true);
    expect(times[10]).toBeGreaterThan(0);
    // 100 a minute plus the burst, in any minute; and no faster than 100 a minute on average after the burst.
    expect(mostInWindow(times, 60_000)).toBeLessThanOrEqual(110);
    expect(times.at(-1)).toBeGreaterThanOrEqual(((130 - 10) / 100) * 60_000);
    // The pacing waits are the only waits: nothing was retried.
    expect(new Set(psa.sent.map((s) => s.path)).size).toBe(130);
  });

  it('serves interactive requests before background ones already waiting', async () => {
    const clock = simulatedClock();
    const psa = recordingPsa(clock);
    const http = transport(clock, psa.fetch, 60);
    const backlog = runAsBackgroundWork(() => Promise.all(Array.from({ length: 30 }, (_, i) => sendWithRetry(http, get(`/api/Actions/${i}`)))));
    await clock.run(5_000);
    const backgroundSoFar = psa.sent.length;
    const presses = Promise.all([1, 2, 3, 4].map((i) => sendWithRetry(http, get(`/api/Tickets/press-${i}`))));
    await clock.run();
    await Promise.all([backlog, presses]);

    const order = psa.sent.map((s) => s.path);
    const firstPress = order.findIndex((p) => p.includes('press'));
    // Every press went before every background request still queued when the presses arrived.
    expect(firstPress).toBe(backgroundSoFar);
    expect(order.slice(firstPress, firstPress + 4).every((p) => p.includes('press'))).toBe(true);
    // Background work left tokens in the bucket: the first two presses went the moment they were made.
    expect(psa.sent.filter((s) => s.path.includes('press')).map((s) => s.at).slice(0, 2)).toEqual([5_000, 5_000]);
    expect(order).toHaveLength(34);
  });

  it('still gives background work the full configured rate', async () => {
    const clock = simulatedClock();
    const pacer = createRequestPacer({ requestsPerMinute: 60, burst: 10 }, clock);
    const granted: number[] = [];
    const all = Promise.all(Array.from({ length: 68 }, () => pacer.acquire('background').then(() => granted.push(clock.now()))));
    await clock.run();
    await all;
    // 8 at once (two tokens stay for interactive requests), then one a second: 60 more in the next minute.
    expect(granted.filter((t) => t === 0)).toHaveLength(8);
    expect(granted.at(-1)).toBe(60_000);
  });

  it('honours a 429 Retry-After for the refused request and holds every other request to that PSA as long', async () => {
    const clock = simulatedClock();
    const psa = recordingPsa(clock, (path, nth) =>
      path === '/api/Tickets/1' && nth === 1 ? new Response('slow down', { status: 429, headers: { 'Retry-After': '7' } }) : new Response('{}'),
    );
    const http = transport(clock, psa.fetch, 600);
    const refused = sendWithRetry(http, get('/api/Tickets/1'));
    await clock.run(1_000);
    const other = sendWithRetry(http, get('/api/Tickets/2'));
    await clock.run();
    expect((await refused).status).toBe(200);
    expect((await other).status).toBe(200);

    expect(clock.sleeps).toContain(7_000);
    expect(psa.sent).toEqual([
      { path: '/api/Tickets/1', at: 0 },
      // Both wait until the Retry-After is over; the refused request had asked first, but either may go first then.
      expect.objectContaining({ at: 7_000 }),
      expect.objectContaining({ at: 7_000 }),
    ]);
    expect(psa.sent.filter((s) => s.path === '/api/Tickets/1')).toHaveLength(2);
  });

  it('counts retries against the bucket like first attempts', async () => {
    const clock = simulatedClock();
    const psa = recordingPsa(clock, (_path, nth) => (nth <= 2 ? new Response('down', { status: 503 }) : new Response('{}')));
    const http = transport(clock, psa.fetch, 60);
    const all = Promise.all(Array.from({ length: 6 }, (_, i) => sendWithRetry(http, get(`/api/Tickets/${i}`))));
    await clock.run();
    await all;
    // 6 requests, each sent three times (the backoff alone would send 12 of the 18 within 1.5 s): never more than the
    // bucket of 10 plus one a second.
    expect(psa.sent).toHaveLength(18);
    const times = psa.sent.map((s) => s.at).sort((a, b) => a - b);
    times.forEach((at, i) => expect(at).toBeGreaterThanOrEqual((i - 9) * 1_000));
  });

  it('treats the work of a background loop as background, and everything else as interactive', async () => {
    let insideLoop: boolean | undefined;
    const loop = startLoop({ name: 'test', intervalMs: 60_000, logger: captureLogger().logger, run: async () => void (insideLoop = isBackgroundWork()) });
    await loop.runNow();
    await loop.stop();
    expect(insideLoop).toBe(true);
    expect(isBackgroundWork()).toBe(false);
  });
});

describe('pacing settings', () => {
  it('default to 600 a minute for ConnectWise and 100 for Halo, and can be set', () => {
    const defaults = loadConfig(TEST_ENV);
    expect(defaults.connectwise?.maxRequestsPerMinute).toBe(600);
    expect(defaults.halo?.maxRequestsPerMinute).toBe(100);
    const set = loadConfig({ ...TEST_ENV, CW_MAX_REQUESTS_PER_MINUTE: '300', HALO_MAX_REQUESTS_PER_MINUTE: '55' });
    expect(set.connectwise?.maxRequestsPerMinute).toBe(300);
    expect(set.halo?.maxRequestsPerMinute).toBe(55);
  });

  it('refuses a rate of zero, naming the variable', () => {
    expect(() => loadConfig({ ...TEST_ENV, HALO_MAX_REQUESTS_PER_MINUTE: '0' })).toThrow(ConfigError);
    try {
      loadConfig({ ...TEST_ENV, HALO_MAX_REQUESTS_PER_MINUTE: '0' });
    } catch (error) {
      expect((error as ConfigError).problems.join('\n')).toMatch(/^HALO_MAX_REQUESTS_PER_MINUTE: /m);
    }
  });
});
