import type { PsaKind } from '../domain.js';
import type { Services } from '../services.js';
import type { TicketIssueResult } from '../tap/ticket-issuance.js';
import { instantInZone, zoneAbbreviation } from '../tap/time.js';

/**
 * One line a person can read where the PSA shows the raw answer (a Halo runbook's result): who got a pass, where it
 * is, and when it is valid in the customer's own time. Never the pass.
 */
export function buttonMessage(services: Pick<Services, 'issuances' | 'mappings' | 'config'>, psa: PsaKind, result: TicketIssueResult): string {
  const row = services.issuances.get(result.issuanceId);
  const zone = (row?.companyId ? services.mappings.get(psa, row.companyId)?.timeZone : undefined) ?? services.config.tap.defaultTimeZone;
  const from = instantInZone(result.startDateTime, zone);
  const until = instantInZone(result.expiresDateTime, zone);
  // Same local calendar day (luxon's hasSame(…, 'day') for two instants in one zone, at a fraction of its cost).
  const sameDay = from.year === until.year && from.month === until.month && from.day === until.day;
  const validity = `valid ${from.toFormat('ccc d LLL yyyy, HH:mm', { locale: 'en-GB' })} – ${until.toFormat(sameDay ? 'HH:mm' : 'ccc d LLL yyyy, HH:mm', { locale: 'en-GB' })} ${zoneAbbreviation(from)} (${zone})`;
  const where = result.note.status === 'written' ? 'is in a private note on the ticket' : 'will appear in a private note on the ticket shortly';
  const use = result.usableOnce ? 'one sign-in' : 'reusable until it expires';
  return result.status === 'issued'
    ? `Temporary Access Pass for ${result.userPrincipalName} ${where}: ${validity}, ${use}.`
    : `A pass for ${result.userPrincipalName} was already issued for ticket #${result.ticketId} a moment ago; see its private note: ${validity}, ${use}.`;
}
