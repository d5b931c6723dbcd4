import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../src/errors.js';
import type { AuthenticationMethod, CreatedTap, CreateTapRequest, EntraDirectory, EntraUser, RoleHolding, RoleReadAccess, PartnerCustomer, TapMethod, TapPolicy, TenantOrganization } from '../../src/entra/port.js';
import type { OnboardingPage, PrivateNote, PsaCompany, PsaConnector, PsaKind, PsaTicket } from '../../src/psa/port.js';

export const POLICY_60_480: TapPolicy = {
  state: 'enabled',
  defaultLifetimeInMinutes: 60,
  minimumLifetimeInMinutes: 60,
  maximumLifetimeInMinutes: 480,
  isUsableOnce: false,
  defaultLength: 8,
};

interface FakeTenant {
  org: TenantOrganization;
  policy: TapPolicy;
  users: Map<string, EntraUser & { roles: RoleHolding[] }>;
  taps: Map<string, (CreatedTap & { request: CreateTapRequest })[]>;
  domains: string[];
}

/** An in-memory Entra with the behaviour the connector relies on (one TAP per user; a new create replaces it). */
export class FakeEntra implements EntraDirectory {
  tenants = new Map<string, FakeTenant>();
  calls: string[] = [];
  /** Errors to throw from the next createTap calls. */
  createErrors: AppError[] = [];
  partnerCustomers: PartnerCustomer[] = [];
  /** The service's clock (a pass usable now starts at the service's "now"). */
  now: () => Date = () => new Date();

  addTenant(tenantId: string, opts: { name: string; domain: string; policy?: Partial<TapPolicy> }): this {
    this.tenants.set(tenantId, {
      org: { id: tenantId, displayName: opts.name, verifiedDomains: [{ name: opts.domain, isDefault: true, isInitial: false }] },
      policy: { ...POLICY_60_480, ...opts.policy },
      users: new Map(),
      taps: new Map(),
      domains: [opts.domain],
    });
    return this;
  }

  addUser(tenantId: string, upn: string, opts: Partial<EntraUser> & { roles?: string[] } = {}): EntraUser {
    const user = {
      id: opts.id ?? randomUUID(),
      userPrincipalName: upn,
      displayName: opts.displayName ?? upn.split('@')[0]!,
      accountEnabled: opts.accountEnabled ?? true,
      userType: opts.userType ?? 'Member',
      // Each named role held actively, tenant-wide and directly (the Graph adapter's tests cover the other ways).
      roles: (opts.roles ?? []).map((name): RoleHolding => ({ roleName: name, roleTemplateId: randomUUID(), customRole: false, assignment: 'active', directoryScopeId: '/', heldVia: { kind: 'direct' } })),
    };
    this.tenant(tenantId).users.set(upn.toLowerCase(), user);
    return user;
  }

  tapsOf(tenantId: string, userId: string) {
    return this.tenant(tenantId).taps.get(userId) ?? [];
  }

  allPasses(): string[] {
    return [...this.tenants.values()].flatMap((t) => [...t.taps.values()].flat().map((tap) => tap.temporaryAccessPass));
  }

  private tenant(id: string): FakeTenant {
    const t = this.tenants.get(id);
    if (!t) throw new AppError('ENTRA_ACCESS_DENIED', `unknown tenant ${id}`);
    return t;
  }

  private findUser(tenantId: string, key: string) {
    const t = this.tenant(tenantId);
    return t.users.get(key.toLowerCase()) ?? [...t.users.values()].find((u) => u.id === key);
  }

