import { describeHolding, GROUP_ELIGIBILITY_PERMISSION, ROLE_READ_PERMISSION } from '../entra/role-holdings.js';
import type { EntraDirectory, EntraUser } from '../entra/port.js';
import { AppError } from '../errors.js';

/**
 * Refuse by default (DESIGN.md invariant 3): a user who holds or can activate any directory role — active or
 * PIM-eligible, tenant-wide or scoped, built-in or custom, directly or through a group (as member, owner, or PIM for
 * Groups eligible member or owner) — gets no pass unless the mapping
 * allows privileged accounts; a pass would let whoever holds it sign in and use (or activate) the role. When the roles
 * cannot be established, the answer is also no: any failed read refuses, 404 included (issue 10 #4).
 */
export async function refuseIfPrivileged(entra: EntraDirectory, tenantId: string, user: EntraUser, upn: string): Promise<void> {
  let holdings;
  try {
    holdings = await entra.getRoleHoldings(tenantId, user.id);
  } catch (error) {
    throw roleCheckFailure(error, upn);
  }
  if (holdings.length === 0) return;
  const verb = holdings.every((h) => h.assignment === 'eligible') ? 'can activate' : 'holds or can activate';
  throw new AppError(
    'USER_PRIVILEGED',
    `${upn} ${verb} the directory role${holdings.length > 1 ? 's' : ''} ${holdings.map(describeHolding).join('; ')}. Issue its pass by hand, or an admin must allow privileged accounts for this company.`,
  );
}

/**
 * The refusal when a role read failed. Throttling and outages keep their codes (the poller tries again later; a press is
 * noted); a missing permission says which; anything else — a 404 for a user that exists, an answer in an unexpected
 * form — is ROLE_CHECK_FAILED. None of them lets a pass through.
 */
function roleCheckFailure(error: unknown, upn: string): AppError {
  const cause = error instanceof AppError ? error : undefined;
  const lead = `Could not check whether ${upn} holds a directory role, so no pass was issued.`;
  const extra = { cause: error, ...(cause?.extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: cause.extra.retryAfterSeconds } : {}) };
  switch (cause?.code) {
    case 'UPSTREAM_THROTTLED':
    case 'UPSTREAM_UNAVAILABLE':
      return new AppError(cause.code, `${lead} ${cause.detail}`, extra);
    case 'ENTRA_ACCESS_DENIED':
      return new AppError(
        'ENTRA_ACCESS_DENIED',
        `${lead} ${cause.detail} The role check needs User.Read.All, ${ROLE_READ_PERMISSION} and ${GROUP_ELIGIBILITY_PERMISSION} (admin consent in the customer's tenant).`,
        extra,
      );
    case 'ENTRA_NOT_CONFIGURED':
      return cause;
    default:
      return new AppError(
        'ROLE_CHECK_FAILED',
        `Could not establish whether ${upn} holds a directory role, so no pass was issued: ${cause?.detail ?? 'the role reads failed unexpectedly.'} Try again; if it persists, check the connector's admin consent for ${ROLE_READ_PERMISSION}, ${GROUP_ELIGIBILITY_PERMISSION} and User.Read.All in this tenant.`,
        extra,
      );
  }
}
