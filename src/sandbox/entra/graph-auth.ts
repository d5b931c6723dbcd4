import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { graphError } from './errors.js';
import type { EntraState, EntraTenant, EntraUser } from './state.js';

export type GraphEnv = { Bindings: HttpBindings; Variables: { tenant: EntraTenant } };

/**
 * Bearer check for `/v1.0/*`. Graph URLs do not name a tenant: the token does. Every route sees only the tenant the
 * token was issued for, so a token from one customer can never read or write another's users.
 */
export function graphBearer(state: EntraState): MiddlewareHandler<GraphEnv> {
  return async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match) return graphError(c, 401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const tenantId = state.tokenTenant(match[1]!);
    if (tenantId === 'expired') return graphError(c, 401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    const tenant = tenantId ? state.tenant(tenantId) : undefined;
    if (!tenant) return graphError(c, 401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    c.set('tenant', tenant);
    await next();
  };
}

/** Application permission check: one of `anyOf` must be consented in the token's tenant (all are, unless seeded otherwise). */
export function requirePermission(...anyOf: string[]): MiddlewareHandler<GraphEnv> {
  return async (c, next) => {
    const granted = c.get('tenant').grantedPermissions;
    if (granted && !anyOf.some((p) => granted.includes(p))) {
      return graphError(c, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    await next();
  };
}

/**
 * The `{id}` of `/users/{id}`: an object id or a UPN. A UPN starting with `$` must use the `/users('$x@y')` form
 * (reference/entra-graph.md); written bare it is refused here, as Graph reads `$` as a system segment.
 */
export function findUser(c: Context<GraphEnv>, state: EntraState): { user: EntraUser } | { error: Response } {
  const raw = c.req.param('id') ?? '';
  if (/\/users\/(\$|%24)/i.test(new URL(c.req.url).pathname)) {
    return { error: graphError(c, 400, 'Request_BadRequest', `Invalid object identifier '${raw}'.`) };
  }
  const user = state.user(c.get('tenant').id, raw);
  if (!user) {
    return {
      error: graphError(c, 404, 'Request_ResourceNotFound', `Resource '${raw}' does not exist or one of its queried reference-property objects are not present.`),
    };
  }
  return { user };
}

/** Rewrites `/users('x')` to `/users/x` for routing; the handlers still see the raw URL (see findUser). */
export function graphPath(request: Request): string {
  const path = new URL(request.url).pathname;
  return path.replace(/\/users\((?:'|%27)(.*?)(?:'|%27)\)/i, (_m, id: string) => `/users/${encodeURIComponent(decodeURIComponent(id).replace(/''/g, "'"))}`);
}
