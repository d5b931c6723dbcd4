import type { IssuanceRow } from '../db/schema.js';
import type { PsaKind } from '../domain.js';
import type { EntraDirectory, EntraUser, TapMethod } from '../entra/port.js';
import { AppError } from '../errors.js';
import type { PassLedger } from '../lifecycle/passes.js';
import { formatInZone } from './time.js';

/** Graph's reasons for a pass that can no longer be used: such a pass is not "live", replacing it costs nothing. */
const SPENT = new Set(['expired', 'onetimeused']);

export function isSpent(method: Pick<TapMethod, 'methodUsabilityReason'>): boolean {
  return SPENT.has((method.methodUsabilityReason ?? '').toLowerCase());
}

/** What a new pass is about to replace. */
export type Replacement =
  | { kind: 'none' }
  /** A pass this connector issued on the same ticket (a reissue there): its own note says so. */
  | { kind: 'same-ticket'; pass: IssuanceRow }
  /** A pass this connector issued on another ticket: that ticket is told. */
  | { kind: 'other-ticket'; pass: IssuanceRow }
  /** A pass someone created outside the connector (Entra portal, a script). */
  | { kind: 'outside'; methodId: string };

export function ticketLabel(psa: PsaKind | null, ticketId: string | null): string {
  return `${psa === 'halo' ? 'HaloPSA' : 'ConnectWise'} ticket #${ticketId ?? '?'}`;
}

/**
 * One pass per user, said out loud: Graph keeps one Temporary Access Pass per user and a create deletes the previous
 * one (reference/entra-graph.md), so before creating, the user's live pass is looked up in Graph itself. A live pass
 * this connector issued on another ticket, or one created outside the connector, is replaced only when the request
 * says `reissue`; otherwise the request is refused with a sentence naming that ticket.
 */
export async function findReplacement(
  deps: { entra: EntraDirectory; passes: PassLedger },
  request: { psa: PsaKind; ticketId: string; tenantId: string; reissue: boolean; timeZone: string },
  user: EntraUser,
): Promise<Replacement> {
  const methods = (await deps.entra.listTaps(request.tenantId, user.id)).filter((m) => !isSpent(m));
  let found: Replacement = { kind: 'none' };
  for (const method of methods) {
    const ours = deps.passes.byMethodId(request.tenantId, user.id, method.id);
    if (ours && ours.psa === request.psa && ours.ticketId === request.ticketId) {
      if (found.kind === 'none') found = { kind: 'same-ticket', pass: ours };
      continue;
    }
    if (!request.reissue) {
      const until = method.startDateTime && method.lifetimeInMinutes ? new Date(Date.parse(method.startDateTime) + method.lifetimeInMinutes * 60_000) : undefined;
      const when = until ? ` (valid until ${formatInZone(until, request.timeZone)})` : '';
      throw new AppError(
        'USER_HAS_LIVE_PASS',
        ours
          ? `${user.userPrincipalName} already holds a live pass issued on ${ticketLabel(ours.psa, ours.ticketId)}${when}; a new pass would silently replace it. Issue again with reissue to replace it, and that ticket will be told.`
          : `${user.userPrincipalName} already holds a live Temporary Access Pass created outside the connector${when}; a new pass would silently replace it. Issue again with reissue to replace it.`,
      );
    }
    found = ours ? { kind: 'other-ticket', pass: ours } : { kind: 'outside', methodId: method.id };
  }
  return found;
}
