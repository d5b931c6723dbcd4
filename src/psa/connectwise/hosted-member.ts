import type { ConnectWiseConfig } from '../../config/index.js';
import type { Logger } from '../../logger.js';
import { buildHttpDeps, parseBody, sendWithRetry, type TransportOverrides } from '../http.js';
import type { HostedMemberClaim, HostedMemberVerifier, VerifiedHostedMember } from '../port.js';
import { createConnectWiseClient } from './client.js';
import { cwMyAccountSchema } from './schemas.js';

/**
 * Server-side check of the member a ConnectWise Hosted API page says it runs for. The page learns
 * `{companyid, memberid, memberHash, memberContext}` from the CW host frame by postMessage; the browser's word is not
 * proof, so we replay it to ConnectWise as "Cookie Authentication" and believe it only if CW answers 200.
 *
 * VERIFY ON A REAL INSTANCE: the reference gives the cookie names (`companyName`, `memberHash`, `memberId`,
 * `memberContext=web`) but no official page shows the exact request; whether `memberId` is the member identifier or the
 * numeric id, and whether `/system/myAccount` is the cheapest endpoint that honours the cookies, must be confirmed.
 * That is why this lives alone in this file, apart from the PsaConnector port.
 */

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
    const context = claim.memberContext ?? 'web';
    if ([claim.memberId, claim.memberHash, context].some((v) => v.length === 0 || v.length > 1024 || /[\u0000-\u001f]/.test(v))) {
      return null;
    }
    const cookie = [
      `companyName=${encodeURIComponent(config.companyId)}`,
      `memberHash=${encodeURIComponent(claim.memberHash)}`,
      `memberId=${encodeURIComponent(claim.memberId)}`,
      `memberContext=${encodeURIComponent(context)}`,
    ].join('; ');
    const res = await sendWithRetry(http, {
      method: 'GET',
      url: `${await client.apiBase()}/system/myAccount`,
      // No Authorization header: the member's cookies must stand on their own. Redirects are not followed, so a
      // login page behind a 302 cannot pass for a 200.
      headers: { ...client.commonHeaders, Cookie: cookie },
      redirect: 'manual',
    });
    // CW being down or throttling is not the member's fault: say so rather than "not signed in".
    if (res.status === 429 || res.status >= 500) throw client.fail(res);
    if (res.status !== 200) {
      http.logger.info({ status: res.status }, 'ConnectWise hosted member check refused');
      return null;
    }
    const account = parseBody('ConnectWise', res.text, cwMyAccountSchema, 'member account');
    // If CW names the member, it must be the one claimed (by identifier or numeric id).
    const claimed = claim.memberId.toLowerCase();
    const named = account.identifier !== undefined || account.id !== undefined;
    const same = account.identifier?.toLowerCase() === claimed || (account.id !== undefined && String(account.id) === claimed);
    if (named && !same) return null;
    return { memberId: claim.memberId, ...(account.identifier ? { memberIdentifier: account.identifier } : {}) };
  }

  return { verify };
}
