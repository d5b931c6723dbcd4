import { Hono } from 'hono';
import { graphError } from './errors.js';
import { findUser, requirePermission, type GraphEnv } from './graph-auth.js';
import { ROLE_TEMPLATES, type EntraState, type EntraTenant, type EntraUser } from './state.js';
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
const READ_ROLES = [...READ_USERS, 'RoleManagement.Read.Directory', 'GroupMember.Read.All'];
const PAGE_MAX = 300;

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

  app.get('/v1.0/users/:id/transitiveMemberOf/microsoft.graph.directoryRole', requirePermission(...READ_ROLES), (c) => {
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    // Following reference/entra-graph.md: this cast on transitiveMemberOf is an advanced query and needs the header.
    if ((c.req.header('ConsistencyLevel') ?? '').toLowerCase() !== 'eventual') {
      return graphError(c, 400, 'Request_UnsupportedQuery', "Request with type cast on transitiveMemberOf requires the 'ConsistencyLevel: eventual' header (sandbox rule, after the reference).");
    }
    const tenant = c.get('tenant');
    const value = state.rolesOf(tenant, found.user).map((t) => roleJson(tenant, t));
    return c.json({ '@odata.context': `${graphOrigin()}/v1.0/$metadata#directoryRoles`, ...(c.req.query('$count') === 'true' ? { '@odata.count': value.length } : {}), value });
  });

  // Direct memberships only: a role held through a group shows up as the group, never as the role.
  app.get('/v1.0/users/:id/memberOf', requirePermission(...READ_ROLES), (c) => {
    const found = findUser(c, state);
    if ('error' in found) return found.error;
    const tenant = c.get('tenant');
    const groups = tenant.groups
      .filter((g) => found.user.memberOf?.includes(g.id))
      .map((g) => ({ '@odata.type': '#microsoft.graph.group', id: g.id, displayName: g.displayName, isAssignableToRole: g.isAssignableToRole }));
    const roles = (found.user.directRoles ?? []).map((t) => roleJson(tenant, t));
    return c.json({ '@odata.context': `${graphOrigin()}/v1.0/$metadata#directoryObjects`, value: [...groups, ...roles] });
  });

  app.get('/v1.0/roleManagement/directory/roleAssignments', requirePermission(...READ_ROLES), (c) => {
    const tenant = c.get('tenant');
    const principal = /principalId eq '([^']+)'/i.exec(c.req.query('$filter') ?? '')?.[1]?.toLowerCase();
    const all = [
      ...tenant.users.flatMap((u) => (u.directRoles ?? []).map((r) => ({ principalId: u.id, roleDefinitionId: r }))),
      ...tenant.groups.flatMap((g) => g.roles.map((r) => ({ principalId: g.id, roleDefinitionId: r }))),
    ];
    const value = all
      .filter((a) => principal === undefined || a.principalId === principal)
      .map((a) => ({ id: stableGuid(`${a.principalId}/${a.roleDefinitionId}`), ...a, directoryScopeId: '/' }));
    return c.json({ '@odata.context': `${graphOrigin()}/v1.0/$metadata#roleManagement/directory/roleAssignments`, value });
  });

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
