import { readFileSync } from 'node:fs';
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../../config/index.js';

/**
 * The admin pages' CSP: nothing inline, scripts and styles only from this app, forms only back to it, never framed.
 * The app-wide secureHeaders (app.ts, `overwrite: false`) runs after this and keeps what is set here.
 */
export const ADMIN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function adminSecurityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set('Content-Security-Policy', ADMIN_CSP);
    c.res.headers.set('X-Frame-Options', 'DENY');
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('Referrer-Policy', 'same-origin');
    c.res.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    c.res.headers.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    // Pages show customer data and hold CSRF tokens: never keep them in a shared or back-button cache.
    if (!c.req.path.startsWith('/admin/assets/')) c.res.headers.set('Cache-Control', 'no-store');
  };
}

/** The browser's origin must be ours (or absent, as some clients omit it on same-origin posts). */
export function isSameOrigin(config: Config, requestUrl: string, origin: string | undefined, fetchSite: string | undefined): boolean {
  if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') return false;
  if (!origin) return true;
  const allowed = new Set([new URL(requestUrl).origin, new URL(config.server.publicBaseUrl).origin]);
  return allowed.has(origin);
}

export const isHttps = (config: Config) => config.server.publicBaseUrl.startsWith('https://');

const asset = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

/** The one stylesheet and the one small script, read once at start. */
export const ASSETS: ReadonlyMap<string, { body: string; type: string }> = new Map([
  ['admin.css', { body: asset('admin.css'), type: 'text/css; charset=utf-8' }],
  ['admin.js', { body: asset('admin.js'), type: 'text/javascript; charset=utf-8' }],
]);

/** The asset of that name, if any. A Map, not an object: `constructor` or `__proto__` must not find Object.prototype's. */
export const findAsset = (name: string) => ASSETS.get(name);
