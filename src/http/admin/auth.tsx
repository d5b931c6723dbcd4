/** @jsxImportSource hono/jsx */
import { randomBytes } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Services } from '../../services.js';
import { createAttemptThrottle, createInFlightLimit } from '../attempt-throttle.js';
import { safeEqual } from '../button-auth.js';
import { clientAddress } from '../client-address.js';
import type { AdminEnv } from './context.js';
import { CSRF_FIELD, Layout, Notice, TextField } from './layout.js';
import { parsePasswordHash, verifyPassword } from './passwords.js';
import { SESSION_TTL_MS, createSessionStore, type SessionStore } from './sessions.js';
import { isHttps, isSameOrigin } from './security.js';

/**
 * Sign-in limits. Failures lock a (username, source address) pair for the window — only whoever failed, never the
 * admin signing in from elsewhere; every attempt is counted before the password is hashed, so a concurrent burst gets
 * no more checks than a patient caller. A spray from many addresses meets the global slow-down (failures per minute,
 * all sources together), which passes within a minute. At most `concurrentChecks` scrypt hashes run at once; beyond
 * that the answer is an immediate 429, not a queue behind an attacker's burst.
 */
export const SIGN_IN_LIMITS = { perAccountAndSource: 5, windowMs: 15 * 60 * 1000, globalFailuresPerMinute: 30, concurrentChecks: 2 };

/** A placeholder hash so a wrong username costs the same scrypt work as a wrong password (no username oracle). */
function decoyHashLike(hash: string | undefined): string {
  const parsed = hash ? parsePasswordHash(hash) : null;
  const { N, r, p } = parsed ?? { N: 32768, r: 8, p: 1 };
  return `scrypt$${N}$${r}$${p}$${Buffer.alloc(16, 1).toString('base64')}$${Buffer.alloc(32, 2).toString('base64')}`;
}

/** `__Host-` cookies are pinned to this host and path "/" and need Secure: used whenever we are served over https. */
function cookieNames(secure: boolean) {
  return secure ? { session: '__Host-tap_admin', signIn: '__Host-tap_admin_signin' } : { session: 'tap_admin', signIn: 'tap_admin_signin' };
}

const safeNext = (next: string | undefined) =>
  next && /^\/admin(?:\/[A-Za-z0-9/_.~%-]*)?(?:\?[A-Za-z0-9_.~%=&+-]*)?$/.test(next) && !next.startsWith('/admin/sign-') ? next : '/admin/companies';

export function forbiddenPage(c: Context<AdminEnv>, message: string) {
  return c.html(
    <Layout title="Request refused" session={c.get('session')}>
      <Notice kind="error">{message}</Notice>
      <p>
        <a href="/admin/companies">Back to the companies</a>
      </p>
    </Layout>,
    403,
  );
}

export interface AdminAuth {
  routes: Hono<AdminEnv>;
  /** Redirects to sign-in without a valid session; sets `session`. */
  requireSession: MiddlewareHandler<AdminEnv>;
  /** Every state-changing request: same origin and the session's CSRF token. */
  requireCsrf: MiddlewareHandler<AdminEnv>;
  sessions: SessionStore;
}

