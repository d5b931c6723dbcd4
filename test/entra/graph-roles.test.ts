import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { describeHolding } from '../../src/entra/role-holdings.js';
import { GRAPH, TENANT_A, V1, directory, expectAppError, graphError, useNock } from './helpers.js';

useNock();

/**
 * The role reads as Graph sees them (issue 10 #3, #4): the exact requests, what each answer means, and that any failure
 * throws rather than reading as "no roles".
 */

const USER = 'aaaaaaaa-0000-4000-8000-000000000001';
const TIER0 = 'bbbbbbbb-0000-4000-8000-000000000002';
const SALES = 'cccccccc-0000-4000-8000-000000000003';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const MEMBERSHIPS = `${V1}/users/${USER}/transitiveMemberOf`;
const ASSIGNMENTS = `${V1}/roleManagement/directory/roleAssignments`;
const ELIGIBILITY = `${V1}/roleManagement/directory/roleEligibilityScheduleInstances`;
const OWNED = `${V1}/users/${USER}/ownedObjects`;
const GROUP_PIM = `${V1}/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`;
const byPrincipal = (id: string) => ({ $filter: `principalId eq '${id}'`, $expand: 'roleDefinition' });
const byUser = { $filter: `principalId eq '${USER}'` };
/** The two reads of the groups a user can reach other than as a member (owner; PIM for Groups), both answering none. */
const noOtherGroups = () => {
  nock(GRAPH).get(OWNED).reply(200, { value: [] });
  nock(GRAPH).get(GROUP_PIM).query(byUser).reply(200, { value: [] });
};

const group = (id: string, displayName: string, isAssignableToRole: boolean | null) => ({ '@odata.type': '#microsoft.graph.group', id, displayName, isAssignableToRole });
const role = (displayName: string, roleTemplateId: string) => ({ '@odata.type': '#microsoft.graph.directoryRole', id: `role-${roleTemplateId}`, displayName, roleTemplateId });
const definition = (displayName: string, isBuiltIn = true, templateId = GLOBAL_ADMIN) => ({ id: templateId, displayName, isBuiltIn, templateId });
const grant = (principalId: string, roleDefinitionId: string, roleDefinition: object, directoryScopeId = '/') => ({ id: `${principalId}-${roleDefinitionId}`, principalId, roleDefinitionId, directoryScopeId, roleDefinition });

/** Graph answering for a user with the given memberships and grants; everything else empty. */
function answer(opts: { memberships?: object[]; owned?: object[]; groupPim?: object[]; active?: Record<string, object[]>; eligible?: Record<string, object[]> }) {
  nock(GRAPH).get(MEMBERSHIPS).reply(200, { value: opts.memberships ?? [] });
  nock(GRAPH).get(OWNED).reply(200, { value: opts.owned ?? [] });
  nock(GRAPH).get(GROUP_PIM).query(byUser).reply(200, { value: opts.groupPim ?? [] });
  const principals = new Set([USER, ...Object.keys(opts.active ?? {}), ...Object.keys(opts.eligible ?? {})]);
  for (const id of principals) {
    nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(id)).reply(200, { value: opts.active?.[id] ?? [] });
    nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(id)).reply(200, { value: opts.eligible?.[id] ?? [] });
  }
}

