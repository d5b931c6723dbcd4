import { describe, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from '../../src/http/admin/auth.js';
import { ADMIN, AdminClient, adminHarness, signedIn } from './helpers.js';

const PAGES = ['/admin', '/admin/companies', '/admin/companies/connectwise/101', '/admin/suggestions', '/admin/mappings', '/admin/mappings/export.csv', '/admin/audit', '/admin/health'];
const FORMS = ['/admin/companies/refresh', '/admin/companies/connectwise/101', '/admin/companies/connectwise/101/accept', '/admin/companies/connectwise/101/delete', '/admin/mappings/import', '/admin/sign-out'];

describe('admin sign-in and sessions', () => {
  it('sends every page and form to sign-in without a session', async () => {
    const h = await adminHarness();
    for (const path of PAGES) {
      const res = await h.app.request(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toMatch(/^\/admin\/sign-in/);
    }
    for (const path of FORMS) {
      const res = await h.app.request(path, { method: 'POST', body: new URLSearchParams({ tenant: 'contoso.example' }) });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe('/admin/sign-in');
    }
    expect(h.services.mappings.list()).toHaveLength(0);
  });

  it('remembers the page asked for and returns to it after sign-in', async () => {
    const h = await adminHarness();
    const res = await h.app.request('/admin/audit?outcome=issued');
    expect(res.headers.get('location')).toBe(`/admin/sign-in?next=${encodeURIComponent('/admin/audit?outcome=issued')}`);
    const client = new AdminClient(h);
    await client.get(res.headers.get('location')!);
    const signIn = await client.post('/admin/sign-in', { username: ADMIN.username, password: ADMIN.password, next: '/admin/audit?outcome=issued' });
    expect(signIn.headers.get('location')).toBe('/admin/audit?outcome=issued');
  });

  it('never redirects off-site after sign-in', async () => {
    const h = await adminHarness();
    const client = new AdminClient(h);
    await client.get('/admin/sign-in');
    const res = await client.post('/admin/sign-in', { username: ADMIN.username, password: ADMIN.password, next: '//evil.example/admin' });
    expect(res.headers.get('location')).toBe('/admin/companies');
  });

  it('sets an HttpOnly, SameSite=Strict session cookie, Secure with __Host- behind https', async () => {
    const h = await adminHarness();
    const client = new AdminClient(h);
    await client.get('/admin/sign-in');
    const res = await client.post('/admin/sign-in', { username: ADMIN.username, password: ADMIN.password });
    const cookie = res.headers.getSetCookie().find((l) => l.startsWith('tap_admin='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/);

    const https = await adminHarness({ env: { PUBLIC_BASE_URL: 'https://tap.msp.example' } });
    const secureClient = new AdminClient(https);
    await secureClient.get('/admin/sign-in');
    const secureRes = await secureClient.post('/admin/sign-in', { username: ADMIN.username, password: ADMIN.password });
    const secureCookie = secureRes.headers.getSetCookie().find((l) => l.startsWith('__Host-tap_admin='))!;
    expect(secureCookie).toMatch(/Secure/);
    expect(secureCookie).toMatch(/HttpOnly/);
    expect(secureCookie).toMatch(/SameSite=Strict/);
    expect(secureCookie).toMatch(/Path=\//);
  });

  it('stores only a hash of the session id', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    const rows = h.services.storage.sqlite.prepare('select id_hash from admin_sessions').all() as { id_hash: string }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id_hash).not.toBe(client.sessionCookie());
  });

  it('rotates the session at sign-in: the id the browser brought is ended, never adopted', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    const first = client.sessionCookie()!;
    await client.signIn();
    const second = client.sessionCookie()!;
    expect(second).not.toBe(first);
    const stale = await h.app.request('/admin/companies', { headers: { cookie: `tap_admin=${first}` } });
    expect(stale.status).toBe(303);

    // Fixation: an id planted before sign-in is replaced by one the server made.
    const victim = new AdminClient(h);
    const planted = 'A'.repeat(43);
    victim.cookies.set('tap_admin', planted);
    await victim.signIn();
    expect(victim.sessionCookie()).not.toBe(planted);
    expect((await victim.get('/admin/companies')).status).toBe(200);
  });

  it('refuses a wrong password or username with the same message', async () => {
    const h = await adminHarness();
    const client = new AdminClient(h);
    const wrongPassword = await client.signIn(ADMIN.username, 'nope');
    expect(wrongPassword.status).toBe(401);
    expect(client.lastHtml).toContain('The username or password is wrong.');
    const wrongUser = await client.signIn('root', ADMIN.password);
    expect(wrongUser.status).toBe(401);
    expect(client.lastHtml).toContain('The username or password is wrong.');
    expect(client.sessionCookie()).toBeUndefined();
  });

  it(`locks an account for one address after ${SIGN_IN_LIMITS.perAccountAndSource} failures, even for the right password, until the window passes`, async () => {
    const h = await adminHarness();
    const client = new AdminClient(h);
    for (let i = 0; i < SIGN_IN_LIMITS.perAccountAndSource; i += 1) expect((await client.signIn(ADMIN.username, `guess-${i}`)).status).toBe(401);
    const blocked = await client.signIn();
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe(String(SIGN_IN_LIMITS.windowMs / 1000));
    expect(client.lastHtml).toContain('Too many failed sign-ins');
    expect(client.sessionCookie()).toBeUndefined();

    h.clock.now = new Date(h.clock.now.getTime() + SIGN_IN_LIMITS.windowMs + 1000);
    expect((await client.signIn()).status).toBe(303);
  });

  it('the lock holds one (username, address) pair: the same address with another username, and the admin elsewhere, are still checked', async () => {
    const h = await adminHarness({ env: { TRUST_PROXY: '1' } });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const client = new AdminClient(h);
    for (let i = 0; i < SIGN_IN_LIMITS.perAccountAndSource; i += 1) {
      await client.get('/admin/sign-in');
      expect((await client.post('/admin/sign-in', { username: ADMIN.username, password: `x${i}` }, { headers: from('203.0.113.9') })).status).toBe(401);
    }
    await client.get('/admin/sign-in');
    expect((await client.post('/admin/sign-in', { username: ADMIN.username, password: ADMIN.password }, { headers: from('203.0.113.9') })).status).toBe(429);
    await client.get('/admin/sign-in');
    expect((await client.post('/admin/sign-in', { username: 'someone', password: 'x' }, { headers: from('203.0.113.9') })).status).toBe(401);
    await client.get('/admin/sign-in');
    expect((await client.post('/admin/sign-in', { username: ADMIN.username, password: ADMIN.password }, { headers: from('198.51.100.7') })).status).toBe(303);
  });

  it('refuses a sign-in post that did not come from the sign-in form (login CSRF)', async () => {
    const h = await adminHarness();
    const res = await h.app.request('/admin/sign-in', { method: 'POST', body: new URLSearchParams({ username: ADMIN.username, password: ADMIN.password }) });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().some((l) => l.startsWith('tap_admin='))).toBe(false);
  });

  it('explains how to set a password when none is configured', async () => {
    const h = await adminHarness({ env: { ADMIN_PASSWORD_HASH: '' } });
    const res = await h.app.request('/admin/sign-in');
    const html = await res.text();
    expect(html).toContain('npm run admin:hash-password');
    expect(html).toContain('ADMIN_PASSWORD_HASH');
    expect(html).not.toContain('name="password"');
  });

  it('signs out: the session ends on the server, not only in the browser', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    const id = client.sessionCookie()!;
    await client.get('/admin/companies');
    const res = await client.post('/admin/sign-out', {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/sign-in');
    expect(client.sessionCookie()).toBeUndefined();
    expect((await h.app.request('/admin/companies', { headers: { cookie: `tap_admin=${id}` } })).status).toBe(303);
  });

  it('ends sessions after their lifetime', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    h.clock.now = new Date(h.clock.now.getTime() + 8 * 60 * 60 * 1000 + 1);
    expect((await client.get('/admin/companies')).status).toBe(303);
  });
});

