import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../http.js';
import { opaqueToken } from '../identifiers.js';

export type HaloEnv = { Bindings: HttpBindings; Variables: { scopes: Set<string> } };

/** Scopes Halo knows; `read:actions` is deliberately absent (reference: it does not exist → invalid_scope). */
const KNOWN_SCOPES = new Set([
  'all',
  'all:standard',
  'read:tickets',
  'edit:tickets',
  'read:customers',
  'edit:customers',
  'read:assets',
  'edit:assets',
  'read:crm',
  'edit:crm',
]);

interface IssuedToken {
  scopes: Set<string>;
  expiresAt: number;
}

export class HaloTokens {
  private readonly tokens = new Map<string, IssuedToken>();
  /** Every token request that succeeded, for tests counting logins. */
  issued = 0;

  constructor(
    private readonly client: { clientId: string; clientSecret: string },
    private readonly clock: Clock,
    private readonly lifetimeSeconds: number,
  ) {}

  /** `POST {authUrl}/token`: form-encoded client credentials. */
  async tokenEndpoint(c: Context): Promise<Response> {
    const type = c.req.header('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return c.json({ error: 'invalid_request' }, 400);
    }
    const form = new URLSearchParams(await c.req.text());
    if (form.get('grant_type') !== 'client_credentials') return c.json({ error: 'unsupported_grant_type' }, 400);
    if (form.get('client_id') !== this.client.clientId || form.get('client_secret') !== this.client.clientSecret) {
      return c.json({ error: 'invalid_client' }, 400);
    }
    const scopes = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (scopes.some((s) => !KNOWN_SCOPES.has(s))) return c.json({ error: 'invalid_scope' }, 400);
    const token = opaqueToken();
    // reference/halopsa.md: a token requested without `scope` is still issued — it just fails on every call.
    this.tokens.set(token, { scopes: new Set(scopes), expiresAt: this.clock().getTime() + this.lifetimeSeconds * 1000 });
    this.issued += 1;
    return c.json({ access_token: token, token_type: 'Bearer', expires_in: this.lifetimeSeconds, scope: scopes.join(' ') });
  }

  /** Bearer check for `/api/*`: unknown, expired or scope-less tokens get 401. */
  bearer(): MiddlewareHandler<HaloEnv> {
    return async (c, next) => {
      const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
      const issued = match ? this.tokens.get(match[1]!) : undefined;
      if (!issued || issued.expiresAt <= this.clock().getTime() || issued.scopes.size === 0) {
        return c.json({ Message: 'Authorization has been denied for this request.' }, 401);
      }
      c.set('scopes', issued.scopes);
      await next();
    };
  }

  /** Forgets every token, as if the instance had restarted (clients must fetch a new one on 401). */
  revokeAll(): void {
    this.tokens.clear();
  }
}

/** The token's scopes must include one of `anyOf` (edit implies read; `all` covers everything). Otherwise 403. */
export function requireScope(anyOf: string[]): MiddlewareHandler<HaloEnv> {
  return async (c, next) => {
    const scopes = c.get('scopes');
    if (!scopes.has('all') && !scopes.has('all:standard') && !anyOf.some((s) => scopes.has(s))) {
      return c.json({ ClassName: 'System.Exception', Message: 'You do not have access to this resource at the moment.' }, 403);
    }
    await next();
  };
}
