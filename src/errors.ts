/**
 * Errors are values with a stable code. Each code has an HTTP status (mapped by the one error handler in app.ts),
 * a short title, and a sentence a technician can act on — the same sentence goes into the ticket note.
 */
export const ERROR_CATALOGUE = {
  // caller errors
  UNAUTHORIZED: { status: 401, title: 'Not authenticated', explain: 'The request was not signed with this PSA\'s button secret; check the button or integration configuration.' },
  INVALID_REQUEST: { status: 400, title: 'Invalid request', explain: 'The request was malformed; see the detail for the field at fault.' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request too large', explain: 'The request body is larger than this endpoint accepts.' },
  TOO_MANY_ATTEMPTS: { status: 429, title: 'Too many failed attempts', explain: 'Too many failed sign-in or signature attempts from this address; wait a few minutes.' },
  NOT_FOUND: { status: 404, title: 'Not found', explain: 'There is nothing at this address.' },
  PSA_NOT_ENABLED: { status: 404, title: 'PSA not enabled', explain: 'This PSA is not configured on the connector; set its variables and restart.' },
  TICKET_NOT_FOUND: { status: 404, title: 'Ticket not found', explain: 'The PSA says this ticket does not exist, or the connector\'s API member cannot see it.' },
  TICKET_ACCESS_DENIED: { status: 403, title: 'Ticket not open to you', explain: 'ConnectWise says your member cannot open this ticket, so the connector will not issue or revoke a pass for it; ask someone who can open the ticket in ConnectWise.' },
  TICKET_ACCESS_UNVERIFIED: { status: 502, title: 'Ticket access not confirmed', explain: 'ConnectWise did not confirm that you may open this ticket, so nothing was done; reload the ticket in ConnectWise (or sign in again) and retry.' },
  NO_LIVE_PASS: { status: 404, title: 'No live pass', explain: 'The connector issued no pass for this ticket that is still live, so there is nothing to revoke.' },
  // refusals (a private note says the same)
  COMPANY_NOT_MAPPED: { status: 409, title: 'Company not mapped', explain: 'This ticket\'s company is not mapped to a Microsoft 365 tenant; an admin must map it on the connector\'s Companies page.' },
  MAPPING_DISABLED: { status: 409, title: 'Company disabled', explain: 'TAP issuance is switched off for this company; an admin can enable it on the connector\'s Companies page.' },
  USER_NOT_IDENTIFIED: { status: 422, title: 'No user on the ticket', explain: 'The ticket names no user: fill in the UPN field (or the ticket contact\'s e-mail) and try again.' },
  USER_DOMAIN_NOT_VERIFIED: { status: 422, title: 'User outside the tenant', explain: 'The user\'s domain is not a verified domain of the mapped tenant; check the UPN or the company\'s mapping.' },
  USER_NOT_FOUND: { status: 422, title: 'User not found', explain: 'No account with this UPN exists in the mapped tenant yet; create or sync the account, then try again.' },
  USER_DISABLED: { status: 422, title: 'Account disabled', explain: 'The account is disabled (sign-in blocked); enable it in Entra before issuing a pass.' },
  USER_GUEST: { status: 422, title: 'Guest account', explain: 'The account is an external guest; a Temporary Access Pass cannot be issued to guests.' },
  USER_PRIVILEGED: { status: 422, title: 'Privileged account', explain: 'The account holds or can activate an Entra directory role; issue its pass by hand, or an admin must allow privileged accounts for this company.' },
  ROLE_CHECK_FAILED: { status: 502, title: 'Role check failed', explain: 'Whether the account holds an Entra directory role could not be established, so no pass was issued; try again, and check the connector\'s admin consent for RoleManagement.Read.Directory and PrivilegedEligibilitySchedule.Read.AzureADGroup in the tenant.' },
  POLICY_DISABLED: { status: 422, title: 'TAP disabled by policy', explain: 'The Temporary Access Pass method is disabled in this tenant\'s authentication methods policy, or the user is not in its targets; enable it in Entra (Protection → Authentication methods).' },
  START_DATE_INVALID: { status: 422, title: 'Unclear start date', explain: 'The start date could not be read without guessing; write it as YYYY-MM-DD (for example 2026-12-01).' },
  USER_HAS_LIVE_PASS: { status: 409, title: 'User already holds a pass', explain: 'The user already holds a live Temporary Access Pass, and a new one would silently replace it; ask again with reissue to replace it.' },
  LIFETIME_INVALID: { status: 422, title: 'Lifetime rejected', explain: 'The tenant rejected the requested lifetime; check the TAP policy\'s minimum and maximum lifetime.' },
  // upstream trouble
  TENANT_NOT_FOUND: { status: 422, title: 'No such tenant', explain: 'No Microsoft Entra tenant has this id or domain; check the id or domain in the company\'s mapping.' },
  ENTRA_ACCESS_DENIED: { status: 502, title: 'Entra access denied', explain: 'The connector\'s app lacks consent or a role in this tenant; grant admin consent for its Graph permissions (or the GDAP roles).' },
  ENTRA_NOT_CONFIGURED: { status: 503, title: 'Entra not configured', explain: 'The connector has no Entra app credentials; set ENTRA_CLIENT_ID and a secret or certificate.' },
  UPSTREAM_THROTTLED: { status: 429, title: 'Throttled upstream', explain: 'Microsoft or the PSA is throttling requests; wait a minute and try again — no pass was issued.' },
  UPSTREAM_UNAVAILABLE: { status: 503, title: 'Upstream unavailable', explain: 'Microsoft Graph or the PSA did not answer; try again shortly — no pass was issued.' },
  PSA_ERROR: { status: 502, title: 'PSA error', explain: 'The PSA refused the connector\'s request; check the API member / application permissions.' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'Database unavailable', explain: 'The connector\'s database file was deleted or replaced while it was running, so nothing can be saved; restore the data folder (or the backup) and restart the connector.' },
  INTERNAL: { status: 500, title: 'Internal error', explain: 'The connector failed unexpectedly; the log has the request id.' },
} as const satisfies Record<string, { status: number; title: string; explain: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    /** Safe to show a caller: never a secret, a stack or an upstream body. */
    readonly detail: string = ERROR_CATALOGUE[code].explain,
    readonly extra: { retryAfterSeconds?: number; cause?: unknown; fields?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.status = ERROR_CATALOGUE[code].status;
  }

  get title(): string {
    return ERROR_CATALOGUE[this.code].title;
  }
}

export function explain(code: ErrorCode): string {
  return ERROR_CATALOGUE[code].explain;
}

/** Codes that are the customer's state, not a fault: refused with a note, not retried. */
export const REFUSAL_CODES = new Set<ErrorCode>([
  'COMPANY_NOT_MAPPED',
  'MAPPING_DISABLED',
  'USER_NOT_IDENTIFIED',
  'USER_DOMAIN_NOT_VERIFIED',
  'USER_NOT_FOUND',
  'USER_DISABLED',
  'USER_GUEST',
  'USER_PRIVILEGED',
  'ROLE_CHECK_FAILED',
  'POLICY_DISABLED',
  'START_DATE_INVALID',
  'LIFETIME_INVALID',
  'ENTRA_ACCESS_DENIED',
  'TENANT_NOT_FOUND',
  'USER_HAS_LIVE_PASS',
]);

/**
 * The one place that decides how an attempt that issued nothing is recorded: `refused` when the customer's state or
 * the request says no (a code in REFUSAL_CODES — noted on the ticket, not retried), `failed` for anything else
 * (upstream trouble, a fault of ours, an unexpected error).
 */
export function attemptOutcome(error: unknown): 'refused' | 'failed' {
  return error instanceof AppError && REFUSAL_CODES.has(error.code) ? 'refused' : 'failed';
}

export function isRetryable(error: unknown): boolean {
  return error instanceof AppError && (error.code === 'UPSTREAM_THROTTLED' || error.code === 'UPSTREAM_UNAVAILABLE');
}
