import type { PsaTicket } from './port.js';

/**
 * Who gets the pass and from when, read from the ticket the PSA returned (never from the caller):
 * the configured custom field, else the ticket contact's e-mail; the start date from its configured field.
 * (The poller extends this with labelled lines in the ticket's text.)
 */
export interface TicketFieldSettings {
  upnField: string | undefined;
  startDateField: string | undefined;
}

export type StartDateReading =
  | { kind: 'none' }
  | { kind: 'date'; date: string; source: string }
  | { kind: 'unclear'; text: string; source: string; reason: 'ambiguous' | 'unparseable' };

export interface TicketInputs {
  userPrincipalName: string | undefined;
  upnSource: string | undefined;
  startDate: StartDateReading;
}

export function readTicketFields(ticket: PsaTicket, settings: TicketFieldSettings): TicketInputs {
  const fromField = settings.upnField ? ticket.customFields[settings.upnField]?.trim() : undefined;
  const upn = fromField || ticket.contactEmail?.trim() || undefined;
  const upnSource = fromField ? `field "${settings.upnField}"` : upn ? 'ticket contact e-mail' : undefined;
  const rawDate = settings.startDateField ? ticket.customFields[settings.startDateField]?.trim() : undefined;
  let startDate: StartDateReading = { kind: 'none' };
  if (rawDate) {
    startDate = /^\d{4}-\d{2}-\d{2}$/.test(rawDate)
      ? { kind: 'date', date: rawDate, source: `field "${settings.startDateField}"` }
      : { kind: 'unclear', text: rawDate, source: `field "${settings.startDateField}"`, reason: 'unparseable' };
  }
  return { userPrincipalName: upn, upnSource, startDate };
}
