import { createEntraFetch } from '../src/entra/http.js';
import type { Sandbox } from '../src/sandbox/index.js';

/**
 * The baseline the connector is measured against: what a careful engineer would write by hand to issue a pass from a
 * ticket correctly, with no database, no audit, no outbox and no retries, but none of the round trips a correct
 * issuance needs left out either:
 *  - tokens cached per tenant (and Halo's) until five minutes before they expire; the TAP policy cached per tenant for
 *    as long as the connector caches it (TAP_POLICY_CACHE_SECONDS, 300 s); keep-alive connections (Node's fetch);
 *  - the complete privileged check (DESIGN.md invariant 3): transitiveMemberOf, ownedObjects, PIM for Groups
 *    eligibility, roleAssignments and PIM eligibility (with the roleDefinition expanded), read in parallel once the
 *    user's id is known, plus the one-pass-per-user read
 *    of the user's existing passes; a role-assignable group would cost one more round, as in the connector;
 *  - independent reads in parallel: the Entra token with the ticket, the user with the policy.
 * The ConnectWise codebase is given (as CW_CODEBASE would give it), so it is not discovered.
 *
 * FAIR_BASELINE_CALLS lists what one issuance sends; test/bench/fair-client.test.ts checks the client sends exactly that.
 */

export interface FairCall {
  host: 'ConnectWise' | 'Halo' | 'Entra';
  method: 'GET' | 'POST';
  /** The path with every GUID written `{id}` and the PSA's ticket id `{ticket}`. */
  path: string;
  /** Only on the first issuance in a tenant (or of the process, for the Halo token). */
  firstOnly?: boolean;
}

const ROLE_READS: FairCall[] = [
  { host: 'Entra', method: 'GET', path: '/v1.0/users/{id}/transitiveMemberOf' },
  { host: 'Entra', method: 'GET', path: '/v1.0/users/{id}/ownedObjects' },
  { host: 'Entra', method: 'GET', path: '/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances' },
  { host: 'Entra', method: 'GET', path: '/v1.0/roleManagement/directory/roleAssignments' },
  { host: 'Entra', method: 'GET', path: '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances' },
];
const ENTRA_CALLS: FairCall[] = [
  { host: 'Entra', method: 'POST', path: '/{id}/oauth2/v2.0/token', firstOnly: true },
  { host: 'Entra', method: 'GET', path: '/v1.0/users/{upn}' },
  { host: 'Entra', method: 'GET', path: '/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass', firstOnly: true },
  ...ROLE_READS,
  { host: 'Entra', method: 'GET', path: '/v1.0/users/{id}/authentication/temporaryAccessPassMethods' },
  { host: 'Entra', method: 'POST', path: '/v1.0/users/{id}/authentication/temporaryAccessPassMethods' },
];

export const FAIR_BASELINE_CALLS: Record<'connectwise' | 'halo', FairCall[]> = {
  connectwise: [
    { host: 'ConnectWise', method: 'GET', path: '/{codebase}apis/3.0/service/tickets/{ticket}' },
    { host: 'ConnectWise', method: 'POST', path: '/{codebase}apis/3.0/service/tickets/{ticket}/notes' },
    ...ENTRA_CALLS,
  ],
  halo: [
    { host: 'Halo', method: 'POST', path: '/auth/token', firstOnly: true },
    { host: 'Halo', method: 'GET', path: '/api/Tickets/{ticket}' },
    { host: 'Halo', method: 'POST', path: '/api/Actions' },
    ...ENTRA_CALLS,
  ],
};

const POLICY_CACHE_MS = 300_000;
const TOKEN_MARGIN_MS = 5 * 60_000;
/** Kept until five minutes before expiry (half its life for a token shorter than ten minutes). */
const tokenTtl = (expiresInSeconds: number) => Math.max(expiresInSeconds * 1000 - TOKEN_MARGIN_MS, expiresInSeconds * 500);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Cached<T> {
  value: Promise<T>;
  until: number;
}

export class PrivilegedUserError extends Error {}

