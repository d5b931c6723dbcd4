import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { entraFetch, entraToken } from './clients.js';

/** The simulated Graph's view of directory roles: every way a role is held, and Graph's query rules (issue 10). */

let sb: Sandbox;
let f: ReturnType<typeof entraFetch>;
const tokens: Record<string, string> = {};
const now = new Date('2026-11-26T10:00:00Z');
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';

beforeAll(async () => {
  sb = await startSandbox({ now, clock: () => now });
  f = entraFetch(sb);
  for (const [name, id] of Object.entries(TENANT_IDS)) tokens[name] = await entraToken(sb, id, f);
});
afterAll(async () => {
  await f.close();
  await sb.close();
});

type Obj = Record<string, unknown> & { '@odata.type'?: string; id: string; displayName?: string };
const graph = async (tenant: keyof typeof TENANT_IDS, path: string, headers: Record<string, string> = {}) =>
  f(`${sb.entra.graphBaseUrl}/v1.0${path}`, { headers: { Authorization: `Bearer ${tokens[tenant]}`, ...headers } });
const list = async (tenant: keyof typeof TENANT_IDS, path: string) => {
  const res = await graph(tenant, path);
  expect(res.status).toBe(200);
  return ((await res.json()) as { value: Obj[] }).value;
};
const contosoUser = (local: string) => sb.entra.state.user(TENANT_IDS.contoso, `${local}@contoso.example`)!.id;
const assignments = (tenant: keyof typeof TENANT_IDS, principal: string) =>
  list(tenant, `/roleManagement/directory/roleAssignments?$filter=principalId eq '${principal}'&$expand=roleDefinition`);
const eligibility = (tenant: keyof typeof TENANT_IDS, principal: string) =>
  list(tenant, `/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '${principal}'&$expand=roleDefinition`);

describe('simulated Graph: transitiveMemberOf', () => {
  it("lists an ordinary user's groups and administrative unit, and no role", async () => {
    const objects = await list('contoso', `/users/${contosoUser('alice.jansen')}/transitiveMemberOf`);
    expect(objects.map((o) => [o['@odata.type'], o.displayName]).sort()).toEqual([
      ['#microsoft.graph.administrativeUnit', 'Amsterdam office'],
      ['#microsoft.graph.group', 'All Staff'],
      ['#microsoft.graph.group', 'Sales'],
    ]);
    // Graph answers null rather than false for a group that is not role-assignable.
    expect(objects.filter((o) => o['@odata.type'] === '#microsoft.graph.group').map((o) => o.isAssignableToRole)).toEqual([null, null]);
  });

  it('shows only active tenant-wide built-in roles: not eligible, scoped or custom ones', async () => {
    const roleNames = async (local: string) =>
      (await list('contoso', `/users/${contosoUser(local)}/transitiveMemberOf`)).filter((o) => o['@odata.type'] === '#microsoft.graph.directoryRole').map((o) => o.displayName);
    expect(await roleNames('sanne.helpdesk')).toEqual(['Authentication Administrator']);
    expect(await roleNames('erik.admin')).toEqual(['Global Administrator']);
    for (const local of ['pieter.pim', 'ruud.security', 'marit.scoped', 'joost.custom']) expect(await roleNames(local)).toEqual([]);
  });

  it('refuses advanced-only options without ConsistencyLevel and $count, and unknown options', async () => {
    const path = `/users/${contosoUser('alice.jansen')}/transitiveMemberOf`;
    expect((await graph('contoso', `${path}?$filter=startswith(displayName,'A')`)).status).toBe(400);
    expect((await graph('contoso', `${path}?$search="displayName:A"`, { ConsistencyLevel: 'eventual' })).status).toBe(400);
    expect((await graph('contoso', `${path}?$expand=members`)).status).toBe(400);
    expect((await graph('contoso', `${path}/microsoft.graph.nonsense`)).status).toBe(404);
  });

  it('pages by $top with an @odata.nextLink', async () => {
    const first = (await (await graph('contoso', `/users/${contosoUser('alice.jansen')}/transitiveMemberOf?$top=2`)).json()) as { value: Obj[]; '@odata.nextLink': string };
    expect(first.value).toHaveLength(2);
    const rest = (await (await f(first['@odata.nextLink'], { headers: { Authorization: `Bearer ${tokens.contoso}` } })).json()) as { value: Obj[]; '@odata.nextLink'?: string };
    expect(rest.value).toHaveLength(1);
    expect(rest).not.toHaveProperty('@odata.nextLink');
  });
});