describe('CSRF and security headers', () => {
  it('refuses a form without the CSRF token with a 403 page and changes nothing', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    const res = await client.post('/admin/companies/connectwise/101', { tenant: 'contoso.example', enabled: 'true' }, { csrf: false });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(client.lastHtml).toContain('security token');
    expect(h.services.mappings.list()).toHaveLength(0);
  });

  it('refuses a wrong token, another session’s token, and a cross-site origin', async () => {
    const h = await adminHarness();
    const alice = await signedIn(h);
    await alice.get('/admin/companies');
    const aliceToken = alice.csrf();
    const bob = await signedIn(h);
    await bob.get('/admin/companies');
    expect((await bob.post('/admin/companies/connectwise/101', { tenant: 'contoso.example', _csrf: 'x'.repeat(43) })).status).toBe(403);
    expect((await bob.post('/admin/companies/connectwise/101', { tenant: 'contoso.example', _csrf: aliceToken })).status).toBe(403);
    await bob.get('/admin/companies');
    const cross = await bob.post('/admin/companies/connectwise/101', { tenant: 'contoso.example' }, { headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect(h.services.mappings.list()).toHaveLength(0);
  });

  it('accepts the form with its token', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    const res = await client.post('/admin/companies/connectwise/101', { tenant: 'contoso.example', time_zone: 'UTC', activation_hour: '8', enabled: 'true' }, { headers: { origin: 'http://localhost' } });
    expect(res.status).toBe(200);
    expect(h.services.mappings.get('connectwise', '101')).toBeDefined();
  });

  it('puts a strict CSP and framing, sniffing and caching headers on every page', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    for (const path of ['/admin/sign-in', '/admin/companies', '/admin/audit', '/admin/health']) {
      const res = await client.get(path);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    // No inline script or style anywhere: the CSP would block them, so they must not be needed.
    expect(client.lastHtml).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(client.lastHtml).not.toMatch(/\sstyle="/);
  });

  it('serves the stylesheet without a session', async () => {
    const h = await adminHarness();
    const res = await h.app.request('/admin/assets/admin.css');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/css/);
    expect(await res.text()).toContain(':focus-visible');
  });
});
