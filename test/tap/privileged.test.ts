import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEntraDirectory } from '../../src/entra/index.js';
import type { EntraDirectory } from '../../src/entra/port.js';
import { AppError } from '../../src/errors.js';
import { startEntraServer, type EntraServer } from '../../src/sandbox/index.js';
import { defaultDirectory, TENANT_IDS } from '../../src/sandbox/seed-directory.js';
import { issueTemporaryAccessPass, type IssueDeps } from '../../src/tap/issue.js';
import { loadConfig } from '../../src/config/index.js';
import { buildHarness, TEST_ENV, type TestHarness } from '../helpers/services.js';
import { captureLogger, entraConfig } from '../entra/helpers.js';

/**
 * Issue 10 #3 and #4, end to end through the real Graph adapter and the simulated Graph: privileged means any directory
 * role a user holds or can activate, and a role check that cannot be made refuses the pass.
 */

let graph: EntraServer;
let entra: EntraDirectory;
let h: TestHarness;
let deps: IssueDeps;

beforeAll(async () => {
  graph = await startEntraServer({ seed: defaultDirectory() });
  // A read retry would wait out the 429 below for real; two quick tries keep the test fast and still prove "after retries".
  entra = createEntraDirectory({
    config: entraConfig({ clientId: graph.clientId, credential: { kind: 'secret', clientSecret: graph.clientSecret }, authorityHost: graph.authorityHost, graphBaseUrl: graph.graphBaseUrl, trustedCaPem: graph.caPem }),
    policyCacheSeconds: 0,
    logger: captureLogger().logger,
    sleep: async () => undefined,
    readRetry: { maxRetries: 1 },
  });
});
afterAll(async () => {
  await graph.close();
});
beforeEach(() => {
  graph.faults.reset();
  h = buildHarness();
  h.map('connectwise', '10', { tenantId: TENANT_IDS.contoso });
  h.map('connectwise', '30', { tenantId: TENANT_IDS.northwind });
  deps = { entra, issuances: h.services.issuances, logger: h.services.logger, transaction: (fn) => h.services.storage.sqlite.transaction(fn)() };
});

const issue = (upn: string, companyId = '10') =>
  issueTemporaryAccessPass(deps, h.services.mappings.get('connectwise', companyId)!, { userPrincipalName: upn, requestedBy: 'tech@msp', trigger: 'button', ticketId: '1' });
