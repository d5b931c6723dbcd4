import { randomUUID } from 'node:crypto';
import type { IssuanceLog } from '../db/issuances.js';
import type { NewIssuance } from '../db/schema.js';
import { AppError, attemptOutcome } from '../errors.js';
import { errorForLog, type Logger } from '../logger.js';

/** What is known about an attempt when it stops: as much of the audit row as the path had reached. */
export type AttemptRecord = Omit<NewIssuance, 'id' | 'outcome' | 'outcomeCode' | 'createdAt' | 'updatedAt'> & {
  id?: string;
  createdAt?: string;
};

/** Errors already in the audit trail, so the layer above does not write a second row for the same attempt. */
const audited = new WeakSet<AppError>();

export function wasAudited(error: unknown): boolean {
  return error instanceof AppError && audited.has(error);
}

/**
 * The one way an attempt that issued nothing reaches the audit trail, from whichever path it stopped on (ticket read,
 * mapping, domain check, the use case): refused or failed as `attemptOutcome` decides, once per error. Returns the
 * row's id. An audit write that fails is logged, never thrown over the error being recorded.
 */
export function recordNotIssued(
  deps: { issuances: Pick<IssuanceLog, 'insert'>; logger: Logger; now: () => Date },
  attempt: AttemptRecord,
  error: AppError,
): string | undefined {
  if (audited.has(error)) return undefined;
  const at = deps.now().toISOString();
  const id = attempt.id ?? randomUUID();
  try {
    deps.issuances.insert({ createdAt: at, ...attempt, id, updatedAt: at, outcome: attemptOutcome(error), outcomeCode: error.code });
    audited.add(error);
    return id;
  } catch (auditError) {
    deps.logger.error({ err: errorForLog(auditError), issuanceId: id, code: error.code }, 'could not record the attempt in the audit trail');
    return undefined;
  }
}