describe('role holdings', () => {
  it('reads memberships without a cast or advanced-query header, and a mixed answer holds no role', async () => {
    const { entra } = directory();
    const headers: Record<string, string | string[] | undefined>[] = [];
    nock(GRAPH)
      .get(MEMBERSHIPS)
      .reply(function () {
        headers.push(this.req.headers);
        return [200, { value: [group(SALES, 'Sales', null), { '@odata.type': '#microsoft.graph.administrativeUnit', id: 'au-1', displayName: 'Amsterdam' }] }];
      });
    nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER)).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER)).reply(200, { value: [] });
    noOtherGroups();

    expect(await entra.getRoleHoldings(TENANT_A, USER)).toEqual([]);
    expect(headers[0]).not.toHaveProperty('consistencylevel');
    // The ordinary group was not asked about: only role-assignable groups can hold roles.
    expect(nock.isDone()).toBe(true);
  });

  it('keeps only directory-role objects from memberships, never a group or unit as a role', async () => {
    const { entra } = directory();
    answer({ memberships: [group(SALES, 'Sales', null), role('Global Administrator', GLOBAL_ADMIN)] });

    const holdings = await entra.getRoleHoldings(TENANT_A, USER);
    expect(holdings.map((h) => h.roleName)).toEqual(['Global Administrator']);
    expect(holdings[0]).toMatchObject({ assignment: 'active', directoryScopeId: '/', heldVia: { kind: 'membership' } });
  });

  it('reads assignments and eligibility of each role-assignable group the user belongs to', async () => {
    const { entra } = directory();
    answer({
      memberships: [group(TIER0, 'Tier 0', true), group(SALES, 'Sales', null), role('Global Administrator', GLOBAL_ADMIN)],
      active: { [TIER0]: [grant(TIER0, GLOBAL_ADMIN, definition('Global Administrator'))] },
      eligible: { [TIER0]: [grant(TIER0, '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', definition('Privileged Authentication Administrator', true, '7be44c8a-adaf-4e2a-84d6-ab2649e08a13'))] },
    });

    const holdings = await entra.getRoleHoldings(TENANT_A, USER);
    expect(holdings).toEqual([
      { roleName: 'Global Administrator', roleTemplateId: GLOBAL_ADMIN, customRole: false, assignment: 'active', directoryScopeId: '/', heldVia: { kind: 'group', groupId: TIER0, groupName: 'Tier 0' } },
      { roleName: 'Privileged Authentication Administrator', roleTemplateId: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13', customRole: false, assignment: 'eligible', directoryScopeId: '/', heldVia: { kind: 'group', groupId: TIER0, groupName: 'Tier 0' } },
    ]);
    expect(nock.isDone()).toBe(true);
  });

  it('asks about a group that came back with limited information (every property null): it may be role-assignable', async () => {
    const { entra } = directory();
    answer({
      memberships: [{ '@odata.type': '#microsoft.graph.group', id: TIER0, displayName: null, isAssignableToRole: null }, group(SALES, 'Sales', null)],
      eligible: { [TIER0]: [grant(TIER0, GLOBAL_ADMIN, definition('Global Administrator'))] },
    });

    const holdings = await entra.getRoleHoldings(TENANT_A, USER);
    expect(holdings).toEqual([expect.objectContaining({ roleName: 'Global Administrator', assignment: 'eligible', heldVia: { kind: 'group', groupId: TIER0, groupName: TIER0 } })]);
    expect(nock.isDone()).toBe(true);
  });

  it('sees a PIM-eligible role, a role scoped to an administrative unit and a custom role held directly', async () => {
    const { entra } = directory();
    const custom = 'dddddddd-0000-4000-8000-000000000004';
    answer({
      active: {
        [USER]: [
          grant(USER, '729827e3-9c14-49f7-bb1b-9608f156bbb8', definition('Helpdesk Administrator', true, '729827e3-9c14-49f7-bb1b-9608f156bbb8'), '/administrativeUnits/au-1'),
          grant(USER, custom, definition('Password Resetter', false, custom)),
        ],
      },
      eligible: { [USER]: [grant(USER, GLOBAL_ADMIN, definition('Global Administrator'))] },
    });

    const holdings = await entra.getRoleHoldings(TENANT_A, USER);
    expect(holdings.map((h) => [h.roleName, h.assignment, h.directoryScopeId, h.customRole, h.heldVia.kind])).toEqual([
      ['Helpdesk Administrator', 'active', '/administrativeUnits/au-1', false, 'direct'],
      ['Password Resetter', 'active', '/', true, 'direct'],
      ['Global Administrator', 'eligible', '/', false, 'direct'],
    ]);
  });

  it('follows @odata.nextLink through every page of memberships', async () => {
    const { entra } = directory();
    nock(GRAPH)
      .get(MEMBERSHIPS)
      .reply(200, { value: [group(SALES, 'Sales', null)], '@odata.nextLink': `${GRAPH}${MEMBERSHIPS}?$skiptoken=p2` })
      .get(MEMBERSHIPS)
      .query({ $skiptoken: 'p2' })
      .reply(200, { value: [role('Authentication Administrator', 'c4e39bd9-1100-46d3-8c65-fb160da0071f')] });
    nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER)).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER)).reply(200, { value: [] });
    noOtherGroups();

    expect((await entra.getRoleHoldings(TENANT_A, USER)).map((h) => h.roleName)).toEqual(['Authentication Administrator']);
  });

  it('does not send the token to a nextLink on another host', async () => {
    const { entra, tokens } = directory();
    nock(GRAPH).get(MEMBERSHIPS).reply(200, { value: [], '@odata.nextLink': `https://evil.example${MEMBERSHIPS}?$skiptoken=x` });
    nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER)).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER)).reply(200, { value: [] });
    noOtherGroups();

    await expectAppError(entra.getRoleHoldings(TENANT_A, USER), 'INTERNAL');
    expect(tokens.calls).toHaveLength(5);
  });

  it('fails on a membership whose type is not stated, rather than guess it is no role', async () => {
    const { entra } = directory();
    nock(GRAPH).get(MEMBERSHIPS).reply(200, { value: [{ id: 'x', displayName: 'Global Administrator' }] });
    nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER)).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER)).reply(200, { value: [] });
    noOtherGroups();

    await expectAppError(entra.getRoleHoldings(TENANT_A, USER), 'INTERNAL');
  });

  it('asks only by object id', async () => {
    const { entra, tokens } = directory();
    await expectAppError(entra.getRoleHoldings(TENANT_A, 'adele@contoso.com'), 'INVALID_REQUEST');
    expect(tokens.calls).toEqual([]);
  });
});

