import type { Context } from 'hono';
import { z } from 'zod';
import type { ConnectWiseConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';
import type { HostedMemberVerifier, VerifiedHostedMember } from '../../psa/port.js';
import type { Services } from '../../services.js';
import { createAttemptThrottle, createInFlightLimit } from '../attempt-throttle.js';
import { clientAddress } from '../client-address.js';

/**
 * The one way into the hosted page's privileges: a member claim from the ConnectWise frame, confirmed by ConnectWise.
 * Each claim costs ConnectWise a request and is a guess at a member hash, so per source (issue 11):
 *  - the attempt is counted (reserved) synchronously, before the first `await`, so a concurrent burst cannot all pass
 *    the check before the first failure is recorded (93 of 150 forged claims reached ConnectWise before this);
 *  - at most MEMBER_CHECKS_IN_FLIGHT_PER_SOURCE checks wait for ConnectWise at once; beyond that the answer is 429 at
 *    once, so a flood cannot queue ahead of a real technician behind the ConnectWise pacer.
 */

export const MEMBER_CHECK_MAX_FAILURES = 10;
export const MEMBER_CHECK_WINDOW_MS = 5 * 60_000;
export const MEMBER_CHECKS_IN_FLIGHT_PER_SOURCE = 3;

/** The member as the CW frame describes it (getMemberAuthentication: lower-case `companyid`, `memberid`). */
export const memberClaimShape = {
  companyid: z.string().trim().min(1).max(64),
  memberid: z.string().trim().min(1).max(128),
  // The adapter refuses hashes over 1024 characters too; anything longer is not ConnectWise's.
  memberHash: z.string().min(1).max(1024),
  // ConnectWise refuses the cookie check without it (reference/specs/connectwise-hosted-api-evidence.md §4).
  memberContext: z.string().trim().min(1).max(64),
};

export type MemberClaimBody = { companyid: string; memberid: string; memberHash: string; memberContext: string };

export interface HostedMemberGate {
  /** Counts the attempt, reads the body with `readBody`, and asks ConnectWise; throws unless ConnectWise confirms. */
  confirm<T extends MemberClaimBody>(c: Context, readBody: () => Promise<T>): Promise<{ body: T; member: VerifiedHostedMember }>;
}

export function createHostedMemberGate(services: Services, parts: () => { config: ConnectWiseConfig; members: HostedMemberVerifier }): HostedMemberGate {
  const throttle = createAttemptThrottle({ maxFailures: MEMBER_CHECK_MAX_FAILURES, windowMs: MEMBER_CHECK_WINDOW_MS });
  const inFlight = createInFlightLimit({ perKey: MEMBER_CHECKS_IN_FLIGHT_PER_SOURCE });

  return {
    async confirm(c, readBody) {
      const { config, members } = parts();
      const address = clientAddress(c, services.config.server.trustProxy);
      // Synchronous up to here: reserve and enter before anything is awaited.
      const attempt = throttle.reserve(address);
      if (!attempt.allowed) throw new AppError('TOO_MANY_ATTEMPTS', undefined, { retryAfterSeconds: attempt.retryAfterSeconds });
      const leave = inFlight.enter(address);
      if (!leave) {
        attempt.release();
        throw new AppError('TOO_MANY_ATTEMPTS', 'Too many sign-in checks from this address are already waiting for ConnectWise; try again in a moment.', { retryAfterSeconds: 1 });
      }
      // A malformed body or ConnectWise being down proves nothing either way: the reservation is released.
      let outcome: 'fail' | 'succeed' | 'release' = 'release';
      try {
        const body = await readBody();
        // Only members of the ConnectWise company this connector serves (company ids are case-insensitive).
        if (body.companyid.toLowerCase() !== config.companyId.toLowerCase()) {
          outcome = 'fail';
          services.logger.warn({ address }, 'hosted member claim refused: another ConnectWise company');
          throw new AppError('UNAUTHORIZED', 'This page was opened from a different ConnectWise company than the one this connector serves.');
        }
        const member = await members.verify({
          companyId: config.companyId,
          memberId: body.memberid,
          memberHash: body.memberHash,
          memberContext: body.memberContext,
        });
        if (!member) {
          outcome = 'fail';
          services.logger.warn({ memberId: body.memberid.slice(0, 64), address }, 'hosted member claim refused: ConnectWise did not confirm the member');
          throw new AppError('UNAUTHORIZED', 'ConnectWise did not confirm your sign-in; reload the ticket (or sign in to ConnectWise again) and retry.');
        }
        outcome = 'succeed';
        return { body, member };
      } finally {
        leave();
        attempt[outcome]();
      }
    },
  };
}
