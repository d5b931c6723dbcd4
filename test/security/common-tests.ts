import { describe, expect, it } from 'vitest';
import { snapshot } from '../abuse/state.js';
import type { TestHarness } from '../helpers/services.js';

/**
 * One security suite, written once and run against every authenticated route (after unkey's common-tests): missing
 * and wrong credentials, throttling that holds under a concurrent burst and spares the right caller, the body limit,
 * and a caller-written X-Forwarded-For. Each route says how to call it; the suite says what must hold.
 */
export interface SecuredRoute {
  name: string;
  /** A fresh world where a successful call would change something (a pass, a mapping, a session). */
  world(env?: Record<string, string>): Promise<TestHarness>;
  /**
   * Calls the route. `credential` undefined sends none; `from` is the address the (one) trusted proxy reports.
   * `body` replaces the route's normal valid body.
   */
  call(h: TestHarness, opts: { credential?: string; from?: string; body?: string; forwardedFor?: string }): Promise<Response>;
  rightCredential: string;
  wrongCredential(i: number): string;
  /** Status of a successful call. */
  success: number;
  /** Wrong credentials answered 401 per source before further ones are answered 429. */
  failuresPerSource: number;
  /** True for high-entropy secrets: the right one is accepted even from a source that is being slowed. */
  rightAcceptedWhileSlowed: boolean;
  bodyLimitBytes: number;
  /** A body of `bytes` bytes that would otherwise be valid. */
  bodyOfSize(bytes: number): string;
  /** Everything a refused call must leave as it was. */
  state(h: TestHarness): string;
}

const BEHIND_ONE_PROXY = { TRUST_PROXY: '1' };

export function securitySuite(route: SecuredRoute): void {
  describe(`${route.name}: common security cases`, () => {
    it('no credential: 401, nothing changed', async () => {
      const h = await route.world();
      const before = route.state(h);
      expect((await route.call(h, {})).status).toBe(401);
      expect(route.state(h)).toBe(before);
    });

    it('wrong credentials of every shape: 401, nothing changed', async () => {
      const h = await route.world(BEHIND_ONE_PROXY);
      const before = route.state(h);
      const shapes = [route.wrongCredential(0), '', ' ', `${route.rightCredential} `.repeat(2), route.rightCredential.slice(0, -1), route.rightCredential.toUpperCase(), 'x'.repeat(5_000)];
      for (const [i, credential] of shapes.entries()) {
        const res = await route.call(h, { credential, from: `198.51.100.${i + 1}` });
        expect(res.status, JSON.stringify(credential.slice(0, 40))).toBe(401);
      }
      expect(route.state(h)).toBe(before);
    });

    it('the right credential succeeds', async () => {
      const h = await route.world();
      expect((await route.call(h, { credential: route.rightCredential })).status).toBe(route.success);
    });

    it('a concurrent burst of wrong credentials gets no more checks than the limit; the rest are answered 429 with Retry-After', async () => {
      const h = await route.world(BEHIND_ONE_PROXY);
      const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => route.call(h, { credential: route.wrongCredential(i), from: '203.0.113.9' })));
      const unauthorized = responses.filter((r) => r.status === 401).length;
      expect(unauthorized).toBeGreaterThan(0);
      expect(unauthorized).toBeLessThanOrEqual(route.failuresPerSource);
      const throttled = responses.filter((r) => r.status === 429);
      expect(throttled).toHaveLength(100 - unauthorized);
      expect(Number(throttled[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('failures from one source never refuse the right credential from another', async () => {
      const h = await route.world(BEHIND_ONE_PROXY);
      for (let i = 0; i < route.failuresPerSource + 5; i += 1) await route.call(h, { credential: route.wrongCredential(i), from: '203.0.113.9' });
      expect((await route.call(h, { credential: route.wrongCredential(99), from: '203.0.113.9' })).status).toBe(429);
      expect((await route.call(h, { credential: route.rightCredential, from: '198.51.100.7' })).status).toBe(route.success);
    });

    it(route.rightAcceptedWhileSlowed ? 'the right credential is accepted even from the source being slowed' : 'the source that failed is locked, even for the right credential', async () => {
      const h = await route.world(BEHIND_ONE_PROXY);
      for (let i = 0; i < route.failuresPerSource; i += 1) await route.call(h, { credential: route.wrongCredential(i), from: '203.0.113.9' });
      const res = await route.call(h, { credential: route.rightCredential, from: '203.0.113.9' });
      expect(res.status).toBe(route.rightAcceptedWhileSlowed ? route.success : 429);
    });

    it('a caller-written X-Forwarded-For does not change who the caller is', async () => {
      // No proxy configured: every hop is the caller's own writing, and rotating it must not escape the throttle.
      const h = await route.world();
      const statuses: number[] = [];
      for (let i = 0; i < route.failuresPerSource + 3; i += 1) statuses.push((await route.call(h, { credential: route.wrongCredential(i), forwardedFor: `10.0.${i}.1` })).status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    });

    it(`a body over ${route.bodyLimitBytes} bytes is refused with 413, even with the right credential, and changes nothing`, async () => {
      const h = await route.world();
      const before = route.state(h);
      expect((await route.call(h, { credential: route.rightCredential, body: route.bodyOfSize(route.bodyLimitBytes + 1) })).status).toBe(413);
      expect(route.state(h)).toBe(before);
      expect((await route.call(h, { credential: route.rightCredential, body: route.bodyOfSize(route.bodyLimitBytes - 16) })).status).not.toBe(413);
    });
  });
}

/** The state every API route must leave alone when it refuses, plus admin sessions. */
export function connectorState(h: TestHarness): string {
  const sessions = h.services.storage.sqlite.prepare('select count(*) as n from admin_sessions').get() as { n: number };
  return `${snapshot(h)}|sessions:${sessions.n}`;
}
