import type { Config } from '../config/index.js';
import type { MappingStore } from '../db/mappings.js';
import type { IssuanceRow } from '../db/schema.js';
import type { NoteOutbox } from '../delivery/outbox.js';
import type { PsaKind } from '../domain.js';
import type { EntraDirectory } from '../entra/port.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { PollingStore } from '../polling/store.js';
import { passRevokedNote } from '../tap/note.js';
import type { PassLedger } from './passes.js';

export interface RevokeRequest {
  psa: PsaKind;
  ticketId: string;
  /** Who pressed revoke: a name the PSA sent, or the button's default ("HaloPSA button"); named in the note and audit. */
  requestedBy: string;
  trigger: 'button' | 'hosted' | 'api';
}

export interface RevokedPass {
  issuanceId: string;
  userPrincipalName: string;
  startDateTime: string;
  expiresDateTime: string;
}

export interface RevokeResult {
  ticketId: string;
  revoked: RevokedPass[];
  /** A pass the onboarding scheduler was going to issue later, dropped with the revocation. */
  droppedSchedule: { userPrincipalName: string; startDateTime: string } | undefined;
  note: { status: 'written' | 'pending' | 'failed' };
}

export interface PassRevocation {
  /**
   * Revokes every live pass this connector issued for the ticket (Graph DELETE; already gone counts as revoked),
   * drops a pending scheduled issuance, writes one internal note naming who revoked, and records each revocation in
   * the audit trail. Throws NO_LIVE_PASS when there is nothing to revoke. Used by the button API
   * (`DELETE /v1/psa/{psa}/tickets/{id}/tap`, `POST …/tap/revoke`) and the ConnectWise hosted page's "Revoke pass".
   */
  revokeForTicket(request: RevokeRequest): Promise<RevokeResult>;
}

export interface PassRevocationDeps {
  config: Pick<Config, 'tap'>;
  entra: EntraDirectory | undefined;
  passes: PassLedger;
  store: PollingStore;
  mappings: MappingStore;
  outbox: NoteOutbox;
  logger: Logger;
  transaction: <T>(fn: () => T) => T;
  now: () => Date;
}

export function createPassRevocation(deps: PassRevocationDeps): PassRevocation {
  const running = new Map<string, Promise<RevokeResult>>();

  async function revoke(request: RevokeRequest): Promise<RevokeResult> {
    const { psa, ticketId } = request;
    const live = deps.passes.liveForTicket(psa, ticketId);
    const schedule = deps.store.scheduled(psa, ticketId);
    const pending = schedule && (schedule.state === 'pending' || schedule.state === 'issuing') ? schedule : undefined;
    if (live.length === 0 && !pending) {
      throw new AppError('NO_LIVE_PASS', `The connector issued no pass for ${psa === 'halo' ? 'HaloPSA' : 'ConnectWise'} ticket #${ticketId} that is still live, so there is nothing to revoke.`);
    }
    if (live.length > 0 && !deps.entra) throw new AppError('ENTRA_NOT_CONFIGURED');
    // Graph first, one pass at a time: a failure leaves the rest live and recorded as live, and a retry (or a restart)
    // deletes again — a DELETE of a pass already gone is answered as done.
    for (const pass of live) {
      if (pass.tenantId && pass.userObjectId && pass.graphMethodId) await deps.entra!.deleteTap(pass.tenantId, pass.userObjectId, pass.graphMethodId);
    }
    const zone = deps.mappings.get(psa, (live[0] ?? pending)?.companyId ?? '')?.timeZone ?? deps.config.tap.defaultTimeZone;
    // The audit rows, the end of each pass, the discarded pass notes, the dropped schedule and the note commit
    // together: a crash before this repeats only the (harmless) DELETEs; after it, nothing is repeated and the outbox
    // writes the revoke note — never a pass note still waiting (e.g. the PSA was down), which would hand out a dead pass.
    const noteId = deps.transaction(() => {
      let neverDelivered = false;
      for (const pass of live) {
        if (deps.outbox.discardPassNotes(pass.id, 'pass revoked before its note was written')) neverDelivered = true;
        deps.passes.record({ pass, event: 'revoked', code: 'REVOKED_FROM_TICKET', detail: `Revoked from the ticket by ${request.requestedBy}.`, requestedBy: request.requestedBy, trigger: request.trigger, endsPass: true });
      }
      if (pending) deps.store.finish(pending.id, 'cancelled', deps.now(), `revoked by ${request.requestedBy}`.slice(0, 200));
      deps.store.stopWatching(psa, ticketId, deps.now());
      const note = passRevokedNote({
        userPrincipalNames: [...new Set([...live.map((p) => p.userPrincipalName ?? ''), ...(pending ? [pending.userPrincipalName] : [])].filter(Boolean))],
        passes: live.map((p) => ({ startAt: new Date(p.startAt ?? 0), expiresAt: new Date(p.expiresAt ?? 0) })),
        droppedFrom: pending ? new Date(pending.startAt) : undefined,
        revokedBy: request.requestedBy,
        timeZone: zone,
        neverDelivered,
      });
      return deps.outbox.enqueue({ psa, ticketId, kind: 'info', note, deadlineAt: new Date(deps.now().getTime() + deps.config.tap.noteDeliveryDeadlineMinutes * 60_000) });
    });
    deps.logger.info({ psa, ticketId, revoked: live.map((p) => p.id), droppedSchedule: pending?.id, trigger: request.trigger }, 'passes revoked from the ticket');
    const delivered = await deps.outbox.deliver(noteId);
    return {
      ticketId,
      revoked: live.map(summary),
      droppedSchedule: pending ? { userPrincipalName: pending.userPrincipalName, startDateTime: pending.startAt } : undefined,
      note: { status: delivered === 'written' ? 'written' : delivered === 'pending' ? 'pending' : 'failed' },
    };
  }

  return {
    revokeForTicket(request) {
      // Two presses at once revoke once: the second waits for the first and then finds nothing live.
      const key = `${request.psa}:${request.ticketId}`;
      const previous = running.get(key) ?? Promise.resolve(undefined);
      const next = previous.catch(() => undefined).then(() => revoke(request));
      running.set(key, next);
      void next.finally(() => {
        if (running.get(key) === next) running.delete(key);
      }).catch(() => undefined);
      return next;
    },
  };
}

function summary(pass: IssuanceRow): RevokedPass {
  return { issuanceId: pass.id, userPrincipalName: pass.userPrincipalName ?? '', startDateTime: pass.startAt ?? '', expiresDateTime: pass.expiresAt ?? '' };
}
