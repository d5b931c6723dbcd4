import type { ConnectWiseConfig } from '../../config/index.js';
import type { Logger } from '../../logger.js';
import { buildHttpDeps, sendWithRetry, tryParseJson, type TransportOverrides } from '../http.js';
import type { HostedMemberClaim, HostedMemberVerifier, VerifiedHostedMember } from '../port.js';
import { createConnectWiseClient } from './client.js';
import { cwMyMemberInfoSchema } from './schemas.js';

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

  async function verify(claim: HostedMemberClaim): Promise<VerifiedHostedMember | null> {
    // Only members of the configured company, checked against the configured site — never a site the browser names.
    if (claim.companyId.trim().toLowerCase() !== config.companyId.toLowerCase()) return null;
    const cookies = { companyName: config.companyId, memberId: claim.memberId, memberHash: claim.memberHash, memberContext: claim.memberContext ?? '' };
    // Values go as sent by ConnectWise (real integrations do not encode them; base64's + / = are cookie text). A value
    // that is not cookie text (RFC 6265 cookie-octets: no space, quote, comma, semicolon, backslash or control
    // character) could add a cookie of its own: refused without asking.
    if (Object.values(cookies).some((v) => !COOKIE_VALUE.test(v))) return null;
    const res = await sendWithRetry(http, {
      method: 'GET',
      url: `${await client.apiBase()}/system/myMembers/info`,
      // No Authorization header: the member's cookies must stand on their own. Redirects are not followed, so a
      // login page behind a 302 cannot pass for a 200.
      headers: { ...client.commonHeaders, Cookie: Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; ') },
      redirect: 'manual',
    });
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

  return { verify };
}
