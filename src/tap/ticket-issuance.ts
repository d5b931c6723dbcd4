import type { Config } from '../config/index.js';
import type { PsaKind } from '../domain.js';
import type { IssuanceLog, Issuance } from '../db/issuances.js';
import type { MappingStore, TenantMapping } from '../db/mappings.js';
import type { ClaimedNote, DeliveryResult, NoteOutbox } from '../delivery/outbox.js';
import { noteDeadline } from '../delivery/outbox.js';
import type { EntraDirectory, EntraUser } from '../entra/port.js';
import { AppError, attemptOutcome, type ErrorCode } from '../errors.js';
import { errorForLog, logOutcome, type Logger } from '../logger.js';
import type { PrivateNote, PsaConnector, PsaTicket } from '../psa/port.js';
import { readTicketFields } from '../psa/ticket-fields.js';
import { recordNotIssued, wasAudited, type AttemptRecord } from './audit.js';
import { issueTemporaryAccessPass, type IssuanceTrigger, type IssuedPass } from './issue.js';
import { passNote, passReplacedNote, refusalNote, replacesRevokedSentence } from './note.js';
import { findReplacement, ticketLabel, type Replacement } from './one-pass-per-user.js';
import type { PassLedger } from '../lifecycle/passes.js';
import { endPass } from '../lifecycle/end-pass.js';
import { createHash } from 'node:crypto';
import { normaliseUpn, upnDomain } from './rules.js';

export interface TicketIssueInput {
  psa: PsaKind;
  ticketId: string;
  trigger: IssuanceTrigger;
  requestedBy: string;
  /** Caller-supplied overrides (button body); a UPN must be in the tenant's verified domains. */
  userPrincipalName?: string | undefined;
  startDate?: string | undefined;
  lifetimeMinutes?: number | undefined;
  usableOnce?: boolean | undefined;
  reissue?: boolean | undefined;
  /** The ticket when the caller already read it from the PSA (poller). */
  ticket?: PsaTicket | undefined;
  /** Poller: move the ticket to this status together with the pass note. */
  doneStatus?: string | undefined;
  /** Refusals with these codes write no note (the poller retries them quietly). */
  quietRefusals?: ErrorCode[];
  /** Sentences opening the pass note (the poller: which pass this one replaces, and why). */
  notePreface?: string[] | undefined;
}

export interface TicketIssueResult {
  issuanceId: string;
  /** `issued` = a new pass; `already_issued` = the same ticket and user within the idempotency window. */
  status: 'issued' | 'already_issued';
  ticketId: string;
  userPrincipalName: string;
  startDateTime: string;
  expiresDateTime: string;
  lifetimeMinutes: number;
  usableOnce: boolean;
  note: { status: 'written' | 'pending' | 'failed' | 'none' };
}

export interface TicketIssuance {
  issueForTicket(input: TicketIssueInput): Promise<TicketIssueResult>;
  /**
   * Queues an explanatory private note (scheduling, unclear date…) through the same sealed outbox. With `once`, a note
   * whose text was already written on the ticket is not written again (one note per distinct outcome).
   */
  postInfoNote(psa: PsaKind, ticketId: string, note: PrivateNote, opts?: { once?: boolean }): Promise<void>;
}

export interface TicketIssuanceDeps {
  config: Pick<Config, 'tap' | 'connectwise' | 'halo'>;
  connectors: Partial<Record<PsaKind, PsaConnector>>;
  mappings: MappingStore;
  issuances: IssuanceLog;
  entra: EntraDirectory | undefined;
  outbox: NoteOutbox;
  /** Live passes and note marks (one pass per user, one note per distinct outcome). */
  passes: PassLedger;
  logger: Logger;
  transaction: <T>(fn: () => T) => T;
  now?: () => Date;
}

/** Written with a new pass, in its audit row's transaction: the notes this press then attempts itself. */
interface WrittenWithPass {
  passNote: ClaimedNote;
  /** The note telling another ticket its pass was replaced. */
  replacedTicketNote: ClaimedNote | undefined;
}

/** Failures a person pressed a button for. A Halo runbook shows no response, so the ticket must say what happened. */
const INTERACTIVE_FAILURES = new Set<ErrorCode>(['UPSTREAM_THROTTLED', 'UPSTREAM_UNAVAILABLE', 'INTERNAL', 'PSA_ERROR']);