export function fairClient(sb: Sandbox, opts: { now?: () => number } = {}) {
  const now = opts.now ?? Date.now;
  const entraFetch = createEntraFetch({ trustedCaPem: sb.entra.caPem });
  const graph = `${sb.entra.graphBaseUrl}/v1.0`;
  const cwBase = `${sb.connectwise.url}/${sb.connectwise.state.codebase}apis/3.0`;
  const cwHeaders = {
    Authorization: `Basic ${Buffer.from(`${sb.connectwise.companyId}+${sb.connectwise.publicKey}:${sb.connectwise.privateKey}`).toString('base64')}`,
    clientId: sb.connectwise.clientId,
    Accept: 'application/vnd.connectwise.com+json; version=2025.1',
    'Content-Type': 'application/json',
  };
  const entraTokens = new Map<string, Cached<string>>();
  const policies = new Map<string, Cached<Record<string, unknown>>>();
  const haloTokens = new Map<string, Cached<string>>();

  const ok = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as Record<string, unknown>;
  };
  /** A cached value, fetched once however many callers ask at the same time; a failed fetch is not kept. */
  const cached = <T>(map: Map<string, Cached<T>>, key: string, load: () => Promise<{ value: T; ttlMs: number }>): Promise<T> => {
    const hit = map.get(key);
    if (hit && hit.until > now()) return hit.value;
    const entry: Cached<T> = { until: Number.POSITIVE_INFINITY, value: Promise.resolve(undefined as T) };
    entry.value = load().then(
      ({ value, ttlMs }) => {
        entry.until = now() + ttlMs;
        return value;
      },
      (error: unknown) => {
        map.delete(key);
        throw error;
      },
    );
    map.set(key, entry);
    return entry.value;
  };

  const entraToken = (tenantId: string) =>
    cached(entraTokens, tenantId, async () => {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.entra.clientId, client_secret: sb.entra.clientSecret, scope: `${sb.entra.graphBaseUrl}/.default` });
      const body = await ok(await entraFetch(`${sb.entra.authorityHost}/${tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form }), 'entra token');
      return { value: String(body.access_token), ttlMs: tokenTtl(Number(body.expires_in)) };
    });
  const haloBearer = () =>
    cached(haloTokens, 'halo', async () => {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.halo.clientId, client_secret: sb.halo.clientSecret, scope: 'edit:tickets read:customers' });
      const body = await ok(await fetch(`${sb.halo.url}/auth/token`, { method: 'POST', body: form }), 'halo token');
      return { value: String(body.access_token), ttlMs: tokenTtl(Number(body.expires_in)) };
    });
  const graphGet = async (tenantId: string, path: string, what: string) =>
    ok(await entraFetch(`${graph}${path}`, { headers: { Authorization: `Bearer ${await entraToken(tenantId)}` } }), what);
  const policyOf = (tenantId: string) =>
    cached(policies, tenantId, async () => ({
      value: await graphGet(tenantId, '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass', 'policy'),
      ttlMs: POLICY_CACHE_MS,
    }));

  const readTicket = async (psa: 'connectwise' | 'halo', ticketId: number) =>
    psa === 'connectwise'
      ? ok(await fetch(`${cwBase}/service/tickets/${ticketId}`, { headers: cwHeaders }), 'cw ticket')
      : ok(await fetch(`${sb.halo.url}/api/Tickets/${ticketId}`, { headers: { Authorization: `Bearer ${await haloBearer()}` } }), 'halo ticket');

  /**
   * Every role the principal holds or can activate, and the groups that might lend it one: role-assignable groups it
   * belongs to or owns, and groups whose membership or ownership it can activate (PIM for Groups).
   */
  const roleReads = async (tenantId: string, principalId: string, withMemberships: boolean) => {
    const byPrincipal = encodeURIComponent(`principalId eq '${principalId}'`);
    const filter = `$filter=${byPrincipal}&$expand=roleDefinition`;
    const none = Promise.resolve({ value: [] as unknown[] });
    const [memberships, owned, groupPim, active, eligible] = await Promise.all([
      withMemberships ? graphGet(tenantId, `/users/${principalId}/transitiveMemberOf`, 'memberships') : none,
      withMemberships ? graphGet(tenantId, `/users/${principalId}/ownedObjects`, 'owned objects') : none,
      withMemberships ? graphGet(tenantId, `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=${byPrincipal}`, 'group eligibility') : none,
      graphGet(tenantId, `/roleManagement/directory/roleAssignments?${filter}`, 'role assignments'),
      graphGet(tenantId, `/roleManagement/directory/roleEligibilityScheduleInstances?${filter}`, 'role eligibility'),
    ]);
    const objects = (memberships.value ?? []) as { '@odata.type'?: string; id: string; isAssignableToRole?: boolean | null; displayName?: string | null }[];
    const roles = objects.filter((o) => o['@odata.type'] === '#microsoft.graph.directoryRole').length + (active.value as unknown[]).length + (eligible.value as unknown[]).length;
    const ownedObjects = (owned.value ?? []) as typeof objects;
    const groups = [...objects, ...ownedObjects]
      .filter((o) => o['@odata.type'] === '#microsoft.graph.group' && (o.isAssignableToRole === true || o.displayName == null))
      .map((g) => g.id)
      .concat(((groupPim.value ?? []) as { groupId: string }[]).map((e) => e.groupId));
    return { roles, groups };
  };

  /** One correct issuance for the ticket's user; refuses a privileged user or one who already holds a pass. */
  async function issue(psa: 'connectwise' | 'halo', ticketId: number, tenantId: string, upn: string): Promise<void> {
    // The ticket names the user (the bench's tickets carry the UPN); the tenant's token is fetched meanwhile.
    const [ticket] = await Promise.all([readTicket(psa, ticketId), entraToken(tenantId)]);
    if (!ticket) throw new Error('no ticket');
    const [user, policy] = await Promise.all([
      graphGet(tenantId, `/users/${encodeURIComponent(upn)}?$select=id,userPrincipalName,displayName,accountEnabled,userType`, 'user'),
      policyOf(tenantId),
    ]);
    const userId = String(user.id);
    if (!GUID.test(userId) || user.accountEnabled !== true || String(user.userType).toLowerCase() === 'guest') throw new Error('user refused');
    if (policy.state !== 'enabled') throw new Error('TAP disabled by policy');
    const [own, existing] = await Promise.all([
      roleReads(tenantId, userId, true),
      graphGet(tenantId, `/users/${userId}/authentication/temporaryAccessPassMethods`, 'existing passes'),
    ]);
    const viaGroups = await Promise.all(own.groups.map((g) => roleReads(tenantId, g, false)));
    if (own.roles + viaGroups.reduce((n, g) => n + g.roles, 0) > 0) throw new PrivilegedUserError(`${upn} holds a directory role`);
    if ((existing.value as unknown[]).length > 0) throw new Error(`${upn} already holds a pass`);
    const lifetime = Math.min(Math.max(60, Number(policy.minimumLifetimeInMinutes ?? 60)), Number(policy.maximumLifetimeInMinutes ?? 480));
    const tap = await ok(
      await entraFetch(`${graph}/users/${userId}/authentication/temporaryAccessPassMethods`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${await entraToken(tenantId)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ lifetimeInMinutes: lifetime, isUsableOnce: policy.isUsableOnce === true }),
      }),
      'create',
    );
    const text = `Temporary Access Pass issued for ${upn}\nPass: ${String(tap.temporaryAccessPass)}`;
    if (psa === 'connectwise') {
      await ok(await fetch(`${cwBase}/service/tickets/${ticketId}/notes`, { method: 'POST', headers: cwHeaders, body: JSON.stringify({ text, internalAnalysisFlag: true, detailDescriptionFlag: false, resolutionFlag: false }) }), 'cw note');
    } else {
      await ok(
        await fetch(`${sb.halo.url}/api/Actions`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${await haloBearer()}`, 'Content-Type': 'application/json' },
          body: JSON.stringify([{ ticket_id: ticketId, outcome_id: 7, note_html: `<p>${text}</p>`, hiddenfromuser: true, sendemail: false }]),
        }),
        'halo note',
      );
    }
  }

  return { issue };
}
