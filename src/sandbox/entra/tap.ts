import { Hono, type Context } from 'hono';
import { randomGuid, randomString } from '../identifiers.js';
import { graphError } from './errors.js';
import { findUser, requirePermission, type GraphEnv } from './graph-auth.js';
import type { EntraState, EntraTenant, EntraUser, TapRecord } from './state.js';

const POLICY_PATH = '/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';
const METHODS = '/v1.0/users/:id/authentication/temporaryAccessPassMethods';
const WRITE_METHODS = ['UserAuthenticationMethod.ReadWrite.All', 'UserAuthMethod-TAP.ReadWrite.All'];
const READ_METHODS = [...WRITE_METHODS, 'UserAuthenticationMethod.Read.All', 'UserAuthMethod-TAP.Read.All'];
/** Passes look like `+drkzqAD` or `h&4m%Wq7`: mixed case, digits and a few symbols. */
const PASS_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%&*+=?';
const ALLOWED_FIELDS = new Set(['@odata.type', 'startDateTime', 'lifetimeInMinutes', 'isUsableOnce']);

export interface TapRouteOptions {
  /** Status for the "Converged UserCredentialPolicy" refusal; UNCONFIRMED in the reference, so 400 by default. */
  policyRefusalStatus?: 400 | 403;
}

/** Whether the TAP policy lets this user have a pass: enabled, in an include target, in no exclude target. */
function policyAllows(tenant: EntraTenant, user: EntraUser): boolean {
  const p = tenant.tapPolicy;
  const inGroup = (id: string) => id === 'all_users' || (user.memberOf ?? []).includes(id);
  return p.state === 'enabled' && p.includeTargets.some((t) => inGroup(t.id)) && !p.excludeTargets.some((t) => inGroup(t.id));
}

function methodJson(state: EntraState, tenant: EntraTenant, user: EntraUser, tap: TapRecord, pass: string | null) {
  const now = state.clock().getTime();
  const start = Date.parse(tap.startDateTime);
  let reason: string;
  if (!policyAllows(tenant, user)) reason = 'DisabledByPolicy';
  else if (tap.used && tap.isUsableOnce) reason = 'OneTimeUsed';
  else if (now >= start + tap.lifetimeInMinutes * 60_000) reason = 'Expired';
  else if (now < start) reason = 'NotYetValid';
  else reason = 'EnabledByPolicy';
  return {
    id: tap.id,
    temporaryAccessPass: pass,
    createdDateTime: tap.createdDateTime,
    startDateTime: tap.startDateTime,
    lifetimeInMinutes: tap.lifetimeInMinutes,
    isUsableOnce: tap.isUsableOnce,
    isUsable: reason === 'EnabledByPolicy',
    methodUsabilityReason: reason,
  };
}

