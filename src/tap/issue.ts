import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.js';
import type { CreatedTap, EntraDirectory, EntraUser, TapPolicy } from '../entra/port.js';
import type { IssuanceLog } from '../db/issuances.js';
import type { TenantMapping } from '../db/mappings.js';
import type { Issuance } from '../db/issuances.js';
import type { Logger } from '../logger.js';
import { errorForLog } from '../logger.js';
import { recordNotIssued } from './audit.js';
import { refuseIfPrivileged } from './privileged.js';
import { clampLifetime, decideUsableOnce, normaliseUpn, type LifetimeDecision, type UsableOnceDecision } from './rules.js';
import { activationInstant, addMinutes } from './time.js';

export type IssuanceTrigger = Issuance['trigger'];

export interface IssueRequest {
  userPrincipalName: string;
  /** Calendar date (YYYY-MM-DD) in the mapping's zone; undefined = usable now. */
  startDate?: string | undefined;
  lifetimeMinutes?: number | undefined;
  usableOnce?: boolean | undefined;
  requestedBy: string;
  trigger: IssuanceTrigger;
  reissue?: boolean;
  ticketId?: string | undefined;
}

/** A pass just created. `pass` is the secret: keep it in memory, hand it to the sealed outbox, nowhere else. */
export interface IssuedPass {
  issuanceId: string;
  pass: string;
  methodId: string;
  user: EntraUser;
  startDateTime: Date;
  expiresDateTime: Date;
  /** The requested start was already past, so the pass is usable now. */
  startMovedToNow: boolean;
  lifetime: LifetimeDecision;
  usableOnce: UsableOnceDecision;
}

export interface IssueDeps {
  entra: EntraDirectory;
  issuances: IssuanceLog;
  logger: Logger;
  now?: () => Date;
  /** Runs in the same SQLite transaction as the audit row (the outbox seals the pass here: nothing lost on a crash). */
  transaction: <T>(fn: () => T) => T;
  /**
   * Last check before the create, with the user in hand: Graph keeps one pass per user, so a create silently kills a
   * pass another ticket holds. Throws a refusal (USER_HAS_LIVE_PASS) to stop; see tap/one-pass-per-user.ts.
   */
  beforeCreate?: (user: EntraUser) => Promise<void>;
}

/**
 * The use case: issue a Temporary Access Pass for one user of one mapped tenant, following the customer's rules and
 * the tenant's policy. Refusals throw AppError with a code; every attempt (issued or refused) is in the audit table.
 * `persist` runs inside the audit transaction with the pass in hand.
 */
