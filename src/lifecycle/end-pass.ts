import type { IssuanceRow } from '../db/schema.js';
import type { NoteOutbox } from '../delivery/outbox.js';
import type { EntraDirectory } from '../entra/port.js';
import type { PassEventInput, PassLedger } from './passes.js';

export interface EndPassDeps {
  entra: EntraDirectory | undefined;
  passes: PassLedger;
  outbox: Pick<NoteOutbox, 'discardPassNotes'>;
  transaction: <T>(fn: () => T) => T;
}

/**
 * Ends one pass whose reason is gone (its ticket changed): Graph DELETE first — a pass already gone answers 404, which
 * deleteTap counts as done, so a restart may repeat it — then, in one transaction, its pass note still waiting for the
 * PSA is discarded (it would hand out the dead pass later), the event is recorded, and whatever the caller stores
 * with it (`alongside`) is written. Returns the event row's id.
 */
export async function endPass(deps: EndPassDeps, event: Omit<PassEventInput, 'endsPass'>, alongside?: () => void): Promise<string> {
  const { pass } = event;
  await revokeInGraph(deps, pass);
  return deps.transaction(() => {
    deps.outbox.discardPassNotes(pass.id, `pass revoked before its note was written (${event.code})`);
    const id = deps.passes.record({ ...event, endsPass: true });
    alongside?.();
    return id;
  });
}

/** Graph DELETE of the pass, when it reached Graph; repeating it is safe. */
export async function revokeInGraph(deps: Pick<EndPassDeps, 'entra'>, pass: Pick<IssuanceRow, 'tenantId' | 'userObjectId' | 'graphMethodId'>): Promise<void> {
  if (!pass.tenantId || !pass.userObjectId || !pass.graphMethodId) return;
  if (!deps.entra) throw new Error('Entra is not configured');
  await deps.entra.deleteTap(pass.tenantId, pass.userObjectId, pass.graphMethodId);
}
