import { randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../src/errors.js';
import type { AuthenticationMethod, CreatedTap, CreateTapRequest, EntraDirectory, EntraUser, TapMethod, TapPolicy } from '../../src/entra/port.js';
import type { ListedTicket, OnboardingPage, PrivateNote, PsaConnector, PsaKind, PsaTicket } from '../../src/psa/port.js';

/**
 * An in-memory Entra: one tenant per id, users by UPN, every created pass kept for assertions. Like Graph it keeps one
 * pass per user: a create deletes the user's previous pass (reference/entra-graph.md), and the TAP method reports its
 * usability from Graph's clock.
 */
export class FakeDirectory implements EntraDirectory {
  users = new Map<string, Map<string, EntraUser>>();
  domains = new Map<string, string>();
  passes: { tenantId: string; userId: string; upn: string; request: CreateTapRequest; tap: CreatedTap }[] = [];
  /** The user's current TAP method in Graph (at most one), by user id. */
  live = new Map<string, { tap: CreatedTap; used: boolean }>();
  /** Strong methods registered per user id (the state hook a test uses to "enrol" a user). */
  methods = new Map<string, AuthenticationMethod[]>();
  deleted: string[] = [];
  calls: string[] = [];
  /** Errors thrown by the next getUser calls (throttling, outages). */
  getUserErrors: AppError[] = [];
  policy: TapPolicy = { state: 'enabled', defaultLifetimeInMinutes: 60, minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, isUsableOnce: false, defaultLength: 8 };

  constructor(private readonly now: () => Date) {}

  addTenant(tenantId: string, domain: string): this {
    this.users.set(tenantId, new Map());
    this.domains.set(tenantId, domain);
    return this;
  }

  addUser(tenantId: string, upn: string, displayName = upn.split('@')[0]!): EntraUser {
    const user = { id: randomUUID(), userPrincipalName: upn, displayName, accountEnabled: true, userType: 'Member' };
    this.users.get(tenantId)!.set(upn.toLowerCase(), user);
    return user;
  }

  passesFor(upn: string) {
    return this.passes.filter((p) => p.upn === upn.toLowerCase());
  }

  async getUser(tenantId: string, upn: string) {
    const error = this.getUserErrors.shift();
    if (error) throw error;
    return this.users.get(tenantId)?.get(upn.toLowerCase()) ?? null;
  }
  async getRoleHoldings() {
    return [];
  }
  async checkRoleReads() {
    return { eligibility: 'readable' as const };
  }
  async getOrganization(tenantId: string) {
    const domain = this.domains.get(tenantId) ?? 'unknown.example';
    return { id: tenantId, displayName: `Tenant ${domain}`, verifiedDomains: [{ name: domain, isDefault: true, isInitial: false }] };
  }
  async getTapPolicy() {
    return this.policy;
  }
  async createTap(tenantId: string, userId: string, request: CreateTapRequest): Promise<CreatedTap> {
    const upn = [...(this.users.get(tenantId)?.values() ?? [])].find((u) => u.id === userId)!.userPrincipalName.toLowerCase();
    const tap = {
      id: randomUUID(),
      temporaryAccessPass: `T${randomBytes(9).toString('base64url')}`,
      startDateTime: request.startDateTime ?? this.now().toISOString(),
      lifetimeInMinutes: request.lifetimeInMinutes,
      isUsableOnce: request.isUsableOnce,
      methodUsabilityReason: undefined,
    };
    this.passes.push({ tenantId, userId, upn, request, tap });
    this.live.set(userId, { tap, used: false });
    this.calls.push(`createTap ${userId}`);
    return tap;
  }
  /** A pass created in the Entra portal, not by the connector. */
  createOutside(tenantId: string, upn: string, lifetimeInMinutes = 480): CreatedTap {
    const user = this.users.get(tenantId)!.get(upn.toLowerCase())!;
    const tap = { id: randomUUID(), temporaryAccessPass: 'outside', startDateTime: this.now().toISOString(), lifetimeInMinutes, isUsableOnce: false, methodUsabilityReason: undefined };
    this.live.set(user.id, { tap, used: false });
    return tap;
  }
  register(userId: string, odataType: string, createdDateTime: string | undefined, displayName?: string): void {
    this.methods.set(userId, [...(this.methods.get(userId) ?? []), { id: randomUUID(), odataType, createdDateTime, displayName }]);
  }
  useOnce(userId: string): void {
    const live = this.live.get(userId);
    if (live) live.used = true;
  }
  private method(userId: string): TapMethod | undefined {
    const live = this.live.get(userId);
    if (!live) return undefined;
    const start = Date.parse(live.tap.startDateTime);
    const end = start + live.tap.lifetimeInMinutes * 60_000;
    const at = this.now().getTime();
    const reason = live.used && live.tap.isUsableOnce ? 'OneTimeUsed' : at >= end ? 'Expired' : at < start ? 'NotYetValid' : 'EnabledByPolicy';
    return {
      id: live.tap.id,
      startDateTime: live.tap.startDateTime,
      lifetimeInMinutes: live.tap.lifetimeInMinutes,
      isUsableOnce: live.tap.isUsableOnce,
      isUsable: reason === 'EnabledByPolicy',
      methodUsabilityReason: reason,
      createdDateTime: live.tap.startDateTime,
    };
  }
  async listTaps(_tenantId: string, userId: string) {
    this.calls.push(`listTaps ${userId}`);
    const m = this.method(userId);
    return m ? [m] : [];
  }
  async getTap(_tenantId: string, userId: string, methodId: string) {
    this.calls.push(`getTap ${userId} ${methodId}`);
    const m = this.method(userId);
    return m && m.id === methodId ? m : null;
  }
  async listAuthenticationMethods(_tenantId: string, userId: string) {
    this.calls.push(`listAuthenticationMethods ${userId}`);
    const tap = this.method(userId);
    const password = { id: '28c10230-6103-485e-b985-444c60001490', odataType: '#microsoft.graph.passwordAuthenticationMethod', createdDateTime: undefined, displayName: undefined };
    return [password, ...(tap ? [{ id: tap.id, odataType: '#microsoft.graph.temporaryAccessPassAuthenticationMethod', createdDateTime: tap.createdDateTime, displayName: undefined }] : []), ...(this.methods.get(userId) ?? [])];
  }
  async deleteTap(_tenantId: string, userId: string, methodId: string) {
    this.calls.push(`deleteTap ${userId} ${methodId}`);
    this.deleted.push(methodId);
    if (this.live.get(userId)?.tap.id === methodId) this.live.delete(userId);
  }
  async resolveTenantId() {
    return null;
  }
  async listPartnerCustomers() {
    return [];
  }
}

export interface FakeTicket extends PsaTicket {
  open: boolean;
  /** ConnectWise keeps the description as a note: the list leaves it out and a separate request reads it. */
  hiddenDescription?: string;
}

/**
 * A PSA with the listing behaviour the adapters implement. `cursor` mode is ConnectWise: `lastUpdated >= cursor`,
 * oldest first, and writing a note updates the ticket (so it moves to the end of that order). `open-list` is Halo:
 * the cursor is ignored and every open onboarding ticket is listed each cycle, 100 per page, its rows without custom
 * fields (read by id, `getTicket`, when the poller needs them).
 */
export class FakeOnboardingPsa implements PsaConnector {
  tickets = new Map<string, FakeTicket>();
  notes: { ticketId: string; note: PrivateNote; status?: string | undefined }[] = [];
  calls = { list: 0, description: 0, getTicket: 0, note: 0 };
  /** Errors thrown by upcoming list calls. */
  listErrors: AppError[] = [];
  /** The status that takes a ticket off the onboarding board (CW_DONE_STATUS / HALO_DONE_STATUS_ID). */
  doneStatus: string | undefined;
  private seconds = 0;

  constructor(
    readonly kind: PsaKind,
    private readonly mode: 'cursor' | 'open-list',
    private readonly pageSize = 100,
  ) {}

  /** The PSA's own clock for lastUpdated: one second per change, so order is unambiguous. */
  private stamp(): string {
    this.seconds += 1;
    return new Date(Date.UTC(2026, 10, 1) + this.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  add(t: Partial<FakeTicket> & { id: string; companyId: string }): FakeTicket {
    const ticket: FakeTicket = {
      psa: this.kind,
      summary: 'New starter',
      description: undefined,
      companyName: `Company ${t.companyId}`,
      contactName: 'Pat from HR',
      contactEmail: 'hr@contoso.example',
      customFields: {},
      statusName: 'New',
      statusId: '1',
      boardOrTypeName: 'Onboarding',
      open: true,
      ...t,
      lastUpdated: t.lastUpdated ?? this.stamp(),
    };
    this.tickets.set(ticket.id, ticket);
    return ticket;
  }

  edit(id: string, changes: Partial<FakeTicket>): void {
    Object.assign(this.tickets.get(id)!, changes, { lastUpdated: this.stamp() });
  }

  notesFor(ticketId: string) {
    return this.notes.filter((n) => n.ticketId === ticketId);
  }

  private view(t: FakeTicket): PsaTicket {
    const { open: _o, hiddenDescription: _h, ...ticket } = t;
    return { ...ticket, customFields: { ...ticket.customFields } };
  }

  /** A list row: Halo's (`open-list`) carry no custom fields, so the poller must read the ticket by id to see them. */
  private row(t: FakeTicket): ListedTicket {
    const ticket = this.view(t);
    return this.mode === 'open-list' ? { ...ticket, customFields: undefined } : ticket;
  }

  async listOnboardingTickets(cursor: string | undefined, page: number): Promise<OnboardingPage> {
    this.calls.list += 1;
    const error = this.listErrors.shift();
    if (error) throw error;
    const open = [...this.tickets.values()].filter((t) => t.open);
    const rows =
      this.mode === 'cursor'
        ? open.filter((t) => !cursor || t.lastUpdated! >= cursor).sort((a, b) => a.lastUpdated!.localeCompare(b.lastUpdated!) || Number(a.id) - Number(b.id))
        : open.sort((a, b) => Number(a.id) - Number(b.id));
    const slice = rows.slice((page - 1) * this.pageSize, page * this.pageSize).map((t) => this.row(t));
    const cursorAfter = this.mode === 'cursor' ? (slice.at(-1)?.lastUpdated ?? cursor) : cursor;
    return { tickets: slice, cursorAfter, hasMore: rows.length > page * this.pageSize };
  }

  /** The change feed: every ticket (open or not, on the board or not) changed at or after the cursor, oldest first. */
  async listChangedTickets(cursor: string, page: number): Promise<OnboardingPage> {
    this.calls.list += 1;
    const error = this.listErrors.shift();
    if (error) throw error;
    const rows = [...this.tickets.values()].filter((t) => t.lastUpdated! >= cursor).sort((a, b) => a.lastUpdated!.localeCompare(b.lastUpdated!) || Number(a.id) - Number(b.id));
    const slice = rows.slice((page - 1) * this.feedPageSize, page * this.feedPageSize);
    return {
      tickets: slice.map((t) => this.row(t)),
      cursorAfter: slice.at(-1)?.lastUpdated ?? cursor,
      hasMore: rows.length > page * this.feedPageSize,
      onboardingIds: slice.filter((t) => t.open).map((t) => t.id),
    };
  }
  /** ConnectWise pages of 1,000; Halo's are capped at 100. */
  get feedPageSize(): number {
    return this.kind === 'connectwise' ? 1000 : 100;
  }

  async getTicket(ticketId: string) {
    this.calls.getTicket += 1;
    const t = this.tickets.get(ticketId);
    return t ? this.view(t) : null;
  }

  async getTicketDescription(ticket: PsaTicket) {
    if (ticket.description !== undefined) return ticket.description;
    this.calls.description += 1;
    return this.tickets.get(ticket.id)?.hiddenDescription ?? '';
  }

  async listCompanies() {
    return [];
  }

  async writePrivateNote(ticketId: string, note: PrivateNote, opts?: { status?: string }) {
    this.calls.note += 1;
    this.notes.push({ ticketId, note, status: opts?.status });
    const t = this.tickets.get(ticketId);
    if (t) this.edit(ticketId, opts?.status && opts.status === this.doneStatus ? { open: false, statusId: opts.status } : {});
  }

  async ping() {}
}
