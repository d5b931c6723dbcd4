import { randomUUID } from 'node:crypto';
import type { Clock } from '../http.js';
import { opaqueToken, stableGuid } from '../identifiers.js';

/** Seed data and in-memory state of the simulated Entra ID + Microsoft Graph. Shapes follow reference/entra-graph.md. */

export interface TapPolicy {
  state: 'enabled' | 'disabled';
  defaultLifetimeInMinutes: number;
  defaultLength: number;
  minimumLifetimeInMinutes: number;
  maximumLifetimeInMinutes: number;
  isUsableOnce: boolean;
  includeTargets: { targetType: 'group'; id: string; isRegistrationRequired?: boolean }[];
  excludeTargets: { targetType: 'group'; id: string }[];
}
export type AuthMethodKind = 'password' | 'microsoftAuthenticator' | 'fido2' | 'windowsHelloForBusiness' | 'phone' | 'softwareOath' | 'email';
/**
 * A directory role held by a user or a role-assignable group, as `roleManagement/directory` sees it: an active
 * assignment or a PIM eligibility, tenant-wide (`/`) or scoped to an administrative unit (`/administrativeUnits/{id}`).
 */
export interface RoleGrant {
  /** A built-in role's template id (its definition id too) or a custom role's id (tenant.customRoles). */
  roleDefinitionId: string;
  /** `/` (tenant-wide, the default) or `/administrativeUnits/{id}`. */
  directoryScopeId?: string;
  /** PIM-eligible (can be activated) rather than active. */
  eligible?: boolean;
}
export interface EntraUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  mail?: string;
  jobTitle?: string;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  /** Group ids (direct membership). */
  memberOf?: string[];
  /** Group ids the user owns (`/users/{id}/ownedObjects`): an owner can add itself as a member. */
  ownerOf?: string[];
  /** PIM for Groups: membership or ownership of a group the user can activate. Needs P2, like role eligibility. */
  groupEligibility?: { groupId: string; accessId: 'member' | 'owner' }[];
  /** Role template ids assigned to the user directly: active and tenant-wide. */
  directRoles?: string[];
  /** Any other way of holding a role directly: eligible, scoped to an administrative unit, custom. */
  roleGrants?: RoleGrant[];
  /** Registered authentication methods besides a TAP (those live in EntraState). */
  methods?: AuthMethodKind[];
}
export interface EntraGroup {
  id: string;
  displayName: string;
  isAssignableToRole: boolean;
  /** Role template ids assigned to the group, active and tenant-wide (its members hold them transitively). */
  roles: string[];
  /** Other grants to the group (eligible, scoped, custom); only a role-assignable group may hold any. */
  roleGrants?: RoleGrant[];
}
export interface EntraCustomRole {
  id: string;
  displayName: string;
}
export interface EntraAdministrativeUnit {
  id: string;
  displayName: string;
  /** User ids. */
  members: string[];
}
export interface EntraTenant {
  id: string;
  displayName: string;
  /** Verified domains; the first is the default, the `*.onmicrosoft.com` one is the initial domain. */
  domains: string[];
  /** Not Graph data: the customer's zone, for the demo mappings. */
  timeZone: string;
  region: 'EU' | 'NA' | 'AS' | 'OC';
  tapPolicy: TapPolicy;
  users: EntraUser[];
  groups: EntraGroup[];
  /** Custom directory roles (roleDefinitions with isBuiltIn false). */
  customRoles?: EntraCustomRole[];
  administrativeUnits?: EntraAdministrativeUnit[];
  /**
   * False = no Entra ID P2 / Governance licence: PIM is unavailable and the eligibility read answers 400
   * AadPremiumLicenseRequired (seen on real tenants; docs/verify-on-a-real-instance.md). Default true.
   */
  pimLicensed?: boolean;
  /** Only in the MSP's partner tenant: tenant ids of its GDAP customers. */
  delegatedAdminCustomers?: string[];
  /** Application permissions consented for the connector's app; absent = all it needs. */
  grantedPermissions?: string[];
  /** False = the app has no service principal here (token requests fail as unconsented). */
  appConsented?: boolean;
}
export interface EntraSeed {
  app: { clientId: string; clientSecret: string; displayName: string };
  partnerTenantId: string;
  tenants: EntraTenant[];
}

