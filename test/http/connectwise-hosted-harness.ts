import { runInNewContext } from 'node:vm';
import { createApp } from '../../src/app.js';
import { AppError } from '../../src/errors.js';
import { HOSTED_PAGE_SCRIPT } from '../../src/http/connectwise-hosted/page-script.js';
import type { HostedMemberClaim, HostedMemberVerifier, Services } from '../../src/services.js';
import type { PassRevocation, RevokeRequest, RevokeResult } from '../../src/lifecycle/revoke.js';
import type { TicketIssuance, TicketIssueInput, TicketIssueResult } from '../../src/tap/ticket-issuance.js';
import { buildHarness, type TestHarness } from '../helpers/services.js';

/**
 * A small test language for the ConnectWise hosted page: the shared harness (real SQLite, fake PSA and Entra) plus a
 * ConnectWise member check that accepts only the members a test registers, and a spy in place of the issuance use case
 * so a test can see exactly what the page asked for.
 */

export const CW_COMPANY = 'msp'; // CW_COMPANY_ID in the shared TEST_ENV
export const MEMBER = { memberid: 'jsmith', memberHash: 'hash-0123456789abcdef-jsmith', memberContext: 'web' };

export class FakeMemberVerifier implements HostedMemberVerifier {
  claims: HostedMemberClaim[] = [];
  private accepted = new Map<string, string>();
  /** Thrown instead of answering, to stand for ConnectWise being down. */
  failure: AppError | undefined;
  /** Awaited before each answer: stands for the ConnectWise pacer (one check at a time, a few ms each). */
  pace: (() => Promise<void>) | undefined;
  /** Checks in progress now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;

  /** Tickets ConnectWise refuses to show the member (GET /service/tickets/{id} with their cookies: 403/404). */
  hiddenTickets = new Set<string>();
  /** Thrown by the ticket-access check instead of answering (e.g. TICKET_ACCESS_UNVERIFIED). */
  ticketFailure: AppError | undefined;
  ticketChecks: { memberId: string; ticketId: string }[] = [];

  accept(memberId: string, memberHash: string): this {
    this.accepted.set(memberId, memberHash);
    return this;
  }

  async verify(claim: HostedMemberClaim) {
    this.claims.push(claim);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.pace?.();
      if (this.failure) throw this.failure;
      return this.accepted.get(claim.memberId) === claim.memberHash ? { memberId: claim.memberId } : null;
    } finally {
      this.inFlight -= 1;
    }
  }

  async canOpenTicket(claim: HostedMemberClaim, ticketId: string) {
    this.ticketChecks.push({ memberId: claim.memberId, ticketId });
    if (this.ticketFailure) throw this.ticketFailure;
    // Only a claim ConnectWise would accept can read anything with the member's cookies.
    if (this.accepted.get(claim.memberId) !== claim.memberHash) throw new AppError('TICKET_ACCESS_UNVERIFIED');
    return !this.hiddenTickets.has(ticketId);
  }
}

export class SpyTicketIssuance implements TicketIssuance {
  calls: TicketIssueInput[] = [];
  /** The next answer: a summary, or an error to throw (a refusal). */
  answer: TicketIssueResult | AppError = issuedSummary();

  async issueForTicket(input: TicketIssueInput): Promise<TicketIssueResult> {
    this.calls.push(input);
    if (this.answer instanceof AppError) throw this.answer;
    return { ...this.answer, ticketId: input.ticketId };
  }

  async postInfoNote(): Promise<void> {
    throw new Error('the hosted page never posts info notes');
  }
}

/** Stands in for the revoke use case (src/lifecycle/revoke.ts) so a test sees exactly what the page asked to revoke. */
export class SpyPassRevocation implements PassRevocation {
  calls: RevokeRequest[] = [];
  answer: RevokeResult | AppError = {
    ticketId: '0',
    revoked: [{ issuanceId: '5b0e2a4e-0000-4000-8000-000000000001', userPrincipalName: 'jane@contoso.example', startDateTime: '2026-12-07T07:00:00.000Z', expiresDateTime: '2026-12-07T08:00:00.000Z' }],
    droppedSchedule: undefined,
    note: { status: 'written' },
  };

  async revokeForTicket(request: RevokeRequest): Promise<RevokeResult> {
    this.calls.push(request);
    if (this.answer instanceof AppError) throw this.answer;
    return { ...this.answer, ticketId: request.ticketId };
  }
}

