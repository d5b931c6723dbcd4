import { Hono, type Context } from 'hono';
import { graphError } from './errors.js';
import { findUser, requirePermission, type GraphEnv } from './graph-auth.js';
import { ROLE_TEMPLATES, type EntraGroup, type EntraState, type EntraTenant, type EntraUser, type HeldRole } from './state.js';
import { stableGuid } from '../identifiers.js';

const USER_PROPERTIES = [
  'id', 'userPrincipalName', 'displayName', 'givenName', 'surname', 'mail', 'jobTitle', 'accountEnabled', 'userType',
  'businessPhones', 'mobilePhone', 'officeLocation', 'preferredLanguage',
];
/** Graph v1.0's default user properties: `accountEnabled` and `userType` come back only when `$select`ed. */
const DEFAULT_USER_PROPERTIES = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage',
  'surname', 'userPrincipalName', 'id',
];
const READ_USERS = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const READ_MEMBERSHIPS = [...READ_USERS, 'GroupMember.Read.All'];
/** rbacapplication-list-roleassignments.md (directory provider). */
const READ_ROLE_ASSIGNMENTS = ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'Directory.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.ReadWrite.All'];
/** privilegedaccessgroup-list-eligibilityscheduleinstances.md: PIM for Groups has permissions of its own. */
const READ_GROUP_ELIGIBILITY = ['PrivilegedEligibilitySchedule.Read.AzureADGroup', 'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup'];
/** PIM reads: Directory.Read.All does not cover them. */
const READ_ELIGIBILITY = ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', 'RoleEligibilitySchedule.Read.Directory', 'RoleEligibilitySchedule.ReadWrite.Directory'];
const PAGE_MAX = 300;
/** The casts transitiveMemberOf knows, by path segment. */
const CASTS: Record<string, string> = {
  'microsoft.graph.directoryRole': '#microsoft.graph.directoryRole',
  'microsoft.graph.group': '#microsoft.graph.group',
  'microsoft.graph.administrativeUnit': '#microsoft.graph.administrativeUnit',
};

function userJson(u: EntraUser): Record<string, unknown> {
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    givenName: u.givenName ?? null,
    surname: u.surname ?? null,
    mail: u.mail ?? null,
    jobTitle: u.jobTitle ?? null,
    accountEnabled: u.accountEnabled,
    userType: u.userType,
    businessPhones: [],
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
  };
}

function groupJson(g: EntraGroup): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.group',
    id: g.id,
    displayName: g.displayName,
    description: null,
    groupTypes: [],
    mail: null,
    mailEnabled: false,
    securityEnabled: true,
    // Graph answers null, not false, for a group that is not role-assignable.
    isAssignableToRole: g.isAssignableToRole ? true : null,
  };
}

function selectProps(o: Record<string, unknown>, select: string | undefined): Record<string, unknown> {
  if (!select) return o;
  const wanted = select.split(',').map((p) => p.trim().toLowerCase());
  return Object.fromEntries(Object.entries(o).filter(([k]) => k === '@odata.type' || k === 'id' || wanted.includes(k.toLowerCase())));
}

interface OdataQuery {
  get(name: string): string | undefined;
}

/** System query options, refusing any the endpoint does not support (Graph answers 400 to those). */
function odataQuery(c: Context<GraphEnv>, allowed: string[]): OdataQuery | { error: Response } {
  const params = new URL(c.req.url).searchParams;
  for (const name of params.keys()) {
    if (name.startsWith('$') && !allowed.includes(name)) {
      return { error: graphError(c, 400, 'BadRequest', `Query option '${name}' is not allowed.`) };
    }
  }
  return { get: (name) => params.get(name) ?? undefined };
}

/** A page of `all` by `$top` (default `size`, at most `max`) and an opaque `$skiptoken`. */
function pageOf(
  c: Context<GraphEnv>,
  query: OdataQuery,
  all: Record<string, unknown>[],
  size: number,
  max: number,
): { value: Record<string, unknown>[]; next: string | undefined } | { error: Response } {
  const topRaw = query.get('$top');
  const top = topRaw === undefined ? size : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > max) return { error: graphError(c, 400, 'Request_BadRequest', `Invalid page size specified: '${topRaw}'. Must be between 1 and ${max} inclusive.`) };
  const skip = Number(Buffer.from(query.get('$skiptoken') ?? '', 'base64url').toString() || 0);
  if (!Number.isInteger(skip) || skip < 0) return { error: graphError(c, 400, 'Request_BadRequest', 'Invalid $skiptoken.') };
  let next: string | undefined;
  if (skip + top < all.length) {
    const url = new URL(c.req.url);
    url.searchParams.set('$skiptoken', Buffer.from(String(skip + top)).toString('base64url'));
    next = url.toString();
  }
  return { value: all.slice(skip, skip + top), next };
}