async function refusal(upn: string, companyId = '10'): Promise<AppError> {
  const error = await issue(upn, companyId).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
const creates = () => graph.faults.requests({ method: 'POST', path: /temporaryAccessPassMethods$/ }).length;

describe('privileged accounts are refused, however the role is held', () => {
  it('issues a pass to an ordinary user who belongs to ordinary groups and an administrative unit', async () => {
    const issued = await issue('alice.jansen@contoso.example');
    expect(issued.user.userPrincipalName).toBe('alice.jansen@contoso.example');
    expect(creates()).toBe(1);
  });

  it.each([
    ['sanne.helpdesk', /Authentication Administrator \(active, tenant-wide, assigned directly\)/],
    ['erik.admin', /Global Administrator \(active, tenant-wide, via group "Contoso Global Admins"\)/],
    ['pieter.pim', /Global Administrator \(eligible \(PIM\), tenant-wide, assigned directly\)/],
    ['ruud.security', /Security Administrator \(eligible \(PIM\), tenant-wide, via group "Contoso Security \(PIM\)"\)/],
    ['marit.scoped', /Helpdesk Administrator \(active, scoped to administrative unit [0-9a-f-]{36}, assigned directly\)/],
    ['joost.custom', /Contoso Password Resetter \(custom role, active, tenant-wide, assigned directly\)/],
    // Security review: an owner of a role-assignable group can add itself; PIM for Groups can activate membership.
    ['olga.owner', /Global Administrator \(active, tenant-wide, as owner of group "Contoso Global Admins"\)/],
    ['gijs.pimgroup', /Global Administrator \(active, tenant-wide, as eligible member of group "[0-9a-f-]{36}" \(PIM for Groups\)\)/],
  ])('refuses %s and names the role and how it is held', async (local, how) => {
    const error = await refusal(`${local}@contoso.example`);
    expect(error.code).toBe('USER_PRIVILEGED');
    expect(error.detail).toMatch(how);
    expect(creates()).toBe(0);
  });

  it('issues to an ordinary user of a tenant without PIM (no Entra ID P2): no eligibility can exist there', async () => {
    graph.state.tenant(TENANT_IDS.northwind)!.tapPolicy.state = 'enabled';
    try {
      expect((await issue('oliver.smith@northwind.example', '30')).user.userPrincipalName).toBe('oliver.smith@northwind.example');
      expect((await refusal('wendy.admin@northwind.example', '30')).code).toBe('USER_PRIVILEGED');
    } finally {
      graph.state.tenant(TENANT_IDS.northwind)!.tapPolicy.state = 'disabled';
    }
  });
});

describe('ENTRA_PIM_UNLICENSED', () => {
  it('refuse: an ordinary user of a tenant without P2 gets no pass, with a note that the check could not be made', async () => {
    const config = loadConfig({
      ...TEST_ENV,
      ENTRA_CLIENT_ID: graph.clientId,
      ENTRA_CLIENT_SECRET: graph.clientSecret,
      ENTRA_AUTHORITY_HOST: graph.authorityHost,
      GRAPH_BASE_URL: graph.graphBaseUrl,
      ENTRA_PIM_UNLICENSED: 'refuse',
    }, { trustedCaPem: graph.caPem });
    expect(config.entra?.pimUnlicensed).toBe('refuse');
    deps = { ...deps, entra: createEntraDirectory({ config: config.entra!, policyCacheSeconds: 0, logger: captureLogger().logger }) };
    graph.state.tenant(TENANT_IDS.northwind)!.tapPolicy.state = 'enabled';
    try {
      const error = await refusal('oliver.smith@northwind.example', '30');
      expect(error.code).toBe('ROLE_CHECK_FAILED');
      expect(error.detail).toContain('AadPremiumLicenseRequired');
    } finally {
      graph.state.tenant(TENANT_IDS.northwind)!.tapPolicy.state = 'disabled';
    }
  });

  it('is no-eligible-roles unless set, and refuses a value it does not know', () => {
    expect(loadConfig(TEST_ENV).entra?.pimUnlicensed).toBe('no-eligible-roles');
    expect(() => loadConfig({ ...TEST_ENV, ENTRA_PIM_UNLICENSED: 'ignore' })).toThrow(/ENTRA_PIM_UNLICENSED/);
  });
});

describe('with the least permissions', () => {
  it('still finds group-held roles when memberships come back with limited information (no GroupMember.Read.All)', async () => {
    const contoso = graph.state.tenant(TENANT_IDS.contoso)!;
    const before = contoso.grantedPermissions;
    contoso.grantedPermissions = ['User.Read.All', 'RoleManagement.Read.Directory', 'PrivilegedEligibilitySchedule.Read.AzureADGroup', 'Policy.Read.AuthenticationMethod', 'Organization.Read.All', 'UserAuthenticationMethod.ReadWrite.All'];
    try {
      const group = contoso.groups.find((g) => g.displayName === 'Contoso Security (PIM)')!;
      const error = await refusal('ruud.security@contoso.example');
      expect(error.code).toBe('USER_PRIVILEGED');
      expect(error.detail).toContain(`Security Administrator (eligible (PIM), tenant-wide, via group "${group.id}")`);
      expect((await refusal('erik.admin@contoso.example')).detail).toContain('Global Administrator');
      expect((await issue('alice.jansen@contoso.example')).user.userPrincipalName).toBe('alice.jansen@contoso.example');
    } finally {
      contoso.grantedPermissions = before;
    }
  });
});

describe('a role check that cannot be made refuses the pass', () => {
  const ROLE_READS: [string, RegExp][] = [
    ['transitiveMemberOf', /\/transitiveMemberOf/],
    ['roleAssignments', /\/roleManagement\/directory\/roleAssignments$/],
    ['roleEligibilityScheduleInstances', /\/roleManagement\/directory\/roleEligibilityScheduleInstances$/],
  ];
  const CASES: [number, string][] = [
    [404, 'ROLE_CHECK_FAILED'],
    [403, 'ENTRA_ACCESS_DENIED'],
    [429, 'UPSTREAM_THROTTLED'],
    [500, 'UPSTREAM_UNAVAILABLE'],
    [503, 'UPSTREAM_UNAVAILABLE'],
  ];

  for (const [read, path] of ROLE_READS) {
    it.each(CASES)(`refuses when ${read} answers %i`, async (status, code) => {
      graph.faults.add({ path, status, times: Infinity, ...(status === 429 ? { retryAfter: '1' } : {}) });
      const error = await refusal('alice.jansen@contoso.example');
      expect(error.code).toBe(code);
      expect(error.detail).toMatch(/could not (check|establish) whether alice\.jansen@contoso\.example holds/i);
      if (status === 403) expect(error.detail).toContain('RoleManagement.Read.Directory');
      expect(creates()).toBe(0);
      expect(h.services.issuances.list({}, { limit: 1, offset: 0 }).rows[0]).toMatchObject({ outcomeCode: code });
    });
  }

  it("refuses when the read of the user's role-assignable group fails, after the user's own reads succeeded", async () => {
    // The user's eligibility read comes first and passes untouched; the next one (the group's) answers 404.
    graph.faults.add({ path: /roleEligibilityScheduleInstances$/, delayMs: 0 });
    graph.faults.add({ path: /roleEligibilityScheduleInstances$/, status: 404 });
    const error = await refusal('ruud.security@contoso.example');
    expect(error.code).toBe('ROLE_CHECK_FAILED');
    const group = graph.state.tenant(TENANT_IDS.contoso)!.groups.find((g) => g.displayName === 'Contoso Security (PIM)')!;
    const eligibilityQueries = graph.faults.requests({ path: /roleEligibilityScheduleInstances$/ }).map((r) => decodeURIComponent(r.query));
    expect(eligibilityQueries[1]).toContain(group.id);
    expect(creates()).toBe(0);
  });

  it('does not read roles at all for a mapping that allows privileged accounts', async () => {
    h.map('connectwise', '10', { tenantId: TENANT_IDS.contoso, allowPrivileged: true });
    expect((await issue('pieter.pim@contoso.example')).user.userPrincipalName).toBe('pieter.pim@contoso.example');
    expect(graph.faults.requests({ path: /roleManagement|transitiveMemberOf/ })).toEqual([]);
  });
});