export function issuedSummary(overrides: Partial<TicketIssueResult> = {}): TicketIssueResult {
  return {
    issuanceId: '5b0e2a4e-0000-4000-8000-000000000001',
    status: 'issued',
    ticketId: '0',
    userPrincipalName: 'jane@contoso.example',
    startDateTime: '2026-12-07T07:00:00.000Z',
    expiresDateTime: '2026-12-07T08:00:00.000Z',
    lifetimeMinutes: 60,
    usableOnce: true,
    note: { status: 'written' },
    ...overrides,
  };
}

export interface HostedHarness {
  base: TestHarness;
  /** The app with the issuance spy. */
  app: ReturnType<typeof createApp>;
  services: Services;
  members: FakeMemberVerifier;
  tickets: SpyTicketIssuance;
  revocations: SpyPassRevocation;
  clock: { now: Date };
  openPage(query?: string): Promise<Response>;
  /** `from` is the caller's address (the socket's), for throttles kept per source. */
  startSession(body?: Record<string, unknown>, headers?: Record<string, string>, from?: string): Promise<Response>;
  /** A fresh single-use action token for an existing session; the member claim is checked with ConnectWise again. */
  requestAction(session: { sessionToken?: string; csrfToken?: string }, body?: Record<string, unknown>): Promise<Response>;
  /** A session for `ticketId` as the page would get it; throws when the server refuses. */
  session(ticketId: string): Promise<SessionAnswer>;
  issue(session: { sessionToken?: string; csrfToken?: string; actionToken?: string }, body?: unknown, app?: ReturnType<typeof createApp>): Promise<Response>;
  revoke(session: { sessionToken?: string; csrfToken?: string; actionToken?: string }, body?: unknown): Promise<Response>;
}

export interface SessionAnswer {
  sessionToken: string;
  csrfToken: string;
  /** Single-use: spent by the first issue (or revoke) that carries it, whatever its outcome. */
  actionToken: string;
  expiresAt: string;
  member: { id: string };
  ticket: Record<string, unknown>;
}

