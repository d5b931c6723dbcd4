import type { PsaTicket } from '../port.js';
import type { CwTicket } from './schemas.js';

/** A ConnectWise service ticket as the connector's PsaTicket. */
export function toPsaTicket(ticket: CwTicket): PsaTicket {
  const customFields: Record<string, string | undefined> = {};
  for (const field of ticket.customFields ?? []) {
    if (field.caption) customFields[field.caption] = customFieldText(field.type, field.value);
  }
  return {
    psa: 'connectwise',
    id: String(ticket.id),
    summary: ticket.summary ?? '',
    // The description is the earliest Discussion note, loaded on demand by getTicketDescription (see port.ts).
    description: undefined,
    companyId: ticket.company ? String(ticket.company.id) : '',
    companyName: ticket.company?.name ?? '',
    contactName: ticket.contact?.name ?? ticket.contactName ?? undefined,
    contactEmail: ticket.contactEmailAddress?.trim() || undefined,
    customFields,
    statusName: ticket.status?.name,
    statusId: ticket.status ? String(ticket.status.id) : undefined,
    boardOrTypeName: ticket.board?.name,
    lastUpdated: ticket._info?.lastUpdated ?? ticket.lastUpdated,
  };
}

/**
 * A custom field's value as text. CW sends a `Date` field as a midnight-UTC instant (`2026-12-07T00:00:00Z`) for what
 * the technician typed as a calendar date: take the date part as written. Converting through `Date` in any zone west
 * of UTC would turn it into the 6th.
 */
export function customFieldText(type: string | undefined, value: string | number | boolean | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (type === 'Date' && typeof value === 'string') {
    const date = /^(\d{4}-\d{2}-\d{2})/.exec(value.trim());
    return date ? date[1] : value.trim() || undefined;
  }
  const text = String(value).trim();
  return text === '' ? undefined : text;
}
