import { describe, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from '../../src/http/admin/auth.js';
import { hashPassword } from '../../src/http/admin/passwords.js';
import { ADMIN, AdminClient, adminHarness } from '../admin/helpers.js';
import type { TestHarness } from '../helpers/services.js';

/**
 * A browser that fetched the sign-in form once and then posts it many times at once, from the address its proxy
 * reports (TRUST_PROXY=1 in these tests).
 */
async function signInForm(h: TestHarness) {
  const client = new AdminClient(h);
  await client.get('/admin/sign-in');
  const csrf = client.csrf();
  const cookie = `tap_admin_signin=${client.cookies.get('tap_admin_signin')}`;
  return (password: string, from: string, username = ADMIN.username) =>
    h.app.request('/admin/sign-in', {
      method: 'POST',
      headers: { cookie, 'x-forwarded-for': from },
      body: new URLSearchParams({ username, password, _csrf: csrf }),
    });
}

const signedIn = (res: Response) => res.status === 303 && res.headers.getSetCookie().some((l) => l.startsWith('tap_admin='));
const BEHIND_PROXY = { TRUST_PROXY: '1' };

describe('admin sign-in under a concurrent burst', () => {
  it('300 concurrent wrong passwords: at most the limit are checked, the rest are refused at once', async () => {
    const h = await adminHarness({ env: BEHIND_PROXY });
    const post = await signInForm(h);
    const responses = await Promise.all(Array.from({ length: 300 }, async (_, i) => post(`wrong-${i}`, '203.0.113.9')));
    const checked = responses.filter((r) => r.status === 401).length;
    expect(checked).toBeGreaterThan(0);
    expect(checked).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAccountAndSource);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(300 - checked);
    expect(responses.find((r) => r.status === 429)!.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('the right password inside a concurrent burst of 30 wrong ones does not sign in', async () => {
    const h = await adminHarness({ env: BEHIND_PROXY });
    const post = await signInForm(h);
    const responses = await Promise.all([...Array.from({ length: 30 }, (_, i) => post(`wrong-${i}`, '203.0.113.9')), post(ADMIN.password, '203.0.113.9')]);
    expect(signedIn(responses.at(-1)!)).toBe(false);
    expect(responses.filter((r) => r.status === 401).length).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAccountAndSource);
    expect(h.services.storage.sqlite.prepare('select count(*) as n from admin_sessions').get()).toEqual({ n: 0 });
  });

  it(`scrypt runs at most ${SIGN_IN_LIMITS.concurrentChecks} at a time; the rest are answered 429 at once, not queued`, async () => {
    // A real-cost hash, so that checks in flight overlap.
    const hash = await hashPassword(ADMIN.password, { N: 2 ** 14, r: 8, p: 1 });
    const h = await adminHarness({ env: { ...BEHIND_PROXY, ADMIN_PASSWORD_HASH: hash } });
    const post = await signInForm(h);
    const started = performance.now();
    const timed = (p: Response | Promise<Response>) => Promise.resolve(p).then((res) => ({ res, ms: performance.now() - started }));
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => timed(post(`wrong-${i}`, `198.51.100.${i + 1}`))));
    const checked = results.filter((r) => r.res.status === 401);
    const busy = results.filter((r) => r.res.status === 429);
    expect(checked).toHaveLength(SIGN_IN_LIMITS.concurrentChecks);
    expect(busy).toHaveLength(12 - SIGN_IN_LIMITS.concurrentChecks);
    // Refused before any check finished: nobody waits behind a queue of hashes.
    const firstCheckDone = Math.min(...checked.map((r) => r.ms));
    for (const r of busy) expect(r.ms).toBeLessThan(firstCheckDone);
    expect(busy[0]!.res.headers.get('retry-after')).toBe('1');
  });
});

describe('admin sign-in lockouts hurt only the one who failed', () => {
  it('failures as admin from one address do not lock the real admin out from another', async () => {
    const h = await adminHarness({ env: BEHIND_PROXY });
    const post = await signInForm(h);
    for (let i = 0; i < SIGN_IN_LIMITS.perAccountAndSource + 3; i += 1) await post(`wrong-${i}`, '203.0.113.9');
    expect((await post(ADMIN.password, '203.0.113.9')).status).toBe(429);
    expect(signedIn(await post(ADMIN.password, '198.51.100.7'))).toBe(true);
  });

  it('warns before the lockout how many attempts are left', async () => {
    const h = await adminHarness({ env: BEHIND_PROXY });
    const post = await signInForm(h);
    const pages: string[] = [];
    for (let i = 0; i < SIGN_IN_LIMITS.perAccountAndSource; i += 1) pages.push(await (await post(`wrong-${i}`, '203.0.113.9')).text());
    expect(pages[0]).not.toMatch(/attempts? left/);
    expect(pages.at(-3)).toContain('2 attempts left');
    expect(pages.at(-2)).toContain('1 attempt left');
    expect(pages.at(-1)).toMatch(/paused for 15 minutes/);
    const locked = await post(ADMIN.password, '203.0.113.9');
    expect(await locked.text()).toContain('Too many failed sign-ins');
  });

  it('a spray from many addresses is slowed globally, and the slow-down passes within a minute', async () => {
    const h = await adminHarness({ env: BEHIND_PROXY });
    const post = await signInForm(h);
    for (let i = 0; i < SIGN_IN_LIMITS.globalFailuresPerMinute; i += 1) expect((await post(`wrong-${i}`, `10.1.${i >> 8}.${i & 255}`)).status).toBe(401);
    const slowed = await post('wrong-again', '10.9.9.9');
    expect(slowed.status).toBe(429);
    expect(Number(slowed.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    h.clock.now = new Date(h.clock.now.getTime() + 61_000);
    expect(signedIn(await post(ADMIN.password, '198.51.100.7'))).toBe(true);
  });
});
