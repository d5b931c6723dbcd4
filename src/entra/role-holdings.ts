import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import { GraphError } from '@microsoft/microsoft-graph-client';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { GraphCallContext } from './graph-errors.js';
import * as schema from './graph-schemas.js';
import { isGuid, userPath } from './paths.js';
import type { GroupRelation, RoleHolding, RoleReadAccess } from './port.js';

/**
 * "Privileged" (DESIGN.md invariant 3): any directory role the user holds or can activate, at any scope, directly or
 * through a group. No single Graph read shows all of that (reference/specs/graph-doc-facts.md), so three are combined:
 *  - `/users/{id}/transitiveMemberOf`, without a cast (a cast is an advanced query and has been seen answering every
 *    object unfiltered): active tenant-wide built-in roles, and the groups, of which the role-assignable ones are asked
 *    about in turn;
 *  - `/roleManagement/directory/roleAssignments?$filter=principalId eq '…'`: active assignments at any scope, custom
 *    roles included, for the user and for each role-assignable group;
 *  - `/roleManagement/directory/roleEligibilityScheduleInstances` with the same filter: PIM eligibility, which a holder
 *    of a pass can activate;
 *  - `/users/{id}/ownedObjects`, again without a cast: the role-assignable groups the user owns (an owner can add itself
 *    as a member);
 *  - `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances` filtered on the user: PIM for Groups, the
 *    groups whose membership or ownership the user can activate.
 * Each group found by any of these is asked about with the two roleManagement reads.
 * Any failed read throws: the caller refuses the pass (fail closed).
 */

type CallContext = Omit<GraphCallContext, 'now'>;

export interface RoleReadTools {
  /** A request for a path on the tenant's Graph client. */
  api(tenantId: string, path: string): GraphRequest;
  /** Every page of a collection; `recover` may turn a failure of the first page into an answer. */
  readAllPages<S extends z.ZodType<{ value: unknown[]; '@odata.nextLink'?: string | undefined }>>(
    ctx: CallContext,
    shape: S,
    first: GraphRequest,
    headers?: Record<string, string>,
    recover?: (error: unknown) => z.infer<S>['value'] | undefined,
  ): Promise<z.infer<S>['value']>;
  /** What to make of a tenant without an Entra ID P2 / Governance licence (ENTRA_PIM_UNLICENSED). */
  pimUnlicensed: 'no-eligible-roles' | 'refuse';
  onPimUnlicensed(tenantId: string): void;
}

const DIRECTORY_ROLE = '#microsoft.graph.directoryRole';
const GROUP = '#microsoft.graph.group';
/** Graph's answer to a PIM read in a tenant without P2 (seen on real tenants; docs/verify-on-a-real-instance.md). */
const PIM_UNLICENSED = 'AadPremiumLicenseRequired';
export const ROLE_READ_PERMISSION = 'RoleManagement.Read.Directory';
/** PIM for Groups eligibility (application permission). */
export const GROUP_ELIGIBILITY_PERMISSION = 'PrivilegedEligibilitySchedule.Read.AzureADGroup';
/** Global Administrator's template id: the connection test's harmless filter. */
const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const NIL_GUID = '00000000-0000-0000-0000-000000000000';

type Grant = z.infer<typeof schema.roleGrantPageSchema>['value'][number];
type Principal = { id: string; group: { id: string; displayName: string; relation?: GroupRelation } | undefined };