/** Built-in directory role templates (reference/entra-graph.md, "Users and roles"). */
export const ROLE_TEMPLATES: Record<string, string> = {
  '62e90394-69f5-4237-9190-012177145e10': 'Global Administrator',
  '7be44c8a-adaf-4e2a-84d6-ab2649e08a13': 'Privileged Authentication Administrator',
  'c4e39bd9-1100-46d3-8c65-fb160da0071f': 'Authentication Administrator',
  'e8611ab8-c189-46e8-94e1-60213ab1f814': 'Privileged Role Administrator',
  '729827e3-9c14-49f7-bb1b-9608f156bbb8': 'Helpdesk Administrator',
  'fe930be7-5e62-47db-91af-98c3a49a38b1': 'User Administrator',
  '194ae4cb-b126-40b2-bd5b-6091b380977d': 'Security Administrator',
  '88d8e3e3-8f55-4a1e-953a-9b9898b8876b': 'Directory Readers',
};

/** A role definition as `roleManagement/directory/roleDefinitions` shows it. Built-in: id = template id. */
export interface RoleDefinitionRecord {
  id: string;
  displayName: string;
  isBuiltIn: boolean;
  templateId: string;
}

/** A role held by a principal (the user or one of its groups), one row of roleAssignments or eligibility. */
export interface HeldRole {
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  eligible: boolean;
}

/** A registered authentication method other than the TAP (which EntraState keeps apart, one per user). */
export interface AuthMethodRecord {
  id: string;
  kind: AuthMethodKind;
  createdDateTime: string;
}

/** Graph's fixed id of the password method. */
const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';
/** Seeded methods were registered long before any pass the sandbox issues. */
const SEEDED_METHOD_AGE_MS = 90 * 24 * 3_600_000;

export interface TapRecord {
  id: string;
  tenantId: string;
  userId: string;
  /** The secret, kept so tests can check what reached the ticket note. */
  temporaryAccessPass: string;
  createdDateTime: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  used: boolean;
}

interface IssuedToken {
  tenantId: string;
  clientId: string;
  expiresAt: number;
}

export class EntraState {
  readonly app: EntraSeed['app'];
  readonly partnerTenantId: string;
  readonly tenants: EntraTenant[];
  /** Every TAP ever created, replaced ones included, oldest first (tests count creates with it). */
  readonly tapsCreated: TapRecord[] = [];
  private readonly currentTaps = new Map<string, TapRecord>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** Client certificates registered for the app (PEM), for `client_assertion` checks. */
  readonly clientCertificates: string[] = [];
  private readonly registeredMethods = new Map<string, AuthMethodRecord[]>();
  private readonly startedAt: Date;

  constructor(seed: EntraSeed, readonly clock: Clock) {
    this.app = { ...seed.app };
    this.partnerTenantId = seed.partnerTenantId;
    this.tenants = structuredClone(seed.tenants);
    this.startedAt = clock();
  }

  /** A tenant by id or by one of its domains (case-insensitive), as the login endpoints accept either. */
  tenant(idOrDomain: string): EntraTenant | undefined {
    const key = idOrDomain.toLowerCase();
    return this.tenants.find((t) => t.id === key || t.domains.some((d) => d.toLowerCase() === key));
  }

  user(tenantId: string, idOrUpn: string): EntraUser | undefined {
    const key = idOrUpn.toLowerCase();
    return this.tenant(tenantId)?.users.find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
  }

  /** The user's groups (direct membership; role-assignable groups cannot be nested, so that is all of them). */
  groupsOf(tenant: EntraTenant, user: EntraUser): EntraGroup[] {
    return tenant.groups.filter((g) => user.memberOf?.includes(g.id));
  }

  /** Every role grant of one principal (user or group) in the tenant: what roleAssignments/eligibility list for it. */
  heldBy(tenant: EntraTenant, principalId: string): HeldRole[] {
    const id = principalId.toLowerCase();
    const user = tenant.users.find((u) => u.id === id);
    const group = tenant.groups.find((g) => g.id === id);
    const shorthand = user?.directRoles ?? group?.roles ?? [];
    const grants: RoleGrant[] = [...shorthand.map((r) => ({ roleDefinitionId: r })), ...(user?.roleGrants ?? group?.roleGrants ?? [])];
    return grants.map((g) => ({ principalId: id, roleDefinitionId: g.roleDefinitionId, directoryScopeId: g.directoryScopeId ?? '/', eligible: g.eligible ?? false }));
  }

  /** All role grants in the tenant (users and groups). */
  allHeld(tenant: EntraTenant): HeldRole[] {
    return [...tenant.users.map((u) => u.id), ...tenant.groups.map((g) => g.id)].flatMap((id) => this.heldBy(tenant, id));
  }