export function buildHostedHarness(opts: { now: Date; env?: Record<string, string | undefined> }): HostedHarness {
  const members = new FakeMemberVerifier().accept(MEMBER.memberid, MEMBER.memberHash);
  const base = buildHarness({ now: opts.now, env: opts.env, connectwiseMembers: members });
  const tickets = new SpyTicketIssuance();
  const revocations = new SpyPassRevocation();
  const services: Services = { ...base.services, tickets, revocations };
  const app = createApp(services);

  const startSession: HostedHarness['startSession'] = async (body = {}, headers = {}, from = '192.0.2.10') =>
    app.request(
      '/psa/connectwise/hosted/session',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ ticketId: '100', companyid: CW_COMPANY, ...MEMBER, ...body }),
      },
      fromAddress(from),
    );

  return {
    base,
    app,
    services,
    members,
    tickets,
    revocations,
    clock: base.clock,
    openPage: async (query = '?id=100') => app.request(`/psa/connectwise/hosted${query}`),
    startSession,
    async session(ticketId) {
      const res = await startSession({ ticketId });
      if (res.status !== 200) throw new Error(`session refused: ${res.status} ${await res.text()}`);
      return (await res.json()) as SessionAnswer;
    },
    async requestAction(session, body = {}) {
      return app.request(
        '/psa/connectwise/hosted/action',
        { method: 'POST', headers: sessionHeaders(session), body: JSON.stringify({ companyid: CW_COMPANY, ...MEMBER, ...body }) },
        fromAddress('192.0.2.10'),
      );
    },
    async revoke(session, body = {}) {
      const headers = sessionHeaders(session);
      if (session.actionToken !== undefined) headers['x-action-token'] = session.actionToken;
      return app.request('/psa/connectwise/hosted/revoke', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    },
    async issue(session, body = {}, target = app) {
      const headers = sessionHeaders(session);
      if (session.actionToken !== undefined) headers['x-action-token'] = session.actionToken;
      return target.request('/psa/connectwise/hosted/tap', {
        method: 'POST',
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    },
  };
}

/** The bindings @hono/node-server gives a request, so `app.request` calls come from a socket address of our choosing. */
export function fromAddress(remoteAddress: string) {
  return { incoming: { socket: { remoteAddress, remotePort: 50_000, remoteFamily: remoteAddress.includes(':') ? 'IPv6' : 'IPv4' } } };
}

function sessionHeaders(session: { sessionToken?: string; csrfToken?: string }): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (session.sessionToken !== undefined) headers.authorization = `Bearer ${session.sessionToken}`;
  if (session.csrfToken !== undefined) headers['x-csrf-token'] = session.csrfToken;
  return headers;
}

/**
 * Just enough of a browser to run the page's script against the real app: elements by id (with the data attributes
 * the server rendered), a parent window that receives postMessage, and fetch routed into `app.request`.
 * The planned Playwright test covers real browser behaviour; this one guards the protocol logic in every CI run.
 */
export interface FakeElement {
  id: string;
  textContent: string;
  hidden: boolean;
  disabled: boolean;
  checked: boolean;
  dataset: Record<string, string>;
  listeners: Record<string, ((event: unknown) => void)[]>;
  addEventListener(type: string, fn: (event: unknown) => void): void;
  click(): void;
}

export interface HostedPageInBrowser {
  el(id: string): FakeElement;
  state(): string | undefined;
  /** What the page posted to its host window: [message, targetOrigin]. */
  posted: [unknown, string][];
  host: { postMessage(message: unknown, targetOrigin: string): void };
  /** Delivers a message to the page as if `origin` had sent it. */
  receive(origin: string, data: unknown): void;
  fetched: string[];
}

function fakeElement(id: string, attributes: Record<string, string> = {}): FakeElement {
  const element: FakeElement = {
    id,
    textContent: '',
    hidden: false,
    disabled: false,
    checked: false,
    dataset: { ...attributes },
    listeners: {},
    addEventListener(type, fn) {
      (element.listeners[type] ??= []).push(fn);
    },
    click() {
      for (const fn of element.listeners.click ?? []) fn({ type: 'click' });
    },
  };
  return element;
}

const unescapeAttribute = (v: string) => v.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');

export function runHostedPage(page: string, app: ReturnType<typeof createApp>, opts: { framed?: boolean; pageUrl?: string; hostTimeoutMs?: number; ancestorOrigins?: string[] } = {}): HostedPageInBrowser {
  const rootTag = /<main ([^>]*)>/.exec(page)?.[1] ?? '';
  const dataset: Record<string, string> = {};
  for (const [, name, value] of rootTag.matchAll(/data-([a-z-]+)="([^"]*)"/g)) {
    dataset[name!.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] = unescapeAttribute(value!);
  }
  if (opts.hostTimeoutMs !== undefined) dataset.hostTimeoutMs = String(opts.hostTimeoutMs);
  const elements = new Map<string, FakeElement>([['tap-app', fakeElement('tap-app', dataset)]]);
  for (const [tag, id] of page.matchAll(/<[a-z0-9]+ [^>]*\bid="([^"]+)"[^>]*>/g)) {
    if (elements.has(id!)) continue;
    const element = fakeElement(id!);
    element.hidden = /\shidden[\s=>/]/.test(tag);
    elements.set(id!, element);
  }
  const el = (id: string) => {
    const found = elements.get(id);
    if (!found) throw new Error(`the page has no #${id}`);
    return found;
  };

  const posted: [unknown, string][] = [];
  const host = { postMessage: (message: unknown, targetOrigin: string) => void posted.push([message, targetOrigin]) };
  const messageListeners: ((event: unknown) => void)[] = [];
  const fetched: string[] = [];
  const window: Record<string, unknown> = {
    location: { href: opts.pageUrl ?? 'https://connector.msp.example/psa/connectwise/hosted?id=100', ...(opts.ancestorOrigins ? { ancestorOrigins: opts.ancestorOrigins } : {}) },
    addEventListener: (type: string, fn: (event: unknown) => void) => {
      if (type === 'message') messageListeners.push(fn);
    },
  };
  window.parent = opts.framed === false ? window : host;
  const fetch = async (url: string, init: RequestInit) => {
    fetched.push(url);
    return app.request(new URL(url).pathname, init);
  };
  runInNewContext(HOSTED_PAGE_SCRIPT, {
    window,
    document: { getElementById: (id: string) => elements.get(id) ?? null },
    fetch,
    URL,
    setTimeout,
    clearTimeout,
  });
  return {
    el,
    state: () => el('tap-app').dataset.state,
    posted,
    host,
    receive(origin, data) {
      for (const fn of messageListeners) fn({ origin, data, source: host });
    },
    fetched,
  };
}
