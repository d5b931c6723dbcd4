import type { ConnectWiseConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import { buildHttpDeps, sendWithRetry, tryParseJson, type TransportOverrides } from '../http.js';
import type { HostedMemberClaim, HostedMemberVerifier, VerifiedHostedMember } from '../port.js';
import { createConnectWiseClient } from './client.js';
import { cwMyMemberInfoSchema } from './schemas.js';

/** The answer to `GET /service/tickets/{id}?fields=id`. */
const cwTicketIdSchema = z.object({ id: z.number().int() });

/**
 * Server-side check of the member a ConnectWise Hosted API page says it runs for. The page learns
 * `{companyid, memberid, memberHash, memberContext}` from the CW host frame (getMemberAuthentication); the browser's word
 * is not proof, so we replay it to ConnectWise as "Cookie Authentication" and believe it only when ConnectWise answers
 * 200 naming that very member.
 *
 * The request (reference/specs/connectwise-hosted-api-evidence.md §4, reference/connectwise.md "Buttons inside the
 * ticket"): `GET /system/myMembers/info` — the 2025.1 "who am I" read (MyMemberInfo: id, identifier…); there is no
 * `GET /system/myAccount` — with the `clientId` header, NO Authorization (with API keys ConnectWise would answer for the
 * API member, not the technician) and the cookies `companyName`, `memberId`, `memberHash`, `memberContext` (ConnectWise
 * refuses the cookie check without memberContext). Cookie-name casing is UNCONFIRMED: real integrations use this one.
 * Kept apart from the PsaConnector port: it is ConnectWise-only and never uses the API member's keys.
 */

/** RFC 6265 cookie-value characters, at least one and at most 1024. */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,1024}$/;

export interface ConnectWiseMemberVerifierDeps extends TransportOverrides {
  config: ConnectWiseConfig;
  logger: Logger;
}

export function createConnectWiseMemberVerifier(deps: ConnectWiseMemberVerifierDeps): HostedMemberVerifier {
  const { config } = deps;
  // Its own bucket at the configured rate (it is built apart from the connector); a page load makes one or two calls,
  // so the extra allowance this gives ConnectWise is a handful of requests, not a second stream.
  const http = buildHttpDeps('ConnectWise', deps.logger.child({ psa: 'connectwise' }), deps, { requestsPerMinute: config.maxRequestsPerMinute });
  // Its own client only for the codebase (discovery and cache); the API keys are never sent on this path.
  const client = createConnectWiseClient(config, http);

  /** The member's cookie header, or undefined when the claim cannot be sent as cookies of the configured company. */
  function memberCookie(claim: HostedMemberClaim): string | undefined {
    // Only members of the configured company, checked against the configured site — never a site the browser names.
    if (claim.companyId.trim().toLowerCase() !== config.companyId.toLowerCase()) return undefined;
    const cookies = { companyName: config.companyId, memberId: claim.memberId, memberHash: claim.memberHash, memberContext: claim.memberContext ?? '' };
    // Values go as sent by ConnectWise (real integrations do not encode them; base64's + / = are cookie text). A value
    // that is not cookie text (RFC 6265 cookie-octets: no space, quote, comma, semicolon, backslash or control
    // character) could add a cookie of its own: refused without asking.
    if (Object.values(cookies).some((v) => !COOKIE_VALUE.test(v))) return undefined;
    return Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** A GET as the member: no Authorization header (the cookies must stand on their own), redirects not followed. */
  async function getAsMember(path: string, cookie: string) {
    return sendWithRetry(http, {
      method: 'GET',
      url: `${await client.apiBase()}${path}`,
      // A login page behind a 302 cannot pass for a 200.
      headers: { ...client.commonHeaders, Cookie: cookie },
      redirect: 'manual',
    });
  }

  async function verify(claim: HostedMemberClaim): Promise<VerifiedHostedMember | null> {
    const cookie = memberCookie(claim);
    if (cookie === undefined) return null;
    const res = await getAsMember('/system/myMembers/info', cookie);
    // CW being down or throttling is not the member's fault: say so rather than "not signed in".
    if (res.status === 429 || res.status >= 500) throw client.fail(res);
    if (res.status !== 200) {
      http.logger.info({ status: res.status }, 'ConnectWise hosted member check refused');
      return null;
    }
    const info = cwMyMemberInfoSchema.safeParse(tryParseJson(res.text));
    // Believed only when ConnectWise names the claimed member (a 200 naming no one is no confirmation). Identifiers are
    // compared without case: ConnectWise treats member identifiers case-insensitively (sign-in and conditions ignore
    // case, and two members cannot differ only by case), and the frame's `memberid` need not match the stored spelling.
    if (!info.success || info.data.identifier.toLowerCase() !== claim.memberId.toLowerCase()) {
      http.logger.warn({ status: res.status }, 'ConnectWise hosted member check named another member than claimed');
      return null;
    }
    return { memberId: claim.memberId, memberIdentifier: info.data.identifier };
  }

  /**
   * Confirming the member says who they are, not what they may see: the page's `?id=` is the browser's word too. So the
   * ticket is read with the MEMBER's cookies (their security roles, boards and locations apply), `fields=id` to keep
   * it small (2025.1 allows `fields` on GET /service/tickets/{id}). Only a 200 naming that very ticket allows; 403 or
   * 404 is ConnectWise saying no; anything else fails closed.
   */
  async function canOpenTicket(claim: HostedMemberClaim, ticketId: string): Promise<boolean> {
    const cookie = memberCookie(claim);
    if (cookie === undefined || !/^[1-9]\d{0,11}$/.test(ticketId)) throw new AppError('TICKET_ACCESS_UNVERIFIED');
    const res = await getAsMember(`/service/tickets/${ticketId}?fields=id`, cookie);
    if (res.status === 429 || res.status >= 500) throw client.fail(res);
    if (res.status === 403 || res.status === 404) {
      http.logger.info({ status: res.status, ticketId }, 'ConnectWise says the hosted member cannot open the ticket');
      return false;
    }
    const body = res.status === 200 ? cwTicketIdSchema.safeParse(tryParseJson(res.text)) : undefined;
    if (!body?.success || String(body.data.id) !== ticketId) {
      http.logger.warn({ status: res.status, ticketId }, 'ConnectWise did not confirm the hosted member may open the ticket');
      throw new AppError('TICKET_ACCESS_UNVERIFIED');
    }
    return true;
  }

  return { verify, canOpenTicket };
}
