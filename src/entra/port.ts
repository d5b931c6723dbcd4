/** What the connector needs from Microsoft Entra / Graph, per customer tenant. Implemented by graph-directory.ts. */

export interface EntraUser {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest' | string;
}

/** One directory role a user holds or can activate, and how (issue 10): what a refusal note names. */
/** How a user stands to a group that holds a role, other than as a member. */
export type GroupRelation = 'owner' | 'eligible-member' | 'eligible-owner';

export interface RoleHolding {
  roleName: string;
  /** Lower-case; a custom role's id. */
  roleTemplateId: string;
  customRole: boolean;
  /** Active now, or PIM-eligible (whoever signs in as the user can activate it). */
  assignment: 'active' | 'eligible';
  /** `/` = tenant-wide; `/administrativeUnits/{id}` or another directory object; `app:{appScopeId}`. */
  directoryScopeId: string;
  /** `membership`: listed by transitiveMemberOf only (not yet by roleManagement). */
  heldVia:
    | { kind: 'direct' }
    /**
     * Through a role-assignable group. `relation` absent: the user is a member. `owner`: the user owns the group (and can
     * add itself); `eligible-member` / `eligible-owner`: PIM for Groups lets the user activate membership / ownership.
     */
    | { kind: 'group'; groupId: string; groupName: string; relation?: GroupRelation }
    | { kind: 'membership' };
}

/** What the admin connection test learns about the role reads. */
export interface RoleReadAccess {
  /** `unlicensed`: no Entra ID P2 in the tenant, so no PIM eligibility can exist (see ENTRA_PIM_UNLICENSED). */
  eligibility: 'readable' | 'unlicensed' | 'unlicensed-refusing';
}

export interface TenantOrganization {
  id: string;
  displayName: string;
  verifiedDomains: { name: string; isDefault: boolean; isInitial: boolean }[];
}

export interface TapPolicy {
  state: 'enabled' | 'disabled';
  defaultLifetimeInMinutes: number;
  minimumLifetimeInMinutes: number;
  maximumLifetimeInMinutes: number;
  isUsableOnce: boolean;
  defaultLength: number;
}

export interface CreateTapRequest {
  /** ISO-8601 UTC; omitted = usable now. */
  startDateTime?: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
}

export interface CreatedTap {
  id: string;
  /** The secret. Lives in memory and in the sealed outbox only. */
  temporaryAccessPass: string;
  startDateTime: string;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  methodUsabilityReason: string | undefined;
}

export interface TapMethod {
  id: string;
  startDateTime: string | undefined;
  lifetimeInMinutes: number | undefined;
  isUsableOnce: boolean | undefined;
  /** Graph's own word on whether the pass can be used now (the follow-up trusts it over our clock). */
  isUsable?: boolean | undefined;
  /** EnabledByPolicy | DisabledByPolicy | Expired | NotYetValid | OneTimeUsed (compare case-insensitively). */
  methodUsabilityReason: string | undefined;
  createdDateTime?: string | undefined;
}

/** One of the user's registered authentication methods (GET /users/{id}/authentication/methods). */
export interface AuthenticationMethod {
  id: string;
  /** The `@odata.type`, e.g. `#microsoft.graph.microsoftAuthenticatorAuthenticationMethod`. */
  odataType: string;
  /** When Graph reports it (Authenticator, FIDO2, Windows Hello do; software OATH does not). */
  createdDateTime: string | undefined;
  displayName: string | undefined;
}

export interface PartnerCustomer {
  tenantId: string;
  displayName: string;
}

/**
 * Errors: the implementation throws AppError — USER_NOT_FOUND is *not* thrown by getUser (it returns null);
 * 403 → ENTRA_ACCESS_DENIED; 429 → UPSTREAM_THROTTLED (with retryAfterSeconds); 5xx/network → UPSTREAM_UNAVAILABLE;
 * a policy refusal on create → POLICY_DISABLED; a lifetime refusal → LIFETIME_INVALID; guest refusal → USER_GUEST.
 */
export interface EntraDirectory {
  getUser(tenantId: string, userPrincipalNameOrId: string): Promise<EntraUser | null>;
  /**
   * Every directory role the user (by object id) holds or can activate: active or PIM-eligible, tenant-wide or scoped,
   * built-in or custom, directly or through a role-assignable group. Throws if any read fails (callers refuse).
   */
  getRoleHoldings(tenantId: string, userId: string): Promise<RoleHolding[]>;
  /** The admin connection test: reads the roleManagement endpoints once, so missing consent shows there. */
  checkRoleReads(tenantId: string): Promise<RoleReadAccess>;
  /** Cached per tenant for TAP_POLICY_CACHE_SECONDS; `fresh` reads Graph now (admin connection test). */
  getOrganization(tenantId: string, options?: { fresh?: boolean }): Promise<TenantOrganization>;
  /** Cached per tenant for TAP_POLICY_CACHE_SECONDS; `fresh` reads Graph now (admin connection test). */
  getTapPolicy(tenantId: string, options?: { fresh?: boolean }): Promise<TapPolicy>;
  /** Never retried automatically: a replayed create silently replaces a pass already delivered. */
  createTap(tenantId: string, userId: string, request: CreateTapRequest): Promise<CreatedTap>;
  listTaps(tenantId: string, userId: string): Promise<TapMethod[]>;
  /** One pass by its method id; null when Graph answers 404 (deleted, or replaced by a newer pass). */
  getTap(tenantId: string, userId: string, methodId: string): Promise<TapMethod | null>;
  /** Every authentication method the user has registered (the enrolment follow-up). */
  listAuthenticationMethods(tenantId: string, userId: string): Promise<AuthenticationMethod[]>;
  deleteTap(tenantId: string, userId: string, methodId: string): Promise<void>;
  /** Resolves a domain to its tenant id via the OpenID discovery document (no auth). Null if unknown. */
  resolveTenantId(domain: string): Promise<string | null>;
  /** GDAP customers of the MSP's own tenant (ENTRA_PARTNER_TENANT_ID); empty when not configured. */
  listPartnerCustomers(): Promise<PartnerCustomer[]>;
}