export async function issueTemporaryAccessPass(
  deps: IssueDeps,
  mapping: TenantMapping,
  request: IssueRequest,
  persist?: (issued: IssuedPass) => void,
): Promise<IssuedPass> {
  const now = deps.now?.() ?? new Date();
  const issuanceId = randomUUID();
  const audit = {
    id: issuanceId,
    psa: mapping.psa,
    ticketId: request.ticketId ?? null,
    companyId: mapping.companyId,
    companyName: mapping.companyName,
    tenantId: mapping.tenantId,
    requestedBy: request.requestedBy.slice(0, 200),
    trigger: request.trigger,
    userPrincipalName: request.userPrincipalName.slice(0, 256),
    requestedLifetimeMinutes: request.lifetimeMinutes ?? null,
    reissue: request.reissue ?? false,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };

  try {
    if (!mapping.enabled) throw new AppError('MAPPING_DISABLED');
    const upn = normaliseUpn(request.userPrincipalName);
    if (!upn) throw new AppError('USER_NOT_IDENTIFIED', `"${request.userPrincipalName.slice(0, 80)}" is not a user principal name (user@domain).`);
    audit.userPrincipalName = upn;

    // The user and the policy are independent reads; the role reads need the user's object id (privileged.ts).
    const [user, policy] = await Promise.all([deps.entra.getUser(mapping.tenantId, upn), deps.entra.getTapPolicy(mapping.tenantId)]);
    if (!user) throw new AppError('USER_NOT_FOUND', `No account ${upn} exists in ${mapping.tenantName ?? 'the mapped tenant'} yet; create or sync it, then try again.`);
    const refusalFor = userRefusal(user);
    if (refusalFor) throw refusalFor;
    // The role check and the look at the user's existing passes are independent reads: one round trip, not two. The
    // refusals keep their order: privileged first, then the policy, then a live pass.
    const [privileged, livePass] = await Promise.allSettled([
      mapping.allowPrivileged ? Promise.resolve() : refuseIfPrivileged(deps.entra, mapping.tenantId, user, upn),
      policy.state === 'enabled' ? deps.beforeCreate?.(user) : Promise.resolve(),
    ]);
    if (privileged.status === 'rejected') throw privileged.reason;
    if (policy.state !== 'enabled') throw new AppError('POLICY_DISABLED');
    if (livePass.status === 'rejected') throw livePass.reason;

    const plan = planPass(mapping, request, policy, now);
    const created = await deps.entra.createTap(mapping.tenantId, user.id, {
      ...(plan.startDateTime ? { startDateTime: plan.startDateTime.toISOString() } : {}),
      lifetimeInMinutes: plan.lifetime.applied,
      isUsableOnce: plan.usableOnce.usableOnce,
    });
    const issued = toIssuedPass(issuanceId, user, created, plan, now);
    try {
      deps.transaction(() => {
        deps.issuances.insert({
          ...audit,
          userObjectId: user.id,
          appliedLifetimeMinutes: issued.lifetime.applied,
          startAt: issued.startDateTime.toISOString(),
          expiresAt: issued.expiresDateTime.toISOString(),
          usableOnce: issued.usableOnce.usableOnce,
          outcome: 'issued',
          outcomeCode: 'ISSUED',
          graphMethodId: issued.methodId,
          noteStatus: persist ? 'pending' : 'none',
        });
        persist?.(issued);
      });
    } catch (error) {
      // The pass exists but could not be recorded: a pass nobody can deliver is revoked at once.
      deps.logger.error({ err: errorForLog(error), issuanceId }, 'could not record a new pass; revoking it');
      await deps.entra.deleteTap(mapping.tenantId, user.id, issued.methodId).catch(() => undefined);
      throw new AppError('INTERNAL', 'The pass could not be recorded and was revoked; try again.', { cause: error });
    }
    // Logged by the caller, once it knows whether the note reached the ticket (src/tap/ticket-issuance.ts).
    return issued;
  } catch (error) {
    const appError = error instanceof AppError ? error : new AppError('INTERNAL', undefined, { cause: error });
    if (!(error instanceof AppError)) deps.logger.error({ err: errorForLog(error), issuanceId }, 'issuance failed unexpectedly');
    // Refused or failed, every stop is in the audit trail (a pass that could not be recorded, and was revoked, too).
    recordNotIssued({ issuances: deps.issuances, logger: deps.logger, now: () => now }, audit, appError);
    throw appError;
  }
}

function userRefusal(user: EntraUser): AppError | undefined {
  if (user.userType.toLowerCase() === 'guest') return new AppError('USER_GUEST');
  if (!user.accountEnabled) return new AppError('USER_DISABLED');
  return undefined;
}

interface PassPlan {
  startDateTime: Date | undefined;
  startMovedToNow: boolean;
  lifetime: LifetimeDecision;
  usableOnce: UsableOnceDecision;
}

function planPass(mapping: TenantMapping, request: IssueRequest, policy: TapPolicy, now: Date): PassPlan {
  let startDateTime: Date | undefined;
  let startMovedToNow = false;
  if (request.startDate) {
    const at = activationInstant(request.startDate, mapping.timeZone, mapping.activationHour);
    if (at.getTime() > now.getTime()) startDateTime = at;
    else startMovedToNow = true;
  }
  return {
    startDateTime,
    startMovedToNow,
    lifetime: clampLifetime(request.lifetimeMinutes, mapping.defaultLifetimeMinutes, policy),
    usableOnce: decideUsableOnce(request.usableOnce, mapping.usableOnce, policy),
  };
}

function toIssuedPass(issuanceId: string, user: EntraUser, created: CreatedTap, plan: PassPlan, now: Date): IssuedPass {
  const start = plan.startDateTime ?? (created.startDateTime ? new Date(created.startDateTime) : now);
  const lifetimeApplied = created.lifetimeInMinutes || plan.lifetime.applied;
  return {
    issuanceId,
    pass: created.temporaryAccessPass,
    methodId: created.id,
    user,
    startDateTime: start,
    expiresDateTime: addMinutes(start, lifetimeApplied),
    startMovedToNow: plan.startMovedToNow,
    lifetime: { ...plan.lifetime, applied: lifetimeApplied, clamped: plan.lifetime.clamped || lifetimeApplied !== plan.lifetime.applied },
    usableOnce: { usableOnce: created.isUsableOnce, forcedByPolicy: plan.usableOnce.forcedByPolicy || (created.isUsableOnce && !plan.usableOnce.usableOnce) },
  };
}