describe('groups the user reaches other than as a member (security review: PIM for Groups, owners)', () => {
  const PIM_GROUP = 'eeeeeeee-0000-4000-8000-000000000005';
  const pimFor = (groupId: string, accessId: string) => ({ id: `pim-${groupId}`, principalId: USER, groupId, accessId, memberType: 'direct' });

  it('sees a role held by a group the user is PIM-eligible to join (PIM for Groups), and names it so', async () => {
    const { entra } = directory();
    answer({
      groupPim: [pimFor(PIM_GROUP, 'member')],
      active: { [PIM_GROUP]: [grant(PIM_GROUP, GLOBAL_ADMIN, definition('Global Administrator'))] },
    });

    const holdings = await entra.getRoleHoldings(TENANT_A, USER);
    expect(holdings).toEqual([
      {
        roleName: 'Global Administrator',
        roleTemplateId: GLOBAL_ADMIN,
        customRole: false,
        assignment: 'active',
        directoryScopeId: '/',
        heldVia: { kind: 'group', groupId: PIM_GROUP, groupName: PIM_GROUP, relation: 'eligible-member' },
      },
    ]);
    expect(describeHolding(holdings[0]!)).toContain(`as eligible member of group "${PIM_GROUP}" (PIM for Groups)`);
    expect(nock.isDone()).toBe(true);
  });

  it('sees a role a group holds as PIM-eligible when the user is PIM-eligible owner of that group', async () => {
    const { entra } = directory();
    answer({
      groupPim: [pimFor(PIM_GROUP, 'owner')],
      eligible: { [PIM_GROUP]: [grant(PIM_GROUP, GLOBAL_ADMIN, definition('Global Administrator'))] },
    });

    const holdings = await entra.getRoleHoldings(TENANT_A, USER);
    expect(holdings).toEqual([expect.objectContaining({ assignment: 'eligible', heldVia: { kind: 'group', groupId: PIM_GROUP, groupName: PIM_GROUP, relation: 'eligible-owner' } })]);
  });

  it('sees a role held by a role-assignable group the user owns (an owner can add itself), and names it so', async () => {
    const { entra } = directory();
    answer({
      owned: [group(TIER0, 'Tier 0', true), group(SALES, 'Sales', null), { '@odata.type': '#microsoft.graph.application', id: 'app-1', displayName: 'An app' }],
      active: { [TIER0]: [grant(TIER0, GLOBAL_ADMIN, definition('Global Administrator'))] },
    });

    const holdings = await entra.getRoleHoldings(TENANT_A, USER);
    expect(holdings).toEqual([expect.objectContaining({ roleName: 'Global Administrator', heldVia: { kind: 'group', groupId: TIER0, groupName: 'Tier 0', relation: 'owner' } })]);
    expect(describeHolding(holdings[0]!)).toContain('as owner of group "Tier 0"');
    // Neither the ordinary group nor the application was asked about.
    expect(nock.isDone()).toBe(true);
  });

  it('reads owned objects without a cast or advanced-query header', async () => {
    const { entra } = directory();
    const seen: { path: string; headers: Record<string, unknown> }[] = [];
    nock(GRAPH).get(MEMBERSHIPS).reply(200, { value: [] });
    nock(GRAPH)
      .get(OWNED)
      .reply(function (path) {
        seen.push({ path, headers: this.req.headers });
        return [200, { value: [] }];
      });
    nock(GRAPH).get(GROUP_PIM).query(byUser).reply(200, { value: [] });
    nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER)).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER)).reply(200, { value: [] });

    expect(await entra.getRoleHoldings(TENANT_A, USER)).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).not.toContain('microsoft.graph.group');
    expect(seen[0]!.headers).not.toHaveProperty('consistencylevel');
  });

  it('fails on a PIM for Groups eligibility of an unknown kind, rather than guess it grants nothing', async () => {
    const { entra } = directory();
    answer({ groupPim: [pimFor(PIM_GROUP, 'somethingNew')] });
    await expectAppError(entra.getRoleHoldings(TENANT_A, USER), 'INTERNAL');
  });

  it('a tenant without P2 has no PIM for Groups eligibility, unless configured to refuse', async () => {
    const unlicensed = graphError('AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');
    const setUp = () => {
      nock(GRAPH).get(MEMBERSHIPS).reply(200, { value: [] });
      nock(GRAPH).get(OWNED).reply(200, { value: [] });
      nock(GRAPH).get(GROUP_PIM).query(byUser).reply(400, unlicensed);
      nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER)).reply(200, { value: [] });
      nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER)).reply(200, { value: [] });
    };
    const { entra, lines } = directory();
    setUp();
    expect(await entra.getRoleHoldings(TENANT_A, USER)).toEqual([]);
    expect(lines.join('\n')).toContain('ENTRA_PIM_UNLICENSED');

    const refusing = directory({ pimUnlicensed: 'refuse' });
    setUp();
    await expectAppError(refusing.entra.getRoleHoldings(TENANT_A, USER), 'INTERNAL');
  });
});