  roleDefinition(tenant: EntraTenant, id: string): RoleDefinitionRecord | undefined {
    const key = id.toLowerCase();
    const builtIn = ROLE_TEMPLATES[key];
    if (builtIn) return { id: key, displayName: builtIn, isBuiltIn: true, templateId: key };
    const custom = tenant.customRoles?.find((r) => r.id === key);
    return custom ? { id: custom.id, displayName: custom.displayName, isBuiltIn: false, templateId: custom.id } : undefined;
  }

  /**
   * What `transitiveMemberOf` shows as directoryRole objects: built-in roles held *actively and tenant-wide*, directly
   * or through a group. Eligible, scoped and custom roles are not there (reference/specs/graph-doc-facts.md).
   */
  activeDirectoryRolesOf(tenant: EntraTenant, user: EntraUser): string[] {
    const principals = [user.id, ...this.groupsOf(tenant, user).map((g) => g.id)];
    const roles = principals
      .flatMap((p) => this.heldBy(tenant, p))
      .filter((h) => !h.eligible && h.directoryScopeId === '/' && this.roleDefinition(tenant, h.roleDefinitionId)?.isBuiltIn)
      .map((h) => h.roleDefinitionId);
    return [...new Set(roles)];
  }

  /** Administrative units the user is a member of (transitiveMemberOf lists them too). */
  administrativeUnitsOf(tenant: EntraTenant, user: EntraUser): EntraAdministrativeUnit[] {
    return (tenant.administrativeUnits ?? []).filter((au) => au.members.includes(user.id));
  }

  /** The user's registered methods (TAP excluded), oldest first. Seeded methods date from 90 days before start. */
  methodsOf(tenantId: string, userIdOrUpn: string): AuthMethodRecord[] {
    const user = this.user(tenantId, userIdOrUpn);
    if (!user) return [];
    const key = `${tenantId}/${user.id}`;
    let list = this.registeredMethods.get(key);
    if (!list) {
      const at = new Date(this.startedAt.getTime() - SEEDED_METHOD_AGE_MS).toISOString();
      list = (user.methods ?? []).map((kind) => ({ id: kind === 'password' ? PASSWORD_METHOD_ID : stableGuid(`${key}/method/${kind}`), kind, createdDateTime: at }));
      this.registeredMethods.set(key, list);
    }
    return [...list];
  }

  /**
   * Test and demo hook: the user registers a method (e.g. enrols the Authenticator app after signing in with a pass),
   * created now by the simulator's clock unless `at` is given.
   */
  registerMethod(tenantId: string, userIdOrUpn: string, kind: AuthMethodKind, at?: Date): AuthMethodRecord {
    const user = this.user(tenantId, userIdOrUpn);
    if (!user) throw new Error(`No user ${userIdOrUpn} in tenant ${tenantId}`);
    if (kind === 'password' && this.methodsOf(tenantId, user.id).some((m) => m.kind === 'password')) throw new Error('A user has one password method');
    this.methodsOf(tenantId, user.id);
    const record: AuthMethodRecord = { id: randomUUID(), kind, createdDateTime: (at ?? this.clock()).toISOString() };
    this.registeredMethods.get(`${tenantId}/${user.id}`)!.push(record);
    return record;
  }

  /** The user's current TAP (with the pass), if any. */
  tap(tenantId: string, userIdOrUpn: string): TapRecord | undefined {
    const user = this.user(tenantId, userIdOrUpn);
    return user ? this.currentTaps.get(`${tenantId}/${user.id}`) : undefined;
  }

  /** One TAP per user: storing a new one replaces the old (reference: a new POST replaces the existing pass). */
  storeTap(record: TapRecord): void {
    this.currentTaps.set(`${record.tenantId}/${record.userId}`, record);
    this.tapsCreated.push(record);
  }

  deleteTap(tenantId: string, userId: string): void {
    this.currentTaps.delete(`${tenantId}/${userId}`);
  }

  /** Simulates the user signing in with a one-time pass. */
  markTapUsed(tenantId: string, userIdOrUpn: string): void {
    const tap = this.tap(tenantId, userIdOrUpn);
    if (tap) tap.used = true;
  }

  issueToken(tenantId: string, clientId: string, lifetimeSeconds: number): string {
    const token = opaqueToken();
    this.tokens.set(token, { tenantId, clientId, expiresAt: this.clock().getTime() + lifetimeSeconds * 1000 });
    return token;
  }

  /** The tenant a bearer token was issued for; 'expired' or undefined when it is not usable. */
  tokenTenant(token: string): string | 'expired' | undefined {
    const issued = this.tokens.get(token);
    if (!issued) return undefined;
    return issued.expiresAt <= this.clock().getTime() ? 'expired' : issued.tenantId;
  }

  /** Expires every token now, as if an hour had passed (clients must fetch new ones). */
  expireAllTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }
}
