import type { ListedTicket, PsaTicket } from '../port.js';
import { htmlToText } from '../html-text.js';
import type { HaloCustomField, HaloTicket } from './schemas.js';

/** A Halo ticket as the connector's PsaTicket. */
export function toPsaTicket(ticket: HaloTicket): PsaTicket {
  const customFields: Record<string, string | undefined> = {};
  for (const field of ticket.customfields ?? []) {
    const text = customFieldText(field);
    // Keyed by both: admins see the label, Halo's API and exports use the name (CFxxx).
    if (field.name) customFields[field.name] = text;
    if (field.label && !(field.label in customFields)) customFields[field.label] = text;
  }
  return {
    psa: 'halo',
    id: String(ticket.id),
    summary: ticket.summary ?? '',
    description: ticket.details == null ? undefined : htmlToText(ticket.details),
    companyId: ticket.client_id == null ? '' : String(ticket.client_id),
    companyName: ticket.client_name ?? '',
    contactName: ticket.user_name?.trim() || undefined,
    contactEmail: ticket.user_email?.trim() || undefined,
    customFields,
    statusName: ticket.status_name ?? undefined,
    statusId: ticket.status_id == null ? undefined : String(ticket.status_id),
    boardOrTypeName: ticket.tickettype_name ?? undefined,
    lastUpdated: asUtc(ticket.lastactiondate ?? ticket.dateoccurred ?? undefined),
  };
}

/** A list row: without `customfields` (Halo leaves them out of lists), its custom fields are unknown, not empty. */
export function toListedTicket(row: HaloTicket): ListedTicket {
  const ticket = toPsaTicket(row);
  return row.customfields ? ticket : { ...ticket, customFields: undefined };
}

/**
 * A custom field as text. A date-only value (midnight, e.g. `2026-12-07T00:00:00`) is the calendar date as written —
 * never converted through a zone. Otherwise `display` (what the agent sees: a list option's text rather than its id),
 * falling back to `value`.
 */
export function customFieldText(field: HaloCustomField): string | undefined {
  const { value, display } = field;
  if (typeof value === 'string') {
    const date = /^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?$/.exec(value.trim());
    if (date) return date[1];
  }
  for (const candidate of [display, value]) {
    if (typeof candidate === 'string' && candidate.trim() !== '') return candidate.trim();
    if (typeof candidate === 'number' || typeof candidate === 'boolean') return String(candidate);
  }
  return undefined;
}

/** Halo's API datetimes carry no zone suffix; they are UTC (VERIFY on an instance), so mark them as such. */
function asUtc(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? value : `${value}Z`;
}