  async getUser(tenantId: string, key: string) {
    this.calls.push(`getUser ${tenantId} ${key}`);
    const u = this.findUser(tenantId, key);
    if (!u) return null;
    const { roles: _r, ...user } = u;
    return user;
  }
  /** Errors thrown by the next getRoleHoldings calls (a failed role read). */
  roleErrors: AppError[] = [];
  async getRoleHoldings(tenantId: string, userId: string) {
    this.calls.push(`getRoleHoldings ${tenantId} ${userId}`);
    const error = this.roleErrors.shift();
    if (error) throw error;
    const u = this.findUser(tenantId, userId);
    if (!u) throw new AppError('INTERNAL', 'getRoleHoldings takes the id of a user that exists');
    return u.roles;
  }
  async checkRoleReads(tenantId: string): Promise<RoleReadAccess> {
    this.calls.push(`checkRoleReads ${tenantId}`);
    this.tenant(tenantId);
    return { eligibility: 'readable' };
  }
  async getOrganization(tenantId: string, options?: { fresh?: boolean }) {
    this.calls.push(`getOrganization ${tenantId}${options?.fresh ? ' fresh' : ''}`);
    return this.tenant(tenantId).org;
  }
  async getTapPolicy(tenantId: string, options?: { fresh?: boolean }) {
    this.calls.push(`getTapPolicy ${tenantId}${options?.fresh ? ' fresh' : ''}`);
    return this.tenant(tenantId).policy;
  }
  async createTap(tenantId: string, userId: string, request: CreateTapRequest): Promise<CreatedTap> {
    this.calls.push(`createTap ${tenantId} ${userId}`);
    const error = this.createErrors.shift();
    if (error) throw error;
    const t = this.tenant(tenantId);
    const created = {
      id: randomUUID(),
      temporaryAccessPass: `P${randomBytes(9).toString('base64url')}`,
      startDateTime: request.startDateTime ?? this.now().toISOString(),
      lifetimeInMinutes: request.lifetimeInMinutes,
      isUsableOnce: request.isUsableOnce || t.policy.isUsableOnce,
      methodUsabilityReason: request.startDateTime ? 'NotYetValid' : 'EnabledByPolicy',
      request,
    };
    t.taps.set(userId, [...(t.taps.get(userId) ?? []), created]);
    return created;
  }
  async listTaps(tenantId: string, userId: string): Promise<TapMethod[]> {
    this.calls.push(`listTaps ${tenantId} ${userId}`);
    return this.tapsOf(tenantId, userId).map((tap) => ({ id: tap.id, startDateTime: tap.startDateTime, lifetimeInMinutes: tap.lifetimeInMinutes, isUsableOnce: tap.isUsableOnce, methodUsabilityReason: tap.methodUsabilityReason }));
  }
  async getTap(tenantId: string, userId: string, methodId: string): Promise<TapMethod | null> {
    this.calls.push(`getTap ${tenantId} ${userId} ${methodId}`);
    return (await this.listTaps(tenantId, userId)).find((m) => m.id === methodId) ?? null;
  }
  /** Strong methods a test registered for a user id (the enrolment follow-up reads them). */
  authMethods = new Map<string, AuthenticationMethod[]>();
  async listAuthenticationMethods(tenantId: string, userId: string): Promise<AuthenticationMethod[]> {
    this.calls.push(`listAuthenticationMethods ${tenantId} ${userId}`);
    return this.authMethods.get(userId) ?? [];
  }
  deleted: string[] = [];
  async deleteTap(tenantId: string, userId: string, methodId: string) {
    this.calls.push(`deleteTap ${tenantId} ${userId} ${methodId}`);
    this.deleted.push(methodId);
    const t = this.tenant(tenantId);
    t.taps.set(userId, (t.taps.get(userId) ?? []).filter((tap) => tap.id !== methodId));
  }
  async resolveTenantId(domain: string) {
    this.calls.push(`resolveTenantId ${domain}`);
    for (const [id, t] of this.tenants) if (t.domains.includes(domain.toLowerCase())) return id;
    return null;
  }
  async listPartnerCustomers() {
    return this.partnerCustomers;
  }
}

/** An in-memory PSA that records the notes written to it. */
export class FakePsa implements PsaConnector {
  tickets = new Map<string, PsaTicket>();
  companies: PsaCompany[] = [];
  notes: { ticketId: string; note: PrivateNote; status?: string | undefined }[] = [];
  /** Number of upcoming note writes that fail with this error. */
  failNotes = 0;
  noteError: AppError = new AppError('UPSTREAM_UNAVAILABLE');
  getTicketCalls = 0;

  constructor(readonly kind: PsaKind) {}

  addTicket(ticket: Partial<PsaTicket> & { id: string; companyId: string }): PsaTicket {
    const full: PsaTicket = {
      psa: this.kind,
      summary: 'New starter',
      description: '',
      companyName: `Company ${ticket.companyId}`,
      contactName: undefined,
      contactEmail: undefined,
      customFields: {},
      statusName: undefined,
      statusId: undefined,
      boardOrTypeName: undefined,
      lastUpdated: new Date().toISOString(),
      ...ticket,
    };
    this.tickets.set(full.id, full);
    return full;
  }

  async getTicket(id: string) {
    this.getTicketCalls += 1;
    return this.tickets.get(id) ?? null;
  }
  async getTicketDescription(ticket: PsaTicket) {
    return ticket.description ?? '';
  }
  async listCompanies() {
    return this.companies;
  }
  async writePrivateNote(ticketId: string, note: PrivateNote, opts?: { status?: string }) {
    if (this.failNotes > 0) {
      this.failNotes -= 1;
      throw this.noteError;
    }
    this.notes.push({ ticketId, note, status: opts?.status });
  }
  async listOnboardingTickets(): Promise<OnboardingPage> {
    return { tickets: [], cursorAfter: undefined, hasMore: false };
  }
  async listChangedTickets(cursor: string): Promise<OnboardingPage> {
    return { tickets: [], cursorAfter: cursor, hasMore: false, onboardingIds: [] };
  }
  async ping() {}
}