export function adminAuth(services: Services): AdminAuth {
  const { config, logger } = services;
  const secure = isHttps(config);
  const names = cookieNames(secure);
  const sessions = createSessionStore(services.storage.db, services.now);
  const clock = () => services.now().getTime();
  const pairThrottle = createAttemptThrottle({ maxFailures: SIGN_IN_LIMITS.perAccountAndSource, windowMs: SIGN_IN_LIMITS.windowMs, now: clock });
  const globalThrottle = createAttemptThrottle({ maxFailures: SIGN_IN_LIMITS.globalFailuresPerMinute, windowMs: 60_000, now: clock });
  const checks = createInFlightLimit({ max: SIGN_IN_LIMITS.concurrentChecks });
  const decoyHash = decoyHashLike(config.admin.passwordHash);
  const cookieBase = { httpOnly: true, secure, sameSite: 'Strict' as const, path: '/' };

  const signInPage = (c: Context<AdminEnv>, opts: { error?: string; username?: string; next?: string; status?: 200 | 400 | 401 | 403 | 429 }) => {
    const configured = Boolean(config.admin.passwordHash);
    // A fresh token per rendering of the form, bound to a short-lived cookie: no session exists yet to hold it.
    const token = randomBytes(24).toString('base64url');
    if (configured) setCookie(c, names.signIn, token, { ...cookieBase, maxAge: 15 * 60 });
    return c.html(
      <Layout title="Sign in">
        {configured ? (
          <form method="post" action="/admin/sign-in" class="card narrow">
            {opts.error ? (
              <Notice kind="error" id="sign-in-error">
                {opts.error}
              </Notice>
            ) : null}
            <input type="hidden" name={CSRF_FIELD} value={token} />
            <input type="hidden" name="next" value={safeNext(opts.next)} />
            {/* Focus starts in the username; after a failure the error (and any lockout warning) is read with it. */}
            <TextField name="username" label="Username" value={opts.username} autocomplete="username" required autofocus describedBy={opts.error ? 'sign-in-error' : undefined} />
            <TextField name="password" label="Password" type="password" autocomplete="current-password" required />
            <button type="submit">Sign in</button>
          </form>
        ) : (
          <div class="card narrow">
            <Notice kind="warn">No admin password is set, so nobody can sign in yet.</Notice>
            <ol>
              <li>
                Run <code>npm run admin:hash-password</code> and type a password (at least 12 characters).
              </li>
              <li>
                Put the printed line in <code>ADMIN_PASSWORD_HASH</code> (and optionally <code>ADMIN_USERNAME</code>, default{' '}
                <code>admin</code>) in <code>.env</code> or the environment.
              </li>
              <li>Restart the connector and come back to this page.</li>
            </ol>
          </div>
        )}
      </Layout>,
      opts.status ?? (configured ? 200 : 503),
    );
  };

  const routes = new Hono<AdminEnv>();
  routes.get('/admin/sign-in', (c) => signInPage(c, { next: c.req.query('next') }));

  routes.post('/admin/sign-in', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('Request too large', 413) }), async (c) => {
    // A malformed multipart body throws in the parser: that is the caller's mistake (400), not ours (500).
    const form = await c.req.parseBody().catch(() => undefined);
    if (!form) return signInPage(c, { status: 400, error: 'The sign-in form arrived malformed. Please try again.' });
    const text = (key: string) => (typeof form[key] === 'string' ? (form[key]) : '');
    const username = text('username').trim().slice(0, 200);
    const next = text('next');
    const expected = getCookie(c, names.signIn);
    const sameOrigin = isSameOrigin(config, c.req.url, c.req.header('origin'), c.req.header('sec-fetch-site'));
    if (!sameOrigin || !expected || !safeEqual(text(CSRF_FIELD), expected)) {
      return signInPage(c, { username, next, status: 403, error: 'The sign-in form had expired. Please try again.' });
    }
    if (!config.admin.passwordHash) return signInPage(c, {});

    const address = clientAddress(c, config.server.trustProxy);
    const account = username.toLowerCase();
    // Every refusal below happens before any await: the attempt is counted (or refused) synchronously.
    const tooMany = (retryAfterSeconds: number, error: string) => {
      c.header('Retry-After', String(retryAfterSeconds));
      return signInPage(c, { username, next, status: 429, error });
    };
    const pair = pairThrottle.reserve(`${account} ${address}`);
    if (!pair.allowed) {
      logger.warn({ address, account }, 'admin sign-in throttled: too many failures for this account from this address');
      const minutes = Math.ceil(pair.retryAfterSeconds / 60);
      return tooMany(pair.retryAfterSeconds, `Too many failed sign-ins for this account from your address. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`);
    }
    const global = globalThrottle.reserve('all');
    if (!global.allowed) {
      pair.release();
      logger.warn({ address, account }, 'admin sign-in slowed: many failed sign-ins from many addresses');
      return tooMany(global.retryAfterSeconds, `Many sign-ins have failed in the last minute, so sign-in is slowed down. Try again in ${global.retryAfterSeconds} seconds.`);
    }
    const leave = checks.enter();
    if (!leave) {
      pair.release();
      global.release();
      return tooMany(1, 'The connector is busy checking other sign-ins. Try again in a moment.');
    }
    let passwordMatches = false;
    const nameMatches = safeEqual(username, config.admin.username);
    try {
      passwordMatches = await verifyPassword(text('password'), nameMatches ? config.admin.passwordHash : decoyHash);
    } catch (error) {
      // Not a guess that failed, but ours: never leave the reservations counting for ever.
      pair.release();
      global.release();
      throw error;
    } finally {
      leave();
    }
    if (!nameMatches || !passwordMatches) {
      pair.fail();
      global.fail();
      logger.warn({ address, account, attemptsLeft: pair.remainingAfterThis }, 'admin sign-in failed');
      const left = pair.remainingAfterThis;
      const warning =
        left === 0
          ? ` Sign-in for this account from your address is now paused for ${Math.round(SIGN_IN_LIMITS.windowMs / 60_000)} minutes.`
          : left <= 2
            ? ` ${left} attempt${left === 1 ? '' : 's'} left before sign-in for this account from your address is paused.`
            : '';
      return signInPage(c, { username, next, status: 401, error: `The username or password is wrong.${warning}` });
    }
    pair.succeed();
    global.release();
    // Rotation: whatever session id the browser brought is ended, and a new one is made (no session fixation).
    const previous = getCookie(c, names.session);
    if (previous) sessions.destroy(previous);
    const { id } = sessions.create(config.admin.username);
    deleteCookie(c, names.signIn, { path: '/', secure });
    setCookie(c, names.session, id, { ...cookieBase, maxAge: Math.floor(SESSION_TTL_MS / 1000) });
    logger.info({ username: config.admin.username }, 'admin signed in');
    return c.redirect(safeNext(next), 303);
  });

  const requireSession: MiddlewareHandler<AdminEnv> = async (c, next) => {
    const id = getCookie(c, names.session);
    const session = id ? sessions.find(id) : undefined;
    if (!session) {
      const wanted = c.req.method === 'GET' ? `${c.req.path}${new URL(c.req.url).search}` : undefined;
      return c.redirect(`/admin/sign-in${wanted && safeNext(wanted) === wanted ? `?next=${encodeURIComponent(wanted)}` : ''}`, 303);
    }
    c.set('session', session);
    await next();
  };

  const requireCsrf: MiddlewareHandler<AdminEnv> = async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const session = c.get('session');
    if (!isSameOrigin(config, c.req.url, c.req.header('origin'), c.req.header('sec-fetch-site'))) {
      return forbiddenPage(c, 'This form was sent from another site and was refused.');
    }
    const form = await c.req.parseBody().catch((): Record<string, unknown> => ({}));
    const given = form[CSRF_FIELD];
    if (!session || typeof given !== 'string' || !safeEqual(given, session.csrfToken)) {
      return forbiddenPage(c, 'The form was missing its security token or it had expired. Reload the page and try again.');
    }
    await next();
  };

  routes.post('/admin/sign-out', requireSession, requireCsrf, (c) => {
    const id = getCookie(c, names.session);
    if (id) sessions.destroy(id);
    deleteCookie(c, names.session, { path: '/', secure });
    logger.info('admin signed out');
    return c.redirect('/admin/sign-in', 303);
  });

  return { routes, requireSession, requireCsrf, sessions };
}

/** Whether the request carries a live admin session: routes outside /admin (such as /readyz) show more to an admin. */
export function hasAdminSession(services: Services, c: Context): boolean {
  const id = getCookie(c, cookieNames(isHttps(services.config)).session);
  return Boolean(id && createSessionStore(services.storage.db, services.now).find(id));
}