export async function readRoleHoldings(tools: RoleReadTools, tenantId: string, userId: string): Promise<RoleHolding[]> {
  // roleManagement filters take object ids; getUser has given us one.
  if (!isGuid(userId)) throw new AppError('INVALID_REQUEST', `"${userId.slice(0, 60)}" is not a user object id.`);
  const user: Principal = { id: userId.toLowerCase(), group: undefined };
  const membershipsCtx = { tenantId, action: "read the user's group and role memberships", permission: 'User.Read.All' };
  const ownedCtx = { tenantId, action: 'read the groups the user owns', permission: 'User.Read.All' };
  const groupPimCtx = { tenantId, action: 'read the PIM for Groups eligibility of the user', permission: GROUP_ELIGIBILITY_PERMISSION };
  // The user's own reads are independent of each other: one round trip.
  const [memberships, owned, groupEligibility, ...own] = await Promise.all([
    tools.readAllPages(membershipsCtx, schema.directoryObjectPageSchema, tools.api(tenantId, `${userPath(userId)}/transitiveMemberOf`)),
    tools.readAllPages(ownedCtx, schema.directoryObjectPageSchema, tools.api(tenantId, `${userPath(userId)}/ownedObjects`)),
    tools.readAllPages(
      groupPimCtx,
      schema.groupEligibilityPageSchema,
      tools.api(tenantId, '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances').filter(`principalId eq '${user.id}'`),
      {},
      (error) => pimUnlicensedAnswer(tools, tenantId, error),
    ),
    ...grantReads(tools, tenantId, user),
  ]);
  // A group whose properties are all null came back with "limited information" (the app may not read groups): it may
  // be role-assignable, so it is asked about too. Otherwise only isAssignableToRole true (Graph says null, not false,
  // for the others).
  const mayHoldRoles = (o: (typeof memberships)[number]) =>
    sameType(o['@odata.type'], GROUP) && (o.isAssignableToRole === true || o.displayName == null);
  const groups: Principal[] = [
    ...memberships.filter(mayHoldRoles).map((g) => groupPrincipal(g.id, g.displayName ?? g.id, undefined)),
    ...owned.filter(mayHoldRoles).map((g) => groupPrincipal(g.id, g.displayName ?? g.id, 'owner')),
    // PIM for Groups names only the group's id; whether it is role-assignable is not stated, so every one is asked about.
    ...groupEligibility.map((e) => groupPrincipal(e.groupId, e.groupId, e.accessId === 'owner' ? 'eligible-owner' : 'eligible-member')),
  ];
  // Then every such group (only role-assignable ones can hold roles): a second round trip.
  const viaGroups = await Promise.all(groups.flatMap((g) => grantReads(tools, tenantId, g)));
  const holdings = [...own, ...viaGroups].flat();

  // transitiveMemberOf names active tenant-wide built-in roles. Normally the assignments above already show each; one
  // that is missing there (replication lag) still counts.
  for (const role of memberships.filter((o) => sameType(o['@odata.type'], DIRECTORY_ROLE))) {
    const templateId = (role.roleTemplateId ?? '').toLowerCase();
    const known = holdings.some((h) => h.assignment === 'active' && h.directoryScopeId === '/' && h.roleTemplateId === templateId);
    if (!known) {
      holdings.push({
        roleName: role.displayName ?? (templateId || role.id),
        roleTemplateId: templateId,
        customRole: false,
        assignment: 'active',
        directoryScopeId: '/',
        heldVia: { kind: 'membership' },
      });
    }
  }
  return dedupe(holdings);
}

/** The active-assignment and eligibility reads for one principal. */
function grantReads(tools: RoleReadTools, tenantId: string, principal: Principal): Promise<RoleHolding[]>[] {
  const filter = `principalId eq '${principal.id}'`;
  const whose = principal.group ? `the group "${principal.group.displayName}"` : 'the user';
  const active = tools
    .readAllPages(
      { tenantId, action: `read the directory role assignments of ${whose}`, permission: ROLE_READ_PERMISSION },
      schema.roleGrantPageSchema,
      tools.api(tenantId, '/roleManagement/directory/roleAssignments').filter(filter).expand('roleDefinition'),
    )
    .then((grants) => grants.map((g) => toHolding(g, 'active', principal)));
  const eligible = tools
    .readAllPages(
      { tenantId, action: `read the PIM role eligibility of ${whose}`, permission: ROLE_READ_PERMISSION },
      schema.roleGrantPageSchema,
      tools.api(tenantId, '/roleManagement/directory/roleEligibilityScheduleInstances').filter(filter).expand('roleDefinition'),
      {},
      (error) => pimUnlicensedAnswer(tools, tenantId, error),
    )
    .then((grants) => grants.map((g) => toHolding(g, 'eligible', principal)));
  return [active, eligible];
}

function groupPrincipal(id: string, displayName: string, relation: GroupRelation | undefined): Principal {
  return { id: id.toLowerCase(), group: { id, displayName, ...(relation ? { relation } : {}) } };
}

/** Without P2 a tenant has no PIM and so nothing eligible (Microsoft removes eligibility when the licence ends). */
function pimUnlicensedAnswer(tools: RoleReadTools, tenantId: string, error: unknown): [] | undefined {
  if (!isPimUnlicensed(error) || tools.pimUnlicensed === 'refuse') return undefined;
  tools.onPimUnlicensed(tenantId);
  return [];
}

/**
 * The connection test's probe: one page of each roleManagement read, filtered on a role rather than a user, and of the
 * PIM for Groups read, so missing consent shows when the mapping is made rather than on the first press.
 */
