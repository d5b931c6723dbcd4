import type { IssuanceLog } from './db/issuances.js';
import type { NoteOutbox } from './delivery/outbox.js';

export interface RetentionDeps {
  issuances: Pick<IssuanceLog, 'prune'>;
  outbox: Pick<NoteOutbox, 'pruneDeadLetters'>;
}

/**
 * AUDIT_RETENTION_DAYS, run at start and every six hours (src/server.ts): what is older than the retention goes.
 * Dead letters first — each names its audit row, which `prune` keeps while anything names it, so a dead letter kept for
 * ever kept its audit row for ever too — then the audit rows. A stop between the two leaves the audit rows to the next
 * run. Dead letters are dated by when they were given up, audit rows by when they were written.
 */
export function pruneByRetention(deps: RetentionDeps, retentionDays: number, now: Date): { deadLetters: number; auditRows: number } {
  const before = new Date(now.getTime() - retentionDays * 86_400_000);
  const deadLetters = deps.outbox.pruneDeadLetters(before);
  const auditRows = deps.issuances.prune(before);
  return { deadLetters, auditRows };
}
