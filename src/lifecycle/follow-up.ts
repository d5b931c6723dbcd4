import type { Config } from '../config/index.js';
import type { MappingStore } from '../db/mappings.js';
import type { IssuanceRow } from '../db/schema.js';
import type { NoteOutbox } from '../delivery/outbox.js';
import type { PsaKind } from '../domain.js';
import type { AuthenticationMethod, EntraDirectory } from '../entra/port.js';
import { isRetryable } from '../errors.js';
import { errorForLog, type Logger } from '../logger.js';
import { enrolledNote, notEnrolledNote, STRONG_METHOD_NAMES } from '../tap/note.js';
import type { PassEvent, PassLedger } from './passes.js';
import { DateTime } from 'luxon';
import type { PrivateNote } from '../psa/port.js';

export interface FollowUpSummary {
  checked: number;
  enrolled: number;
  expired: number;
  used: number;
  deleted: number;
  waiting: number;
  failed: number;
}

export interface EnrolmentFollowUp {
  /** One pass over the passes whose start has come and whose follow-up is not written (at most `batch`). */
  runDue(): Promise<FollowUpSummary>;
}

export interface EnrolmentFollowUpDeps {
  config: Pick<Config, 'tap' | 'connectwise' | 'halo'>;
  entra: EntraDirectory | undefined;
  passes: PassLedger;
  mappings: MappingStore;
  outbox: NoteOutbox;
  logger: Logger;
  transaction: <T>(fn: () => T) => T;
  now: () => Date;
}

const BATCH = 100;
export const FOLLOW_UP_REQUESTED_BY = 'enrolment follow-up';

type Finding =
  | { kind: 'enrolled'; method: AuthenticationMethod; name: string; at: Date | undefined }
  | { kind: 'expired' | 'used' | 'deleted' }
  | { kind: 'waiting' };

/**
 * Did the user enrol? For each pass whose start has come, Graph is asked for the user's authentication methods and for
 * the pass itself (isUsable, methodUsabilityReason — Graph's word, not our clock). A strong method registered after
 * the pass started is noted once (and the ticket optionally moved to CW_ENROLLED_STATUS / HALO_ENROLLED_STATUS_ID);
 * a pass expired, used once or deleted with nothing registered is noted once with what to do next. Passes are
 * followed until their end plus a day. Each note goes through the outbox, committed with its audit row.
 */