export async function probeRoleReads(tools: RoleReadTools, tenantId: string): Promise<RoleReadAccess> {
  const filter = `roleDefinitionId eq '${GLOBAL_ADMINISTRATOR}'`;
  let eligibility: RoleReadAccess['eligibility'] = 'readable';
  const unlicensed = (error: unknown): [] | undefined => {
    if (!isPimUnlicensed(error)) return undefined;
    eligibility = tools.pimUnlicensed === 'refuse' ? 'unlicensed-refusing' : 'unlicensed';
    return [];
  };
  await Promise.all([
    tools.readAllPages(
      { tenantId, action: 'read directory role assignments', permission: ROLE_READ_PERMISSION },
      schema.roleGrantPageSchema,
      tools.api(tenantId, '/roleManagement/directory/roleAssignments').filter(filter),
    ),
    tools.readAllPages(
      { tenantId, action: 'read PIM role eligibility', permission: ROLE_READ_PERMISSION },
      schema.roleGrantPageSchema,
      tools.api(tenantId, '/roleManagement/directory/roleEligibilityScheduleInstances').filter(filter),
      {},
      unlicensed,
    ),
    // PIM for Groups has a permission of its own; a filter is required, and no principal has the nil id.
    tools.readAllPages(
      { tenantId, action: 'read PIM for Groups eligibility', permission: GROUP_ELIGIBILITY_PERMISSION },
      schema.groupEligibilityPageSchema,
      tools.api(tenantId, '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances').filter(`principalId eq '${NIL_GUID}'`),
      {},
      unlicensed,
    ),
  ]);
  return { eligibility };
}

function isPimUnlicensed(error: unknown): boolean {
  return error instanceof GraphError && error.statusCode === 400 && error.code === PIM_UNLICENSED;
}

function toHolding(g: Grant, assignment: RoleHolding['assignment'], principal: Principal): RoleHolding {
  const definition = g.roleDefinition ?? undefined;
  return {
    roleName: definition?.displayName ?? g.roleDefinitionId,
    roleTemplateId: (definition?.templateId ?? g.roleDefinitionId).toLowerCase(),
    // Unknown (no definition came back) counts as custom: the note then says so rather than guess a built-in name.
    customRole: definition?.isBuiltIn !== true,
    assignment,
    directoryScopeId: g.directoryScopeId ?? (g.appScopeId ? `app:${g.appScopeId}` : '/'),
    heldVia: principal.group
      ? {
          kind: 'group',
          groupId: principal.group.id,
          groupName: principal.group.displayName,
          ...(principal.group.relation ? { relation: principal.group.relation } : {}),
        }
      : { kind: 'direct' },
  };
}

function sameType(actual: string, expected: string): boolean {
  return actual.toLowerCase() === expected.toLowerCase();
}

function dedupe(holdings: RoleHolding[]): RoleHolding[] {
  const seen = new Set<string>();
  return holdings.filter((h) => {
    const key = JSON.stringify([h.roleTemplateId, h.assignment, h.directoryScopeId, h.heldVia]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** How one holding reads in a refusal note: `Global Administrator (eligible (PIM), tenant-wide, via group "Tier 0")`. */
export function describeHolding(h: RoleHolding): string {
  const how = [
    ...(h.customRole ? ['custom role'] : []),
    h.assignment === 'active' ? 'active' : 'eligible (PIM)',
    scopeText(h.directoryScopeId),
    h.heldVia.kind === 'group' ? viaGroup(h.heldVia) : h.heldVia.kind === 'direct' ? 'assigned directly' : 'listed among its memberships',
  ];
  return `${h.roleName} (${how.join(', ')})`;
}

function viaGroup(via: Extract<RoleHolding['heldVia'], { kind: 'group' }>): string {
  switch (via.relation) {
    case 'owner':
      return `as owner of group "${via.groupName}"`;
    case 'eligible-member':
      return `as eligible member of group "${via.groupName}" (PIM for Groups)`;
    case 'eligible-owner':
      return `as eligible owner of group "${via.groupName}" (PIM for Groups)`;
    default:
      return `via group "${via.groupName}"`;
  }
}

function scopeText(scope: string): string {
  if (scope === '/') return 'tenant-wide';
  const unit = /^\/administrativeUnits\/(.+)$/i.exec(scope);
  if (unit) return `scoped to administrative unit ${unit[1]}`;
  if (scope.startsWith('app:')) return `scoped to app scope ${scope.slice(4)}`;
  return `scoped to ${scope}`;
}