/** The TAP method policy and the per-user TAP methods (reference/entra-graph.md, "Temporary Access Pass"). */
export function tapRoutes(state: EntraState, graphOrigin: () => string, opts: TapRouteOptions = {}): Hono<GraphEnv> {
  const app = new Hono<GraphEnv>();
  const context = (c: Context<GraphEnv>, entity: boolean) =>
    `${graphOrigin()}/v1.0/$metadata#users('${c.req.param('id')}')/authentication/temporaryAccessPassMethods${entity ? '/$entity' : ''}`;

  app.get(POLICY_PATH, requirePermission('Policy.Read.AuthenticationMethod', 'Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod'), (c) =>
    c.json({
      '@odata.context': `${graphOrigin()}/v1.0/$metadata#policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity`,
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
      id: 'TemporaryAccessPass',
      ...c.get('tenant').tapPolicy,
    }),
  );

  app.post(METHODS, requirePermission(...WRITE_METHODS), async (c) => {
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const { user } = found;
    const tenant = c.get('tenant');
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) return graphError(c, 400, 'BadRequest', 'Empty Payload. JSON content expected.');
    const unknown = Object.keys(body).find((k) => !ALLOWED_FIELDS.has(k));
    if (unknown) return graphError(c, 400, 'BadRequest', `Property '${unknown}' does not exist on type 'microsoft.graph.temporaryAccessPassAuthenticationMethod'.`);
    const bad = (field: string) => graphError(c, 400, 'BadRequest', `Invalid value for property '${field}'.`);
    if (body.lifetimeInMinutes !== undefined && !Number.isInteger(body.lifetimeInMinutes)) return bad('lifetimeInMinutes');
    if (body.isUsableOnce !== undefined && typeof body.isUsableOnce !== 'boolean') return bad('isUsableOnce');
    let startMs = state.clock().getTime();
    if (body.startDateTime !== undefined) {
      startMs = typeof body.startDateTime === 'string' ? Date.parse(body.startDateTime) : Number.NaN;
      if (Number.isNaN(startMs)) return bad('startDateTime');
    }

    if (user.userType === 'Guest') return graphError(c, 400, 'badRequest', 'Temporary Access Pass cannot be added to an external guest user.');
    if (!policyAllows(tenant, user)) {
      const status = opts.policyRefusalStatus ?? 400;
      return graphError(c, status, status === 400 ? 'badRequest' : 'accessDenied', 'Converged UserCredentialPolicy does not allow creating or updating this authentication method.');
    }
    const policy = tenant.tapPolicy;
    const lifetime = (body.lifetimeInMinutes as number | undefined) ?? policy.defaultLifetimeInMinutes;
    if (lifetime < policy.minimumLifetimeInMinutes || lifetime > policy.maximumLifetimeInMinutes) {
      return graphError(c, 400, 'badRequest', `Invalid LifetimeInMinutes specified. The valid range between ${policy.minimumLifetimeInMinutes} and ${policy.maximumLifetimeInMinutes}.`);
    }
    const now = state.clock();
    const record: TapRecord = {
      id: randomGuid(),
      tenantId: tenant.id,
      userId: user.id,
      temporaryAccessPass: randomString(policy.defaultLength, PASS_ALPHABET),
      createdDateTime: now.toISOString(),
      startDateTime: new Date(startMs).toISOString(),
      lifetimeInMinutes: lifetime,
      // A policy that forces one-time use wins over the request.
      isUsableOnce: policy.isUsableOnce ? true : ((body.isUsableOnce as boolean | undefined) ?? false),
      used: false,
    };
    state.storeTap(record);
    return c.json({ '@odata.context': context(c, true), ...methodJson(state, tenant, user, record, record.temporaryAccessPass) }, 201);
  });

  // The pass is returned by the create call only: reads answer `temporaryAccessPass: null`.
  app.get(METHODS, requirePermission(...READ_METHODS), (c) => {
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const tenant = c.get('tenant');
    const tap = state.tap(tenant.id, found.user.id);
    return c.json({ '@odata.context': context(c, false), value: tap ? [methodJson(state, tenant, found.user, tap, null)] : [] });
  });

  app.get(`${METHODS}/:methodId`, requirePermission(...READ_METHODS), (c) => {
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const tenant = c.get('tenant');
    const tap = state.tap(tenant.id, found.user.id);
    if (!tap || tap.id !== c.req.param('methodId').toLowerCase()) return graphError(c, 404, 'itemNotFound', 'The requested authentication method was not found.');
    return c.json({ '@odata.context': context(c, true), ...methodJson(state, tenant, found.user, tap, null) });
  });

  app.delete(`${METHODS}/:methodId`, requirePermission(...WRITE_METHODS), (c) => {
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const tenant = c.get('tenant');
    const tap = state.tap(tenant.id, found.user.id);
    if (!tap || tap.id !== c.req.param('methodId').toLowerCase()) return graphError(c, 404, 'itemNotFound', 'The requested authentication method was not found.');
    state.deleteTap(tenant.id, found.user.id);
    return c.body(null, 204);
  });

  app.get('/v1.0/users/:id/authentication/methods', requirePermission(...READ_METHODS), (c) => {
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const tenant = c.get('tenant');
    const types: Record<string, string> = {
      password: 'passwordAuthenticationMethod',
      microsoftAuthenticator: 'microsoftAuthenticatorAuthenticationMethod',
      fido2: 'fido2AuthenticationMethod',
      windowsHelloForBusiness: 'windowsHelloForBusinessAuthenticationMethod',
      phone: 'phoneAuthenticationMethod',
    };
    const value: Record<string, unknown>[] = (found.user.methods ?? []).map((m) => ({ '@odata.type': `#microsoft.graph.${types[m]}`, id: `${found.user.id.slice(0, 8)}-${m}` }));
    const tap = state.tap(tenant.id, found.user.id);
    if (tap) value.push({ '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod', ...methodJson(state, tenant, found.user, tap, null) });
    return c.json({ '@odata.context': `${graphOrigin()}/v1.0/$metadata#users('${c.req.param('id')}')/authentication/methods`, value });
  });

  return app;
}