export function createEnrolmentFollowUp(deps: EnrolmentFollowUpDeps): EnrolmentFollowUp {
  const { now } = deps;
  /**
   * Where the last run stopped. Passes still waiting stay due: a run taking the oldest 100 every time never reached a
   * newer pass while 100 older ones waited. Each run goes on after the last pass it checked and wraps round to the
   * oldest, so every due pass is checked within ceil(due / 100) runs. In memory: a restart starts from the oldest.
   */
  let after: { startAt: string; id: string } | undefined;

  /** Up to BATCH due passes, from where the last run stopped and round to the oldest. */
  function nextTurn(): IssuanceRow[] {
    const tail = after ? deps.passes.dueForFollowUp(BATCH, after) : [];
    if (tail.length === BATCH) return tail;
    const ids = new Set(tail.map((p) => p.id));
    return [...tail, ...deps.passes.dueForFollowUp(BATCH).filter((p) => !ids.has(p.id))].slice(0, BATCH);
  }

  function enrolledStatus(psa: PsaKind): string | undefined {
    if (psa === 'connectwise') return deps.config.connectwise?.enrolledStatus?.trim() || undefined;
    return deps.config.halo?.enrolledStatusId === undefined ? undefined : String(deps.config.halo.enrolledStatusId);
  }

  async function inspect(pass: IssuanceRow & { tenantId: string; userObjectId: string; graphMethodId: string; startAt: string }): Promise<Finding> {
    const entra = deps.entra!;
    const startedAt = Date.parse(pass.startAt);
    const methods = await entra.listAuthenticationMethods(pass.tenantId, pass.userObjectId);
    const strong = methods
      .map((m) => ({ m, name: STRONG_METHOD_NAMES[m.odataType.toLowerCase()], at: m.createdDateTime ? new Date(m.createdDateTime) : undefined }))
      // Registered after the pass started, by Graph's createdDateTime. A method Graph gives no date for (a software
      // OATH token in v1.0) may have been there before the pass, so it is not taken as news.
      .filter((x): x is { m: AuthenticationMethod; name: string; at: Date } => x.name !== undefined && x.at !== undefined && x.at.getTime() >= startedAt)
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    const first = strong[0];
    if (first) return { kind: 'enrolled', method: first.m, name: first.name, at: first.at };
    const tap = await entra.getTap(pass.tenantId, pass.userObjectId, pass.graphMethodId);
    if (!tap) return { kind: 'deleted' };
    const reason = (tap.methodUsabilityReason ?? '').toLowerCase();
    if (reason === 'expired') return { kind: 'expired' };
    if (reason === 'onetimeused') return { kind: 'used' };
    return { kind: 'waiting' };
  }

  function noteFor(pass: IssuanceRow, finding: Exclude<Finding, { kind: 'waiting' }>, zone: string): { note: PrivateNote; event: PassEvent; code: string; detail: string; ends: boolean } {
    const upn = pass.userPrincipalName ?? '';
    if (finding.kind === 'enrolled') {
      const at = finding.at ? ` at ${DateTime.fromJSDate(finding.at, { zone }).toFormat('HH:mm')} (${zone})` : '';
      return { note: enrolledNote({ userPrincipalName: upn, method: finding.name, at: finding.at, timeZone: zone }), event: 'enrolled', code: 'USER_ENROLLED', detail: `${upn} registered ${finding.name}${at}.`, ends: false };
    }
    const expiresAt = new Date(pass.expiresAt ?? pass.startAt ?? now());
    const note = notEnrolledNote({ userPrincipalName: upn, reason: finding.kind, expiresAt, timeZone: zone });
    if (finding.kind === 'deleted') return { note, event: 'revoked', code: 'PASS_DELETED_ELSEWHERE', detail: 'The pass was deleted outside the connector before the user enrolled.', ends: true };
    if (finding.kind === 'used') return { note, event: 'expired', code: 'PASS_USED_NOT_ENROLLED', detail: 'The one-time pass was used, but nothing was registered with it.', ends: true };
    return { note, event: 'expired', code: 'PASS_EXPIRED_NOT_ENROLLED', detail: 'The pass expired and nothing was registered with it.', ends: true };
  }

  return {
    async runDue() {
      const summary: FollowUpSummary = { checked: 0, enrolled: 0, expired: 0, used: 0, deleted: 0, waiting: 0, failed: 0 };
      if (!deps.entra) return summary;
      for (const pass of nextTurn()) {
        if (!pass.tenantId || !pass.userObjectId || !pass.graphMethodId || !pass.startAt || !pass.psa || !pass.ticketId) {
          deps.passes.markFollowedUp(pass.id);
          continue;
        }
        // Its turn is taken (checked now, or failed for this pass alone); a throttled run stops before moving on.
        const turn = { startAt: pass.startAt, id: pass.id };
        summary.checked += 1;
        let finding: Finding;
        try {
          finding = await inspect({ ...pass, tenantId: pass.tenantId, userObjectId: pass.userObjectId, graphMethodId: pass.graphMethodId, startAt: pass.startAt });
        } catch (error) {
          summary.failed += 1;
          deps.logger.warn({ issuanceId: pass.id, err: errorForLog(error) }, 'enrolment follow-up: Graph read failed; tried again next time');
          // Throttled or down: the other tenants' passes wait for the next run too.
          if (isRetryable(error)) break;
          after = turn;
          continue;
        }
        after = turn;
        if (finding.kind === 'waiting') {
          summary.waiting += 1;
          continue;
        }
        summary[finding.kind] += 1;
        const zone = deps.mappings.get(pass.psa, pass.companyId ?? '')?.timeZone ?? deps.config.tap.defaultTimeZone;
        const { note, event, code, detail, ends } = noteFor(pass, finding, zone);
        const psa = pass.psa;
        const ticketId = pass.ticketId;
        // The audit row, the follow-up mark and the note commit together: a restart writes neither twice.
        const noteId = deps.transaction(() => {
          deps.passes.record({ pass, event, code, detail, requestedBy: FOLLOW_UP_REQUESTED_BY, trigger: pass.trigger, endsPass: ends });
          deps.passes.markFollowedUp(pass.id);
          return deps.outbox.enqueue({
            psa,
            ticketId,
            kind: 'info',
            note,
            doneStatus: finding.kind === 'enrolled' ? enrolledStatus(psa) : undefined,
            deadlineAt: new Date(now().getTime() + deps.config.tap.noteDeliveryDeadlineMinutes * 60_000),
          });
        });
        await deps.outbox.deliver(noteId);
      }
      if (summary.checked > 0) deps.logger.info(summary, 'enrolment follow-up run');
      return summary;
    },
  };
}