describe('role reads that fail', () => {
  const reads = [
    ['memberships', () => nock(GRAPH).get(MEMBERSHIPS)],
    ['assignments', () => nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER))],
    ['eligibility', () => nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER))],
    ['owned groups', () => nock(GRAPH).get(OWNED)],
    ['PIM for Groups eligibility', () => nock(GRAPH).get(GROUP_PIM).query(byUser)],
  ] as const;
  const permission: Record<string, string> = {
    memberships: 'User.Read.All',
    'owned groups': 'User.Read.All',
    'PIM for Groups eligibility': 'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  };
  /** Every read answers empty except `failing`, which gets `reply`. */
  const setUp = (failing: string, reply: (scope: nock.Interceptor) => void) => {
    for (const [name, scope] of reads) {
      if (name === failing) reply(scope());
      else scope().reply(200, { value: [] });
    }
  };

  for (const [name] of reads) {
    it(`a 404 from ${name} is an error, not "no roles" and not "no such user"`, async () => {
      const { entra } = directory();
      setUp(name, (s) => s.reply(404, graphError('Request_ResourceNotFound', 'gone')));
      const error = await expectAppError(entra.getRoleHoldings(TENANT_A, USER), 'INTERNAL');
      expect(error.detail).toContain('HTTP 404');
    });

    it(`a 403 from ${name} names the permission to consent`, async () => {
      const { entra } = directory();
      setUp(name, (s) => s.reply(403, graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.')));
      const error = await expectAppError(entra.getRoleHoldings(TENANT_A, USER), 'ENTRA_ACCESS_DENIED');
      expect(error.detail).toContain(permission[name] ?? 'RoleManagement.Read.Directory');
    });

    it(`a 429 from ${name} is retried, then throttled`, async () => {
      const { entra, waits } = directory({ readRetry: { maxRetries: 2 } });
      setUp(name, (s) => s.times(3).reply(429, graphError('TooManyRequests', 'slow down'), { 'Retry-After': '1' }));
      await expectAppError(entra.getRoleHoldings(TENANT_A, USER), 'UPSTREAM_THROTTLED');
      expect(waits).toEqual([1000, 1000]);
    });

    it(`a 500 from ${name} is an outage`, async () => {
      const { entra } = directory();
      setUp(name, (s) => s.reply(500, graphError('InternalServerError', 'x')));
      await expectAppError(entra.getRoleHoldings(TENANT_A, USER), 'UPSTREAM_UNAVAILABLE');
    });
  }
});

describe('a tenant without Entra ID P2', () => {
  const unlicensed = graphError('AadPremiumLicenseRequired', 'The tenant needs to have Microsoft Entra ID P2 or Microsoft Entra ID Governance license.');

  it('has no PIM eligibility: the refused eligibility read counts as none, active roles still count', async () => {
    const { entra, lines } = directory();
    nock(GRAPH).get(MEMBERSHIPS).reply(200, { value: [] });
    nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER)).reply(200, { value: [grant(USER, GLOBAL_ADMIN, definition('Global Administrator'))] });
    nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER)).reply(400, unlicensed);
    noOtherGroups();

    expect((await entra.getRoleHoldings(TENANT_A, USER)).map((h) => h.roleName)).toEqual(['Global Administrator']);
    expect(lines.join('\n')).toContain('ENTRA_PIM_UNLICENSED');
  });

  it('refuses instead when configured to', async () => {
    const { entra } = directory({ pimUnlicensed: 'refuse' });
    nock(GRAPH).get(MEMBERSHIPS).reply(200, { value: [] });
    nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER)).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER)).reply(400, unlicensed);
    noOtherGroups();

    await expectAppError(entra.getRoleHoldings(TENANT_A, USER), 'INTERNAL');
  });

  it('any other 400 from the eligibility read is an error', async () => {
    const { entra } = directory();
    nock(GRAPH).get(MEMBERSHIPS).reply(200, { value: [] });
    nock(GRAPH).get(ASSIGNMENTS).query(byPrincipal(USER)).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byPrincipal(USER)).reply(400, graphError('BadRequest', 'Invalid filter clause'));
    noOtherGroups();

    await expectAppError(entra.getRoleHoldings(TENANT_A, USER), 'INTERNAL');
  });
});

