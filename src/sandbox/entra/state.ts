import type { Clock } from '../http.js';
import { opaqueToken } from '../identifiers.js';

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
export type AuthMethodKind = 'password' | 'microsoftAuthenticator' | 'fido2' | 'windowsHelloForBusiness' | 'phone';
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
  /** Role template ids assigned to the user directly. */
  directRoles?: string[];
  methods?: AuthMethodKind[];
}
export interface EntraGroup {
  id: string;
  displayName: string;
  isAssignableToRole: boolean;
  /** Role template ids assigned to the group (its members hold them transitively). */
  roles: string[];
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
};

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

  constructor(seed: EntraSeed, readonly clock: Clock) {
    this.app = { ...seed.app };
    this.partnerTenantId = seed.partnerTenantId;
    this.tenants = structuredClone(seed.tenants);
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

  /** Role template ids a user holds, directly and through groups. */
  rolesOf(tenant: EntraTenant, user: EntraUser): string[] {
    const viaGroups = tenant.groups.filter((g) => user.memberOf?.includes(g.id)).flatMap((g) => g.roles);
    return [...new Set([...(user.directRoles ?? []), ...viaGroups])];
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
