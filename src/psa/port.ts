import type { PsaKind } from '../domain.js';

export type { PsaKind };

/** A ticket as the connector needs it, read from the PSA's own API (never from the caller). */
export interface PsaTicket {
  psa: PsaKind;
  id: string;
  summary: string;
  /**
   * Free text typed into the ticket, HTML stripped. Halo returns it with the ticket (`details`); ConnectWise keeps it
   * as the earliest Discussion note, so list results leave it undefined and `getTicketDescription` loads it on demand.
   */
  description: string | undefined;
  companyId: string;
  companyName: string;
  contactName: string | undefined;
  contactEmail: string | undefined;
  /** Custom fields by caption (CW) or name/label (Halo); value as text, calendar dates as YYYY-MM-DD. */
  customFields: Record<string, string | undefined>;
  statusName: string | undefined;
  statusId: string | undefined;
  boardOrTypeName: string | undefined;
  /** ISO-8601 UTC; the poller's cursor. */
  lastUpdated: string | undefined;
}

/**
 * A ticket as a list returned it. Halo's list rows carry no custom fields (only `GET /Tickets/{id}?includedetails=true`
 * does; docs/verify-on-a-real-instance.md H2), so `customFields` is undefined there until the ticket is read by id
 * (`readListedTicket`) — which the poller does only for a ticket it must look at, never for one its ledger has seen
 * at this `lastUpdated`. ConnectWise rows carry them (its description stays lazy, see PsaTicket.description).
 */
export interface ListedTicket extends Omit<PsaTicket, 'customFields'> {
  customFields: PsaTicket['customFields'] | undefined;
}

/** The full ticket behind a list row: the row itself when it has its custom fields, else one read by id (null: gone). */
export async function readListedTicket(connector: Pick<PsaConnector, 'getTicket'>, ticket: ListedTicket): Promise<PsaTicket | null> {
  const { customFields } = ticket;
  return customFields ? { ...ticket, customFields } : connector.getTicket(ticket.id);
}

export interface PsaCompany {
  id: string;
  name: string;
  identifier: string | undefined;
  /** A tenant id the PSA already knows (Halo's Azure AD connection), a strong mapping hint. */
  knownTenantId?: string | undefined;
  /** E-mail domains of the company's contacts, when the PSA returns them cheaply. */
  emailDomains?: string[];
}

export interface PrivateNote {
  /** Plain text (ConnectWise). */
  text: string;
  /** Simple HTML (Halo). */
  html: string;
}

export interface OnboardingPage {
  tickets: ListedTicket[];
  /** Cursor to store once this page is handled (opaque per adapter). */
  cursorAfter: string | undefined;
  /** True when more pages follow in this cycle. */
  hasMore: boolean;
  /**
   * listChangedTickets only: the ids among `tickets` that are in the configured onboarding queue (board/status/type,
   * or Halo request type/status); the others are listed only because they changed.
   */
  onboardingIds?: string[];
}

export interface PsaConnector {
  readonly kind: PsaKind;
  /** Null when the PSA answers 404. */
  getTicket(ticketId: string): Promise<PsaTicket | null>;
  /** The ticket's free text (see PsaTicket.description); one extra request on ConnectWise, none on Halo. */
  getTicketDescription(ticket: PsaTicket): Promise<string>;
  /**
   * Every (non-deleted) company, paged to the end. A large PSA takes a minute or more: `onProgress` is told the number
   * of companies read so far after each page (the admin page shows it).
   */
  listCompanies(opts?: { onProgress?: (companiesRead: number) => void }): Promise<PsaCompany[]>;
  /** Writes a technician-only note; optionally moves the ticket to `status` in the same step (adapter-specific value). */
  writePrivateNote(ticketId: string, note: PrivateNote, opts?: { status?: string }): Promise<void>;
  /**
   * Onboarding tickets changed after `cursor`, one page per call (`page` is 1-based). Only when onboarding is
   * configured for this PSA; the adapter filters (server- and client-side) to the configured board/status/type.
   */
  listOnboardingTickets(cursor: string | undefined, page: number): Promise<OnboardingPage>;
  /**
   * Every ticket changed at or after `cursor` (an ISO instant from an earlier page's cursorAfter), whatever its board,
   * type or status, one page per call: how the poller follows tickets whose pass it issued or scheduled after they
   * left the onboarding queue (done, cancelled, moved), at one request per idle cycle however many it follows.
   * ConnectWise: `conditions=lastUpdated >= [cursor]`; Halo: `lastupdatefromdate`, re-checked on the client.
   */
  listChangedTickets(cursor: string, page: number): Promise<OnboardingPage>;
  /** A cheap authenticated call for health checks and the admin "test connection". */
  ping(): Promise<void>;
}

/** What a ConnectWise Hosted API page says about the member it runs for (from the CW frame's getMemberAuthentication). */
export interface HostedMemberClaim {
  companyId: string;
  memberId: string;
  memberHash: string;
  memberContext?: string | undefined;
}

export interface VerifiedHostedMember {
  /** The member's identifier as ConnectWise named it. */
  memberId: string;
  memberIdentifier?: string | undefined;
}

/** Confirms a hosted page's member claim with ConnectWise itself; the browser's word is never proof. */
export interface HostedMemberVerifier {
  /** The member as ConnectWise knows them, or null when ConnectWise does not accept the claim. */
  verify(claim: HostedMemberClaim): Promise<VerifiedHostedMember | null>;
  /**
   * Whether ConnectWise lets this member (their own cookies, not the connector's API member) open ticket `ticketId`:
   * true on a 200 naming that ticket, false when ConnectWise answers 403 or 404. Anything else throws (fail closed):
   * TICKET_ACCESS_UNVERIFIED, or the upstream error when ConnectWise is down or throttling.
   */
  canOpenTicket(claim: HostedMemberClaim, ticketId: string): Promise<boolean>;
}
