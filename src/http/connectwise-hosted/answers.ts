import type { ConnectWiseConfig } from '../../config/index.js';
import type { TenantMapping } from '../../db/mappings.js';
import type { PsaTicket } from '../../psa/port.js';
import { readTicketFields } from '../../psa/ticket-fields.js';
import type { RevokeResult } from '../../lifecycle/revoke.js';
import type { TicketIssueResult } from '../../tap/ticket-issuance.js';
import { formatInZone } from '../../tap/time.js';

/** What the hosted page's routes answer the browser: allow-lists of fields, never the pass. */

/** What the page shows before issuing: the ticket's company (and whether it is mapped), user and start date. */
export function ticketPreview(ticket: PsaTicket, ticketId: string, config: ConnectWiseConfig, mapping: TenantMapping | undefined) {
  const fields = readTicketFields(ticket, { upnField: config.upnField, startDateField: config.startDateField });
  const start = fields.startDate;
  return {
    id: ticketId,
    summary: ticket.summary,
    companyId: ticket.companyId,
    companyName: ticket.companyName,
    mapping: {
      status: !mapping ? 'not_mapped' : mapping.enabled ? 'mapped' : 'disabled',
      tenant: mapping ? mapping.tenantName ?? mapping.tenantDomain ?? null : null,
      timeZone: mapping?.timeZone ?? null,
    },
    userPrincipalName: fields.userPrincipalName ?? null,
    userSource: fields.upnSource ?? null,
    startDate:
      start.kind === 'date'
        ? { kind: 'date' as const, date: start.date }
        : start.kind === 'unclear'
          ? { kind: 'unclear' as const, text: start.text.slice(0, 80) }
          : { kind: 'none' as const },
  };
}

/**
 * The issuance summary, field by field (an allow-list, so nothing the use case might add later — least of all the pass —
 * reaches the browser), plus start and expiry written in the customer's time zone by the one time module.
 */
export function hostedResult(result: TicketIssueResult, timeZone: string) {
  const local = (iso: string) => {
    const instant = new Date(iso);
    return Number.isNaN(instant.getTime()) ? '' : formatInZone(instant, timeZone);
  };
  return {
    issuanceId: result.issuanceId,
    status: result.status,
    ticketId: result.ticketId,
    userPrincipalName: result.userPrincipalName,
    startDateTime: result.startDateTime,
    expiresDateTime: result.expiresDateTime,
    lifetimeMinutes: result.lifetimeMinutes,
    usableOnce: result.usableOnce,
    note: { status: result.note.status },
    display: { timeZone, startDateTime: local(result.startDateTime), expiresDateTime: local(result.expiresDateTime) },
  };
}

export type HostedTapResponse = ReturnType<typeof hostedResult>;

/** What was revoked, field by field (an allow-list), with each pass's expiry written in the customer's time zone. */
export function revokeAnswer(result: RevokeResult, timeZone: string) {
  const local = (iso: string) => {
    const instant = new Date(iso);
    return Number.isNaN(instant.getTime()) ? '' : formatInZone(instant, timeZone);
  };
  return {
    ticketId: result.ticketId,
    revoked: result.revoked.map((pass) => ({
      userPrincipalName: pass.userPrincipalName,
      expiresDateTime: pass.expiresDateTime,
      display: { expiresDateTime: local(pass.expiresDateTime) },
    })),
    droppedSchedule: result.droppedSchedule
      ? { userPrincipalName: result.droppedSchedule.userPrincipalName, startDateTime: result.droppedSchedule.startDateTime, display: { startDateTime: local(result.droppedSchedule.startDateTime) } }
      : null,
    note: { status: result.note.status },
  };
}