describe('the connection test of the role reads', () => {
  const byRole = { $filter: `roleDefinitionId eq '${GLOBAL_ADMIN}'` };
  const byNobody = { $filter: "principalId eq '00000000-0000-0000-0000-000000000000'" };

  it('reads assignments and eligibility once each', async () => {
    const { entra } = directory();
    nock(GRAPH).get(ASSIGNMENTS).query(byRole).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byRole).reply(200, { value: [] });
    nock(GRAPH).get(GROUP_PIM).query(byNobody).reply(200, { value: [] });
    expect(await entra.checkRoleReads(TENANT_A)).toEqual({ eligibility: 'readable' });
    expect(nock.isDone()).toBe(true);
  });

  it('shows missing consent, and a tenant without P2', async () => {
    const { entra } = directory();
    nock(GRAPH).get(ASSIGNMENTS).query(byRole).reply(403, graphError('Authorization_RequestDenied', 'no'));
    nock(GRAPH).get(ELIGIBILITY).query(byRole).reply(200, { value: [] });
    nock(GRAPH).get(GROUP_PIM).query(byNobody).reply(200, { value: [] });
    const error = await expectAppError(entra.checkRoleReads(TENANT_A), 'ENTRA_ACCESS_DENIED');
    expect(error.detail).toContain('RoleManagement.Read.Directory');

    nock(GRAPH).get(ASSIGNMENTS).query(byRole).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byRole).reply(400, graphError('AadPremiumLicenseRequired', 'P2 needed'));
    nock(GRAPH).get(GROUP_PIM).query(byNobody).reply(400, graphError('AadPremiumLicenseRequired', 'P2 needed'));
    expect(await entra.checkRoleReads(TENANT_A)).toEqual({ eligibility: 'unlicensed' });
  });

  it('shows missing consent for PIM for Groups (security review)', async () => {
    const { entra } = directory();
    nock(GRAPH).get(ASSIGNMENTS).query(byRole).reply(200, { value: [] });
    nock(GRAPH).get(ELIGIBILITY).query(byRole).reply(200, { value: [] });
    nock(GRAPH).get(GROUP_PIM).query(byNobody).reply(403, graphError('Authorization_RequestDenied', 'no'));
    const error = await expectAppError(entra.checkRoleReads(TENANT_A), 'ENTRA_ACCESS_DENIED');
    expect(error.detail).toContain('PrivilegedEligibilitySchedule.Read.AzureADGroup');
  });
});