describe('simulated Graph: roleManagement', () => {
  it('lists an active assignment scoped to an administrative unit, with its role definition', async () => {
    const [scoped] = await assignments('contoso', contosoUser('marit.scoped'));
    const amsterdam = sb.entra.state.tenant(TENANT_IDS.contoso)!.administrativeUnits![0]!;
    expect(scoped).toMatchObject({ directoryScopeId: `/administrativeUnits/${amsterdam.id}`, roleDefinition: { displayName: 'Helpdesk Administrator', isBuiltIn: true } });
  });

  it('lists a custom role as a definition that is not built in', async () => {
    const [custom] = await assignments('contoso', contosoUser('joost.custom'));
    expect(custom).toMatchObject({ directoryScopeId: '/', roleDefinition: { displayName: 'Contoso Password Resetter', isBuiltIn: false } });
  });

  it('lists a group-held role under the group as principal, not the user', async () => {
    const group = sb.entra.state.tenant(TENANT_IDS.contoso)!.groups.find((g) => g.displayName === 'Contoso Global Admins')!;
    expect(await assignments('contoso', contosoUser('erik.admin'))).toEqual([]);
    expect((await assignments('contoso', group.id)).map((a) => a.roleDefinitionId)).toEqual([GLOBAL_ADMIN]);
  });

  it('lists PIM eligibility apart from active assignments, directly and through a group', async () => {
    expect(await assignments('contoso', contosoUser('pieter.pim'))).toEqual([]);
    expect((await eligibility('contoso', contosoUser('pieter.pim')))[0]).toMatchObject({ roleDefinitionId: GLOBAL_ADMIN, directoryScopeId: '/', memberType: 'Direct', roleDefinition: { displayName: 'Global Administrator' } });
    const pimGroup = sb.entra.state.tenant(TENANT_IDS.contoso)!.groups.find((g) => g.displayName === 'Contoso Security (PIM)')!;
    expect((await eligibility('contoso', pimGroup.id)).map((e) => (e.roleDefinition as Obj).displayName)).toEqual(['Security Administrator']);
    expect(await eligibility('contoso', contosoUser('alice.jansen'))).toEqual([]);
  });

  it('answers a tenant without an Entra ID P2 licence with AadPremiumLicenseRequired on the eligibility read', async () => {
    const res = await graph('northwind', `/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '${TENANT_IDS.northwind}'`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: 'AadPremiumLicenseRequired' } });
  });

  it('refuses a filter or an expansion it does not know', async () => {
    expect((await graph('contoso', `/roleManagement/directory/roleAssignments?$filter=startswith(principalId,'a')`)).status).toBe(400);
    expect((await graph('contoso', `/roleManagement/directory/roleAssignments?$expand=owners`)).status).toBe(400);
    expect((await graph('contoso', `/roleManagement/directory/roleAssignments?$orderby=id`)).status).toBe(400);
  });

  it('needs a role-management permission for eligibility; Directory.Read.All is not enough', async () => {
    const tenant = sb.entra.state.tenant(TENANT_IDS.fabrikam)!;
    const before = tenant.grantedPermissions;
    tenant.grantedPermissions = ['User.Read.All', 'Directory.Read.All'];
    try {
      const principal = sb.entra.state.user(TENANT_IDS.fabrikam, 'grace.miller@fabrikam.example')!.id;
      expect((await graph('fabrikam', `/roleManagement/directory/roleAssignments?$filter=principalId eq '${principal}'`)).status).toBe(200);
      expect((await graph('fabrikam', `/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '${principal}'`)).status).toBe(403);
    } finally {
      tenant.grantedPermissions = before;
    }
  });

  it('lists the groups a user owns, with no cast and no advanced query (security review)', async () => {
    const admins = sb.entra.state.tenant(TENANT_IDS.contoso)!.groups.find((g) => g.displayName === 'Contoso Global Admins')!;
    const owned = await list('contoso', `/users/${contosoUser('olga.owner')}/ownedObjects`);
    expect(owned).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.group', id: admins.id, isAssignableToRole: true })]);
    expect(await list('contoso', `/users/${contosoUser('alice.jansen')}/ownedObjects`)).toEqual([]);
    expect((await graph('contoso', `/users/${contosoUser('olga.owner')}/ownedObjects?$filter=isAssignableToRole eq true`)).status).toBe(400);
    expect((await graph('contoso', `/users/${contosoUser('olga.owner')}/ownedObjects/microsoft.graph.group`)).status).toBe(404);
  });

  it('lists PIM for Groups eligibility by principal, needs its own permission, a filter and P2 (security review)', async () => {
    const admins = sb.entra.state.tenant(TENANT_IDS.contoso)!.groups.find((g) => g.displayName === 'Contoso Global Admins')!;
    const path = (id: string) => `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances?$filter=principalId eq '${id}'`;
    expect(await list('contoso', path(contosoUser('gijs.pimgroup')))).toEqual([
      expect.objectContaining({ principalId: contosoUser('gijs.pimgroup'), groupId: admins.id, accessId: 'member' }),
    ]);
    expect(await list('contoso', path(contosoUser('alice.jansen')))).toEqual([]);
    expect((await graph('contoso', '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances')).status).toBe(400);
    const unlicensed = await graph('northwind', path(TENANT_IDS.northwind));
    expect(unlicensed.status).toBe(400);
    expect(await unlicensed.json()).toMatchObject({ error: { code: 'AadPremiumLicenseRequired' } });
    const tenant = sb.entra.state.tenant(TENANT_IDS.contoso)!;
    const before = tenant.grantedPermissions;
    tenant.grantedPermissions = ['User.Read.All', 'Directory.Read.All', 'RoleManagement.Read.Directory'];
    try {
      expect((await graph('contoso', path(contosoUser('gijs.pimgroup')))).status).toBe(403);
    } finally {
      tenant.grantedPermissions = before;
    }
  });

  it('answers 404 to a path Graph does not have', async () => {
    expect((await graph('contoso', `/users/${contosoUser('alice.jansen')}/temporaryAccessPasses`)).status).toBe(404);
    expect((await graph('contoso', '/roleManagement/directory/roleAssignmentz')).status).toBe(404);
  });
});
