import { DateTime } from 'luxon';
import type { PsaKind } from '../domain.js';
import type { Services } from '../services.js';
import type { TicketIssueResult } from '../tap/ticket-issuance.js';

/**
 * One line a person can read where the PSA shows the raw answer (a Halo runbook's result): who got a pass, where it
 * is, and when it is valid in the customer's own time. Never the pass.
 */
export function buttonMessage(services: Pick<Services, 'issuances' | 'mappings' | 'config'>, psa: PsaKind, result: TicketIssueResult): string {
  const row = services.issuances.get(result.issuanceId);
  const zone = (row?.companyId ? services.mappings.get(psa, row.companyId)?.timeZone : undefined) ?? services.config.tap.defaultTimeZone;
  const from = DateTime.fromISO(result.startDateTime, { zone });
  const until = DateTime.fromISO(result.expiresDateTime, { zone });
  const sameDay = from.hasSame(until, 'day');
  const validity = `valid ${from.toFormat('ccc d LLL yyyy, HH:mm', { locale: 'en-GB' })} – ${until.toFormat(sameDay ? 'HH:mm' : 'ccc d LLL yyyy, HH:mm', { locale: 'en-GB' })} ${from.toFormat('ZZZZ', { locale: 'en-US' })} (${zone})`;
  const where = result.note.status === 'written' ? 'is in a private note on the ticket' : 'will appear in a private note on the ticket shortly';
  const use = result.usableOnce ? 'one sign-in' : 'reusable until it expires';
  return result.status === 'issued'
    ? `Temporary Access Pass for ${result.userPrincipalName} ${where}: ${validity}, ${use}.`
    : `A pass for ${result.userPrincipalName} was already issued for ticket #${result.ticketId} a moment ago; see its private note: ${validity}, ${use}.`;
}
