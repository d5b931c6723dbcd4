import { Hono, type Context } from 'hono';
import { randomGuid, randomString } from '../identifiers.js';
import { graphError } from './errors.js';
import { findUser, requirePermission, type GraphEnv } from './graph-auth.js';
import type { AuthMethodRecord, EntraState, EntraTenant, EntraUser, TapRecord } from './state.js';

const POLICY_PATH = '/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';
const METHODS = '/v1.0/users/:id/authentication/temporaryAccessPassMethods';
const WRITE_METHODS = ['UserAuthenticationMethod.ReadWrite.All', 'UserAuthMethod-TAP.ReadWrite.All'];
const READ_METHODS = [...WRITE_METHODS, 'UserAuthenticationMethod.Read.All', 'UserAuthMethod-TAP.Read.All'];
/** Passes look like `+drkzqAD` or `h&4m%Wq7`: mixed case, digits and a few symbols. */
const PASS_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!@#$%&*+=?';
/** The create body's only fields (graph-doc-facts.md); anything else is refused as Graph refuses unknown properties. */
const ALLOWED_FIELDS = new Set(['startDateTime', 'lifetimeInMinutes', 'isUsableOnce']);
/** Graph's own bounds for any pass, whatever the policy (graph-v1-tap-resources.md). */
const GRAPH_MIN_LIFETIME = 10;
const GRAPH_MAX_LIFETIME = 43_200;

export interface TapRouteOptions {
  /** Status for the "Converged UserCredentialPolicy" refusal; UNCONFIRMED in the reference, so 400 by default. */
  policyRefusalStatus?: 400 | 403;
}

/** The TAP list and get take no OData query options (graph-doc-facts.md); the sandbox refuses any. */
function refuseQueryOptions(c: Context<GraphEnv>): Response | undefined {
  const option = [...new URL(c.req.url).searchParams.keys()].find((k) => k.startsWith('$'));
  return option ? graphError(c, 400, 'BadRequest', `Query option '${option}' is not supported by this request.`) : undefined;
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
    if (lifetime < GRAPH_MIN_LIFETIME || lifetime > GRAPH_MAX_LIFETIME) {
      return graphError(c, 400, 'badRequest', `Invalid LifetimeInMinutes specified. The valid range between ${GRAPH_MIN_LIFETIME} and ${GRAPH_MAX_LIFETIME}.`);
    }
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
      isUsableOnce: policy.isUsableOnce ? true : ((body.isUsableOnce) ?? false),
      used: false,
    };
    state.storeTap(record);
    return c.json({ '@odata.context': context(c, true), ...methodJson(state, tenant, user, record, record.temporaryAccessPass) }, 201);
  });

  // The pass is returned by the create call only: reads answer `temporaryAccessPass: null`.
  /** What both reads start from: no query options, the user, and the user's pass (if any) in the caller's tenant. */
  const readTap = (c: Context<GraphEnv>): { error: Response } | { tenant: EntraTenant; user: EntraUser; tap: TapRecord | undefined } => {
    const refused = refuseQueryOptions(c);
    if (refused) return { error: refused };
    const found = findUser(c, state);
    if ('error' in found) return { error: found.error };
    const tenant = c.get('tenant');
    return { tenant, user: found.user, tap: state.tap(tenant.id, found.user.id) };
  };

  app.get(METHODS, requirePermission(...READ_METHODS), (c) => {
    const read = readTap(c);
    if ('error' in read) return read.error;
    const { tenant, user, tap } = read;
    return c.json({ '@odata.context': context(c, false), value: tap ? [methodJson(state, tenant, user, tap, null)] : [] });
  });

  app.get(`${METHODS}/:methodId`, requirePermission(...READ_METHODS), (c) => {
    const read = readTap(c);
    if ('error' in read) return read.error;
    const { tenant, user, tap } = read;
    if (!tap || tap.id !== c.req.param('methodId').toLowerCase()) return graphError(c, 404, 'itemNotFound', 'The requested authentication method was not found.');
    return c.json({ '@odata.context': context(c, true), ...methodJson(state, tenant, user, tap, null) });
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

  // Every registered method with its kind in @odata.type, the TAP among them (without its pass).
  app.get('/v1.0/users/:id/authentication/methods', requirePermission(...READ_METHODS), (c) => {
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const tenant = c.get('tenant');
    const value: Record<string, unknown>[] = state.methodsOf(tenant.id, found.user.id).map((m) => methodOfKind(m));
    const tap = state.tap(tenant.id, found.user.id);
    if (tap) value.push({ '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethod', ...methodJson(state, tenant, found.user, tap, null) });
    return c.json({ '@odata.context': `${graphOrigin()}/v1.0/$metadata#users('${c.req.param('id')}')/authentication/methods`, value });
  });

  return app;
}

/**
 * One registered method as `/authentication/methods` lists it: the kind's @odata.type, id and its fields. Graph v1.0
 * gives createdDateTime for password, Authenticator, FIDO2, Windows Hello and TAP methods, not for software OATH,
 * phone or e-mail ones — so neither does the sandbox (clients must cope without it).
 */
function methodOfKind(m: AuthMethodRecord): Record<string, unknown> {
  const base = { id: m.id, createdDateTime: m.createdDateTime };
  const bare = { id: m.id };
  switch (m.kind) {
    case 'password':
      return { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', ...base, password: null };
    case 'microsoftAuthenticator':
      return { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', ...base, displayName: 'iPhone', deviceTag: 'SoftwareTokenActivated', phoneAppVersion: '6.8.12' };
    case 'fido2':
      return { '@odata.type': '#microsoft.graph.fido2AuthenticationMethod', ...base, displayName: 'Security key', aaGuid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8', model: 'YubiKey 5', attestationLevel: 'attested', attestationCertificates: [] };
    case 'windowsHelloForBusiness':
      return { '@odata.type': '#microsoft.graph.windowsHelloForBusinessAuthenticationMethod', ...base, displayName: 'LAPTOP-01', keyStrength: 'normal' };
    case 'softwareOath':
      return { '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod', ...bare, secretKey: null };
    case 'phone':
      return { '@odata.type': '#microsoft.graph.phoneAuthenticationMethod', ...bare, phoneNumber: '+31 0612345678', phoneType: 'mobile', smsSignInState: 'notAllowedByPolicy' };
    case 'email':
      return { '@odata.type': '#microsoft.graph.emailAuthenticationMethod', ...bare, emailAddress: 'recovery@example.com' };
  }
}