/**
 * Refusals are noted for every trigger; upstream failures only for a person's press — the poller and scheduler retry
 * those quietly and note only the final outcome.
 */
function noteworthy(trigger: IssuanceTrigger, error: AppError): boolean {
  return attemptOutcome(error) === 'refused' || ((trigger === 'button' || trigger === 'hosted') && INTERACTIVE_FAILURES.has(error.code));
}

/**
 * The ticket-level use case shared by the button, the hosted page, the poller and the scheduler: read the ticket from
 * the PSA, find the mapping, decide the user, keep it to one pass per request, issue, and note the ticket.
 */
export function createTicketIssuance(deps: TicketIssuanceDeps): TicketIssuance {
  const now = deps.now ?? (() => new Date());
  const locks = new Map<string, Promise<unknown>>();

  /** Requests for the same ticket and user run one after another, so a double click sees the first pass. */
  const serialised = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const previous = locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    locks.set(key, next);
    void next.finally(() => {
      if (locks.get(key) === next) locks.delete(key);
    }).catch(() => undefined);
    return next;
  };

  const settingsFor = (psa: PsaKind) => {
    const c = psa === 'connectwise' ? deps.config.connectwise : deps.config.halo;
    return { upnField: c?.upnField, startDateField: c?.startDateField };
  };

  /** An information note, sealed and claimed in one write (synchronous: it may join a caller's transaction). */
  const claimInfoNote = (psa: PsaKind, ticketId: string, note: PrivateNote): ClaimedNote =>
    deps.outbox.enqueueClaimed({
      psa,
      ticketId,
      kind: 'info',
      note,
      deadlineAt: new Date(now().getTime() + deps.config.tap.noteDeliveryDeadlineMinutes * 60_000),
    });

  const queueNote = async (psa: PsaKind, ticketId: string, note: PrivateNote) => deps.outbox.deliverClaimed(claimInfoNote(psa, ticketId, note));

  /** The audit row of an attempt that stopped, with as much as the path had learnt (company, tenant). */
  const attemptOf = (input: TicketIssueInput, upn: string | undefined, known: Partial<AttemptRecord> = {}): AttemptRecord => ({
    psa: input.psa,
    ticketId: input.ticketId,
    trigger: input.trigger,
    requestedBy: input.requestedBy.slice(0, 200),
    userPrincipalName: upn ?? null,
    ...known,
  });

  const refuseWithNote = async (input: TicketIssueInput, error: AppError, upn: string | undefined, known: Partial<AttemptRecord> = {}) => {
    // Audited here unless the use case already did (src/tap/audit.ts decides refused or failed, for every path).
    const issuanceId = recordNotIssued({ issuances: deps.issuances, logger: deps.logger, now }, attemptOf(input, upn, known), error);
    // One note per distinct outcome per ticket: a mapping save, a CSV import, or the poller after a button press
    // arrives at the same refusal and says nothing new (who asked is not part of the outcome).
    const mark = noteMark('refusal', error.code, upn ?? '', error.detail);
    if (noteworthy(input.trigger, error) && !input.quietRefusals?.includes(error.code) && !deps.passes.alreadyNoted(input.psa, input.ticketId, mark)) {
      const note = refusalNote({ userPrincipalName: upn, requestedBy: input.requestedBy, code: error.code, detail: error.detail, reference: issuanceId });
      await queueNote(input.psa, input.ticketId, note).catch((e) => {
        deps.passes.forgetNoted(input.psa, input.ticketId, mark);
        deps.logger.warn({ err: e, ticketId: input.ticketId }, 'refusal note not queued');
      });
    }
    throw error;
  };

  const summaryOf = (row: Issuance): TicketIssueResult => ({
    issuanceId: row.id,
    status: 'already_issued',
    ticketId: row.ticketId ?? '',
    userPrincipalName: row.userPrincipalName ?? '',
    startDateTime: row.startAt ?? '',
    expiresDateTime: row.expiresAt ?? '',
    lifetimeMinutes: row.appliedLifetimeMinutes ?? 0,
    usableOnce: row.usableOnce ?? false,
    note: { status: row.noteStatus },
  });

  /** Ends the pass a moved ticket got in its first company's tenant (src/lifecycle/end-pass.ts); returns the note's sentence. */
  const endForCompanyMove = async (input: TicketIssueInput, pass: Issuance, ticket: PsaTicket, mapping: TenantMapping): Promise<string> => {
    const change = { kind: 'company' as const, from: pass.companyName || `#${pass.companyId}`, to: ticket.companyName || `#${ticket.companyId}` };
    const detail = `The ticket moved from the company ${change.from} to ${change.to}: the pass issued in the first company's tenant was revoked.`;
    await endPass(deps, { pass, event: 'revoked', code: 'COMPANY_CHANGED', detail, requestedBy: input.requestedBy, trigger: input.trigger });
    return replacesRevokedSentence(change, { startAt: new Date(pass.startAt ?? 0), expiresAt: new Date(pass.expiresAt ?? 0) }, mapping.timeZone);
  };

  const issueForTicket = async (input: TicketIssueInput): Promise<TicketIssueResult> => {
    const connector = deps.connectors[input.psa];
    if (!connector) throw new AppError('PSA_NOT_ENABLED');
    if (!deps.entra) throw new AppError('ENTRA_NOT_CONFIGURED');
    const entra = deps.entra;
    const ticket = input.ticket ?? (await connector.getTicket(input.ticketId));
    if (!ticket) throw new AppError('TICKET_NOT_FOUND', `Ticket ${input.ticketId} was not found in ${input.psa === 'halo' ? 'HaloPSA' : 'ConnectWise'}, or the connector's API account cannot see it.`);

    const mapping = deps.mappings.get(input.psa, ticket.companyId);
    const companyAudit = { companyId: ticket.companyId, companyName: ticket.companyName };
    if (!mapping) {
      return refuseWithNote(input, new AppError('COMPANY_NOT_MAPPED', `${ticket.companyName || `Company ${ticket.companyId}`} is not mapped to a Microsoft 365 tenant; an admin must map it on the connector's Companies page.`), undefined, companyAudit);
    }
    const fields = readTicketFields(ticket, settingsFor(input.psa));
    const upn = normaliseUpn(input.userPrincipalName ?? fields.userPrincipalName ?? '');
    const auditBase = { ...companyAudit, tenantId: mapping.tenantId };
    if (!upn) {
      const detail = input.userPrincipalName || fields.userPrincipalName
        ? `"${(input.userPrincipalName ?? fields.userPrincipalName ?? '').slice(0, 80)}" is not a user principal name (user@domain); correct the ticket's UPN field or contact e-mail.`
        : undefined;
      return refuseWithNote(input, new AppError('USER_NOT_IDENTIFIED', detail), undefined, auditBase);
    }
    let startDate = input.startDate;
    if (!startDate && fields.startDate.kind === 'date') startDate = fields.startDate.date;
    if (!startDate && fields.startDate.kind === 'unclear') {
      return refuseWithNote(input, new AppError('START_DATE_INVALID', `The start date "${fields.startDate.text.slice(0, 60)}" (${fields.startDate.source}) cannot be read without guessing; write it as YYYY-MM-DD.`), upn, auditBase);
    }

    // Serialised per tenant and user, not per ticket: two tickets for one user must see each other's pass.
    return serialised(`${mapping.tenantId}:${upn}`, async () => {
      let movedFrom: Issuance | undefined;
      let movedPreface: string | undefined;
      if (input.userPrincipalName) {
        const org = await entra.getOrganization(mapping.tenantId).catch((error: unknown) => {
          if (error instanceof AppError) return refuseWithNote(input, error, upn, auditBase);
          throw error;
        });
        const domains = new Set(org.verifiedDomains.map((d) => d.name.toLowerCase()));
        if (!domains.has(upnDomain(upn))) {
          return refuseWithNote(input, new AppError('USER_DOMAIN_NOT_VERIFIED', `${upnDomain(upn)} is not a verified domain of ${org.displayName}; check the UPN or the company's mapping.`), upn, auditBase);
        }
      }
      if (!input.reissue && deps.config.tap.idempotencyWindowMinutes > 0) {
        const since = new Date(now().getTime() - deps.config.tap.idempotencyWindowMinutes * 60_000);
        const recent = deps.issuances.findRecentIssued(input.psa, input.ticketId, upn, since);
        // A pass revoked or replaced since (the ticket changed) is not the answer to a new request; nor is one issued in
        // another tenant before the ticket moved to this company (a misfiled ticket corrected): as the ticket follower
        // does for such a move, that pass's reason is gone, so it is revoked once the request can issue here (below).
        if (recent && !recent.endedAt) {
          if (recent.tenantId === mapping.tenantId) return summaryOf(recent);
          movedFrom = recent;
        }
      }
      let issued: IssuedPass;
      let replacement: Replacement = { kind: 'none' };
      let written: WrittenWithPass | undefined;
      const beforeCreate = async (user: EntraUser) => {
        replacement = await findReplacement(
          { entra, passes: deps.passes },
          { psa: input.psa, ticketId: input.ticketId, tenantId: mapping.tenantId, reissue: input.reissue ?? false, timeZone: mapping.timeZone },
          user,
        );
        // Only once the user is found in this tenant: a press for a user this tenant does not have (the usual case, as a
        // UPN's domain is verified in one tenant) is refused and leaves the first tenant's pass as it was. (The privileged
        // check runs alongside this, so a privileged refusal can still follow the revocation.)
        if (movedFrom) movedPreface = await endForCompanyMove(input, movedFrom, ticket, mapping);
      };
      try {
        issued = await issueTemporaryAccessPass(
          { entra, issuances: deps.issuances, logger: deps.logger, transaction: deps.transaction, now, beforeCreate },
          mapping,
          { userPrincipalName: upn, startDate, lifetimeMinutes: input.lifetimeMinutes, usableOnce: input.usableOnce, requestedBy: input.requestedBy, trigger: input.trigger, reissue: input.reissue ?? false, ticketId: input.ticketId },
          // In the transaction of the pass's audit row: everything the press writes before the PSA sees the note.
          (pass) => {
            written = writeWithPass(mapping, movedPreface ? { ...input, notePreface: [...(input.notePreface ?? []), movedPreface] } : input, pass, replacement);
          },
        );
      } catch (error) {
        if (error instanceof AppError) return refuseWithNote(input, error, upn);
        throw error;
      }
      const { passNote: claimedPassNote, replacedTicketNote } = written!;
      if (replacedTicketNote) await deps.outbox.deliverClaimed(replacedTicketNote).catch((e: unknown) => deps.logger.warn({ err: errorForLog(e), ticketId: replacedTicketNote.row.ticketId }, 'replaced note not delivered'));
      let noteStatus: DeliveryResult | 'error' = 'error';
      try {
        noteStatus = await deps.outbox.deliverClaimed(claimedPassNote, { toldByCaller: true });
      } finally {
        // The press's one info line (on its request line when it is one): the pass, and whether its note is on the ticket.
        logOutcome(
          deps.logger,
          { issuanceId: issued.issuanceId, psa: input.psa, ticketId: input.ticketId, tenantId: mapping.tenantId, userObjectId: issued.user.id, trigger: input.trigger, note: noteStatus },
          'temporary access pass issued',
        );
      }
      return {
        issuanceId: issued.issuanceId,
        status: 'issued',
        ticketId: input.ticketId,
        userPrincipalName: issued.user.userPrincipalName,
        startDateTime: issued.startDateTime.toISOString(),
        expiresDateTime: issued.expiresDateTime.toISOString(),
        lifetimeMinutes: issued.lifetime.applied,
        usableOnce: issued.usableOnce.usableOnce,
        note: { status: noteStatus === 'written' ? 'written' : noteStatus === 'pending' ? 'pending' : 'failed' },
      };
    });
  };

  /**
   * What a new pass writes besides its audit row, all in that row's transaction (one commit before the PSA call): its
   * sealed note, claimed for this press's own attempt; the ticket's note marks cleared; the replaced pass's end.
   */
  const writeWithPass = (mapping: TenantMapping, input: TicketIssueInput, issued: IssuedPass, replacement: Replacement): WrittenWithPass => {
    const passNote = enqueuePassNote(mapping, input, issued, replacement);
    // A new pass on the ticket: a later refusal there is news again.
    deps.passes.clearNoted(input.psa, input.ticketId);
    return { passNote, replacedTicketNote: recordReplacement(input, issued, replacement) };
  };

  /** The pass the new one replaced ends with an audit row; another ticket's is told on that ticket (its note returned). */
  const recordReplacement = (input: TicketIssueInput, issued: IssuedPass, replacement: Replacement): ClaimedNote | undefined => {
    if (replacement.kind !== 'same-ticket' && replacement.kind !== 'other-ticket') return undefined;
    const newTicket = ticketLabel(input.psa, input.ticketId);
    const old = replacement.pass;
    deps.passes.record({
      pass: old,
      event: 'replaced',
      code: replacement.kind === 'same-ticket' ? 'REISSUED_ON_TICKET' : 'REPLACED_BY_OTHER_TICKET',
      detail: replacement.kind === 'same-ticket' ? `Replaced by a new pass on the same ticket, requested by ${input.requestedBy}.` : `Replaced by the pass issued on ${newTicket}, requested by ${input.requestedBy}.`,
      requestedBy: input.requestedBy,
      trigger: input.trigger,
      endsPass: true,
    });
    if (replacement.kind !== 'other-ticket' || !old.psa || !old.ticketId) return undefined;
    return claimInfoNote(old.psa, old.ticketId, passReplacedNote({ userPrincipalName: issued.user.userPrincipalName, byTicket: newTicket, requestedBy: input.requestedBy }));
  };

  const replacementPreface = (replacement: Replacement): string[] | undefined => {
    if (replacement.kind === 'other-ticket') return [`This pass replaces the pass issued on ${ticketLabel(replacement.pass.psa, replacement.pass.ticketId)}, which no longer works; that ticket is told.`];
    if (replacement.kind === 'outside') return ['This pass replaces a pass created outside the connector (in Entra or by a script), which no longer works.'];
    if (replacement.kind === 'same-ticket') return ['This pass replaces any pass issued to this user before; the earlier pass no longer works.'];
    return undefined;
  };

  const enqueuePassNote = (mapping: TenantMapping, input: TicketIssueInput, issued: IssuedPass, replacement: Replacement): ClaimedNote => {
    const preface = [...(input.notePreface ?? []), ...(replacementPreface(replacement) ?? [])];
    return deps.outbox.enqueueClaimed({
      id: issued.issuanceId,
      issuanceId: issued.issuanceId,
      psa: input.psa,
      ticketId: input.ticketId,
      kind: 'pass',
      note: passNote(issued, { companyName: mapping.companyName, timeZone: mapping.timeZone, requestedBy: input.requestedBy, reissue: input.reissue ?? false, preface }),
      doneStatus: input.doneStatus,
      deadlineAt: noteDeadline(now(), deps.config.tap.noteDeliveryDeadlineMinutes, issued.startDateTime, issued.expiresDateTime),
      tenantId: mapping.tenantId,
      userObjectId: issued.user.id,
      graphMethodId: issued.methodId,
    });
  };

  /** Stops before any refusal note was due (ticket read, PSA or Entra not configured, the unexpected) are audited too. */
  const issueAndAudit = async (input: TicketIssueInput): Promise<TicketIssueResult> => {
    try {
      return await issueForTicket(input);
    } catch (error) {
      const stopped = error instanceof AppError ? error : new AppError('INTERNAL', undefined, { cause: error });
      if (!wasAudited(stopped)) recordNotIssued({ issuances: deps.issuances, logger: deps.logger, now }, attemptOf(input, normaliseUpn(input.userPrincipalName ?? '') || undefined), stopped);
      throw error;
    }
  };

  return {
    issueForTicket: issueAndAudit,
    async postInfoNote(psa, ticketId, note, opts) {
      const mark = opts?.once ? noteMark('info', note.text) : undefined;
      if (mark && deps.passes.alreadyNoted(psa, ticketId, mark)) return;
      try {
        await queueNote(psa, ticketId, note);
      } catch (error) {
        if (mark) deps.passes.forgetNoted(psa, ticketId, mark);
        throw error;
      }
    },
  };
}

/** A short hash naming one outcome (the note marks table holds no ticket text). */
function noteMark(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}