function roleJson(tenant: EntraTenant, templateId: string) {
  return {
    '@odata.type': '#microsoft.graph.directoryRole',
    id: stableGuid(`${tenant.id}/role/${templateId}`),
    displayName: ROLE_TEMPLATES[templateId] ?? 'Directory role',
    description: null,
    roleTemplateId: templateId,
  };
}

/** Users, roles, organization, partner customers: Graph's directory reads, scoped to the token's tenant. */
export function directoryRoutes(state: EntraState, graphOrigin: () => string): Hono<GraphEnv> {
  const app = new Hono<GraphEnv>();

  app.get('/v1.0/users/:id', requirePermission(...READ_USERS), (c) => {
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const select = c.req.query('$select');
    let props = DEFAULT_USER_PROPERTIES;
    if (select) {
      props = [];
      for (const name of select.split(',').map((s) => s.trim()).filter(Boolean)) {
        const known = USER_PROPERTIES.find((p) => p.toLowerCase() === name.toLowerCase());
        if (!known) return graphError(c, 400, 'Request_BadRequest', `Could not find a property named '${name}' on type 'Microsoft.DirectoryServices.User'.`);
        props.push(known);
      }
    }
    const full = userJson(found.user);
    const context = `${graphOrigin()}/v1.0/$metadata#users${select ? `(${props.join(',')})` : ''}/$entity`;
    return c.json({ '@odata.context': context, ...Object.fromEntries(props.map((p) => [p, full[p]])) });
  });

  // Groups, administrative units and active tenant-wide roles, mixed: the caller tells them apart by @odata.type.
  app.get('/v1.0/users/:id/transitiveMemberOf', requirePermission(...READ_MEMBERSHIPS), (c) => memberships(c, undefined));
  // An OData cast: Graph filters on the type only as an advanced query (ConsistencyLevel: eventual *and* $count=true);
  // otherwise it has been seen answering every object unfiltered (graph-doc-facts.md), which is what happens here.
  app.get('/v1.0/users/:id/transitiveMemberOf/:cast', requirePermission(...READ_MEMBERSHIPS), (c) => memberships(c, c.req.param('cast')));

  const memberships = (c: Context<GraphEnv>, cast: string | undefined): Response => {
    if (cast !== undefined && !CASTS[cast]) return graphError(c, 404, 'Request_ResourceNotFound', `Resource not found for the segment '${cast}'.`);
    const query = odataQuery(c, ['$select', '$top', '$count', '$filter', '$search', '$orderby', '$skiptoken']);
    if ('error' in query) return query.error;
    const eventual = (c.req.header('ConsistencyLevel') ?? '').toLowerCase() === 'eventual';
    const counted = query.get('$count') === 'true';
    if (query.get('$count') !== undefined && !eventual) {
      return graphError(c, 400, 'Request_BadRequest', '$count is not currently supported without the ConsistencyLevel: eventual header.');
    }
    const advancedOnly = ['$filter', '$search', '$orderby'].find((o) => query.get(o) !== undefined);
    if (advancedOnly && !(eventual && counted)) {
      return graphError(c, 400, 'Request_UnsupportedQuery', `${advancedOnly} on transitiveMemberOf is an advanced query: send ConsistencyLevel: eventual and $count=true.`);
    }
    if (advancedOnly) return graphError(c, 400, 'Request_UnsupportedQuery', `The sandbox does not evaluate ${advancedOnly}.`);
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const tenant = c.get('tenant');
    // Without permission to read a type, Graph still lists its objects but with @odata.type and id only, every other
    // property null ("limited information returned for inaccessible member objects", Graph docs).
    const can = (...anyOf: string[]) => !tenant.grantedPermissions || anyOf.some((p) => tenant.grantedPermissions!.includes(p));
    const limited = (o: Record<string, unknown>, readable: boolean) =>
      readable ? o : Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === '@odata.type' || k === 'id' ? v : null]));
    const groups = state.groupsOf(tenant, found.user).map((g) => limited(groupJson(g), can('GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All')));
    const units = state
      .administrativeUnitsOf(tenant, found.user)
      .map((au) => limited({ '@odata.type': '#microsoft.graph.administrativeUnit', id: au.id, displayName: au.displayName, description: null, visibility: null }, can('AdministrativeUnit.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All')));
    const roles = state
      .activeDirectoryRolesOf(tenant, found.user)
      .map((t) => limited(roleJson(tenant, t), can('RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All')));
    // Interleaved, as a directory answers in no particular type order.
    let all: Record<string, unknown>[] = [...groups.slice(0, 1), ...roles, ...units, ...groups.slice(1)];
    if (cast !== undefined && eventual && counted) all = all.filter((o) => o['@odata.type'] === CASTS[cast]);
    const page = pageOf(c, query, all, 100, 999);
    if ('error' in page) return page.error;
    return c.json({
      '@odata.context': `${graphOrigin()}/v1.0/$metadata#directoryObjects`,
      ...(counted ? { '@odata.count': all.length } : {}),
      value: page.value.map((o) => selectProps(o, query.get('$select'))),
      ...(page.next ? { '@odata.nextLink': page.next } : {}),
    });
  };

  // Objects the user owns (groups only here). Like transitiveMemberOf: $filter, $search and $orderby are advanced
  // queries, and an object type the app may not read comes back with @odata.type and id only. A cast is not routed
  // (404): the connector never sends one.
  app.get('/v1.0/users/:id/ownedObjects', requirePermission(...READ_USERS), (c) => {
    const query = odataQuery(c, ['$select', '$top', '$count', '$filter', '$search', '$orderby', '$skiptoken']);
    if ('error' in query) return query.error;
    const advanced = ['$filter', '$search', '$orderby', '$count'].find((o) => query.get(o) !== undefined);
    if (advanced) return graphError(c, 400, 'Request_UnsupportedQuery', `The sandbox does not evaluate ${advanced} on ownedObjects (an advanced query).`);
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const tenant = c.get('tenant');
    const granted = tenant.grantedPermissions;
    const readable = !granted || ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'].some((p) => granted.includes(p));
    const owned = tenant.groups
      .filter((g) => found.user.ownerOf?.includes(g.id))
      .map((g) => groupJson(g))
      .map((o) => (readable ? o : Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === '@odata.type' || k === 'id' ? v : null]))));
    const page = pageOf(c, query, owned, 100, 999);
    if ('error' in page) return page.error;
    return c.json({
      '@odata.context': `${graphOrigin()}/v1.0/$metadata#directoryObjects`,
      value: page.value.map((o) => selectProps(o, query.get('$select'))),
      ...(page.next ? { '@odata.nextLink': page.next } : {}),
    });
  });

  // PIM for Groups: the groups whose membership or ownership a principal can activate. Graph requires a $filter on
  // principalId or groupId; needs P2 like role eligibility.
  app.get('/v1.0/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances', requirePermission(...READ_GROUP_ELIGIBILITY), (c) => {
    const tenant = c.get('tenant');
    if (tenant.pimLicensed === false) {
      return graphError(c, 400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
    }
    const query = odataQuery(c, ['$filter', '$select']);
    if ('error' in query) return query.error;
    const m = /^\s*(principalId|groupId)\s+eq\s+'([^']*)'\s*$/i.exec(query.get('$filter') ?? '');
    if (!m) return graphError(c, 400, 'BadRequest', 'Filter on principalId or groupId (eq) is required.');
    const [, field, wanted] = [m[0], m[1]!.toLowerCase(), m[2]!.toLowerCase()];
    const start = new Date(state.clock().getTime() - 30 * 24 * 3_600_000).toISOString();
    const value = tenant.users
      .flatMap((u) => (u.groupEligibility ?? []).map((e) => ({ principalId: u.id, groupId: e.groupId, accessId: e.accessId })))
      .filter((e) => (field === 'principalid' ? e.principalId : e.groupId).toLowerCase() === wanted)
      .map((e) => {
        const id = stableGuid(`${e.principalId}/${e.groupId}/${e.accessId}/group-eligible`);
        return { id, principalId: e.principalId, groupId: e.groupId, accessId: e.accessId, memberType: 'direct', eligibilityScheduleId: id, startDateTime: start, endDateTime: null };
      });
    return c.json({ '@odata.context': `${graphOrigin()}/v1.0/$metadata#identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`, value: value.map((o) => selectProps(o, query.get('$select'))) });
  });

  // Active assignments at any scope, for one principal (user or role-assignable group) per $filter.
  app.get('/v1.0/roleManagement/directory/roleAssignments', requirePermission(...READ_ROLE_ASSIGNMENTS), (c) => {
    const query = odataQuery(c, ['$filter', '$expand', '$select']);
    if ('error' in query) return query.error;
    const tenant = c.get('tenant');
    const rows = roleRows(c, tenant, query, false);
    if ('error' in rows) return rows.error;
    const value = rows.value.map((h) => ({
      id: stableGuid(`${h.principalId}/${h.roleDefinitionId}/${h.directoryScopeId}/active`),
      principalId: h.principalId,
      roleDefinitionId: h.roleDefinitionId,
      directoryScopeId: h.directoryScopeId,
      appScopeId: null,
      ...expansions(tenant, h, rows.expand),
    }));
    return c.json({ '@odata.context': `${graphOrigin()}/v1.0/$metadata#roleManagement/directory/roleAssignments`, value });
  });

  // PIM eligibility: roles a principal can activate. Needs an Entra ID P2 (or Governance) licence in the tenant.
  app.get('/v1.0/roleManagement/directory/roleEligibilityScheduleInstances', requirePermission(...READ_ELIGIBILITY), (c) => {
    const tenant = c.get('tenant');
    if (tenant.pimLicensed === false) {
      return graphError(c, 400, 'AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
    }
    const query = odataQuery(c, ['$filter', '$expand', '$select']);
    if ('error' in query) return query.error;
    const rows = roleRows(c, tenant, query, true);
    if ('error' in rows) return rows.error;
    const start = new Date(state.clock().getTime() - 30 * 24 * 3_600_000).toISOString();
    const value = rows.value.map((h) => {
      const scheduleId = stableGuid(`${h.principalId}/${h.roleDefinitionId}/${h.directoryScopeId}/eligible`);
      return {
        id: scheduleId,
        principalId: h.principalId,
        roleDefinitionId: h.roleDefinitionId,
        directoryScopeId: h.directoryScopeId,
        appScopeId: null,
        startDateTime: start,
        endDateTime: null,
        memberType: 'Direct',
        roleEligibilityScheduleId: scheduleId,
        ...expansions(tenant, h, rows.expand),
      };
    });
    return c.json({ '@odata.context': `${graphOrigin()}/v1.0/$metadata#roleManagement/directory/roleEligibilityScheduleInstances`, value });
  });

  /** The grants a roleManagement list shows: active or eligible, narrowed by `$filter` (`eq` on principalId, roleDefinitionId, directoryScopeId, joined by `and`). */
  const roleRows = (c: Context<GraphEnv>, tenant: EntraTenant, query: OdataQuery, eligible: boolean): { value: HeldRole[]; expand: string[] } | { error: Response } => {
    const conditions: [keyof HeldRole, string][] = [];
    const filter = query.get('$filter');
    if (filter !== undefined) {
      for (const clause of filter.trim().split(/\s+and\s+/i)) {
        const m = /^(principalId|roleDefinitionId|directoryScopeId)\s+eq\s+'([^']*)'$/i.exec(clause.trim());
        if (!m) return { error: graphError(c, 400, 'BadRequest', `Invalid filter clause: '${clause.slice(0, 80)}'.`) };
        const name = (['principalId', 'roleDefinitionId', 'directoryScopeId'] as const).find((n) => n.toLowerCase() === m[1]!.toLowerCase())!;
        conditions.push([name, m[2]!.toLowerCase()]);
      }
    }
    const expand = (query.get('$expand') ?? '').split(',').map((e) => e.trim()).filter(Boolean);
    const unknown = expand.find((e) => !['roleDefinition', 'principal', 'directoryScope'].includes(e));
    if (unknown) return { error: graphError(c, 400, 'BadRequest', `Could not find a navigation property named '${unknown}'.`) };
    const value = state
      .allHeld(tenant)
      .filter((h) => h.eligible === eligible)
      .filter((h) => conditions.every(([name, v]) => String(h[name]).toLowerCase() === v));
    return { value, expand };
  };

  const expansions = (tenant: EntraTenant, h: HeldRole, expand: string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    if (expand.includes('roleDefinition')) {
      const d = state.roleDefinition(tenant, h.roleDefinitionId);
      out.roleDefinition = d
        ? { id: d.id, displayName: d.displayName, description: null, isBuiltIn: d.isBuiltIn, isEnabled: true, templateId: d.templateId, version: d.isBuiltIn ? '1' : null, resourceScopes: ['/'], rolePermissions: [] }
        : null;
    }
    if (expand.includes('principal')) {
      const user = tenant.users.find((u) => u.id === h.principalId);
      const group = tenant.groups.find((g) => g.id === h.principalId);
      out.principal = user ? { '@odata.type': '#microsoft.graph.user', ...userJson(user) } : group ? groupJson(group) : null;
    }
    if (expand.includes('directoryScope')) {
      const au = (tenant.administrativeUnits ?? []).find((a) => `/administrativeUnits/${a.id}` === h.directoryScopeId);
      out.directoryScope = au ? { '@odata.type': '#microsoft.graph.administrativeUnit', id: au.id, displayName: au.displayName } : null;
    }
    return out;
  };

  app.get('/v1.0/organization', requirePermission('Organization.Read.All', ...READ_USERS), (c) => {
    const t = c.get('tenant');
    return c.json({
      '@odata.context': `${graphOrigin()}/v1.0/$metadata#organization`,
      value: [
        {
          id: t.id,
          displayName: t.displayName,
          tenantType: 'AAD',
          verifiedDomains: t.domains.map((name, i) => ({
            capabilities: 'Email, OfficeCommunicationsOnlineServices',
            isDefault: i === 0,
            isInitial: name.toLowerCase().endsWith('.onmicrosoft.com'),
            name,
            type: 'Managed',
          })),
        },
      ],
    });
  });

  app.get('/v1.0/tenantRelationships/delegatedAdminCustomers', requirePermission('DelegatedAdminRelationship.Read.All', 'DelegatedAdminRelationship.ReadWrite.All'), (c) => {
    const customers = c.get('tenant').delegatedAdminCustomers;
    if (!customers) return graphError(c, 403, 'Authorization_RequestDenied', 'This tenant is not a partner tenant.');
    const topRaw = c.req.query('$top');
    const top = topRaw === undefined ? 100 : Number(topRaw);
    if (!Number.isInteger(top) || top < 1) return graphError(c, 400, 'BadRequest', `Invalid value '${topRaw}' for $top.`);
    if (top > PAGE_MAX) {
      return graphError(c, 400, 'BadRequest', `The limit of '${PAGE_MAX}' for Top query has been exceeded. The value from the incoming request is '${top}'.`);
    }
    const skip = Number(Buffer.from(c.req.query('$skiptoken') ?? '', 'base64url').toString() || 0);
    const value = customers.slice(skip, skip + top).map((id) => ({
      id,
      tenantId: id,
      displayName: state.tenant(id)?.displayName ?? id,
    }));
    const next = skip + top < customers.length
      ? `${graphOrigin()}/v1.0/tenantRelationships/delegatedAdminCustomers?$top=${top}&$skiptoken=${Buffer.from(String(skip + top)).toString('base64url')}`
      : undefined;
    return c.json({ '@odata.context': `${graphOrigin()}/v1.0/$metadata#tenantRelationships/delegatedAdminCustomers`, value, ...(next ? { '@odata.nextLink': next } : {}) });
  });

  // `findTenantInformationByDomainName(domainName='contoso.com')`: a function call in the path.
  app.get('/v1.0/tenantRelationships/*', requirePermission('CrossTenantInformation.ReadBasic.All'), (c) => {
    const m = /findTenantInformationByDomainName\(domainName=(?:'|%27)(.*?)(?:'|%27)\)$/i.exec(new URL(c.req.url).pathname);
    if (!m) return graphError(c, 400, 'BadRequest', 'Resource not found for the segment.');
    const tenant = state.tenant(decodeURIComponent(m[1]!));
    if (!tenant) return graphError(c, 404, 'Request_ResourceNotFound', `Tenant information for domain '${decodeURIComponent(m[1]!)}' was not found.`);
    return c.json({ tenantId: tenant.id, displayName: tenant.displayName, defaultDomainName: tenant.domains[0], federationBrandName: null });
  });

  return app;
}
