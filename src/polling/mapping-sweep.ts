import type { PsaKind } from '../domain.js';
import type { MappingStore } from '../db/mappings.js';
import { mappingPart, splitFingerprint } from './plan.js';
import type { LedgerState, PollingStore } from './store.js';

/** At most this many tickets are read by id in one cycle because of a mapping change; the rest wait for the next. */
export const MAX_REMAPPED_PER_CYCLE = 200;
/** A ticket whose read by id keeps failing is tried this many cycles, then left until it changes (a read the PSA refuses). */
export const MAX_REMAP_READ_FAILURES = 3;

export interface RemappedTicket {
  ticketId: string;
  /** The ticket's version when the poller last read it in the onboarding queue. */
  ticketUpdatedAt: string;
  /** The mapping part it is looked at against (remembered once looked at, so it is read once per mapping version). */
  mappingPart: string;
}

/**
 * A refused, failed, scheduled or waiting ticket is looked at again when its company's mapping changes (mapped, hour
 * or zone moved). When the poller lists only changed tickets (ConnectWise's `lastUpdated >= cursor`, the change feed
 * while anything is followed) an unchanged ticket is never listed: this finds, once the mappings' revision moved,
 * the ledger rows whose stored mapping part differs from their company's mapping now. Idle cycles (revision
 * unchanged) cost nothing, not even a query.
 */
export function createMappingSweep(deps: { store: PollingStore; mappings: Pick<MappingStore, 'get' | 'revision'> }, limit = MAX_REMAPPED_PER_CYCLE) {
  const sweptRevision = new Map<PsaKind, number>();
  /** Per PSA: ticket → the mapping part it was last looked at against (a ticket that could not be handled stays quiet). */
  const lookedAt = new Map<PsaKind, Map<string, string>>();
  const looked = (psa: PsaKind) => lookedAt.get(psa) ?? lookedAt.set(psa, new Map()).get(psa)!;
  /** Per PSA and ticket: reads by id that failed for the mapping part it is looked at against. */
  const failures = new Map<string, number>();

  return {
    /** The tickets to read by id this cycle (none listed this cycle), or undefined when the mappings have not changed. */
    due(psa: PsaKind, states: readonly LedgerState[], listed: ReadonlySet<string>): { revision: number; tickets: RemappedTicket[]; complete: boolean } | undefined {
      const revision = deps.mappings.revision();
      if (sweptRevision.get(psa) === revision) return undefined;
      const parts = new Map<string, string>();
      const partOf = (companyId: string) => parts.get(companyId) ?? parts.set(companyId, mappingPart(deps.mappings.get(psa, companyId))).get(companyId)!;
      const seen = looked(psa);
      const tickets: RemappedTicket[] = [];
      const rows = deps.store.mappingSensitive(psa, states);
      // Tickets that left these states need not be remembered.
      const current = new Set(rows.map((r) => r.ticketId));
      for (const id of seen.keys()) if (!current.has(id)) seen.delete(id);
      for (const row of rows) {
        const part = partOf(row.companyId);
        if (listed.has(row.ticketId) || splitFingerprint(row.fingerprint).mapping === part || seen.get(row.ticketId) === part) continue;
        if (tickets.length === limit) return { revision, tickets, complete: false };
        tickets.push({ ticketId: row.ticketId, ticketUpdatedAt: row.ticketUpdatedAt, mappingPart: part });
      }
      return { revision, tickets, complete: true };
    },
    /** The ticket was read and handled (or found changed or gone) for this mapping version. */
    lookedAt(psa: PsaKind, ticket: RemappedTicket): void {
      looked(psa).set(ticket.ticketId, ticket.mappingPart);
      failures.delete(`${psa}\u0000${ticket.ticketId}`);
    },
    /**
     * Its read by id failed: true when it is tried again next cycle (the sweep is then not finished), false once it
     * failed MAX_REMAP_READ_FAILURES times (it is then counted as looked at).
     */
    readFailed(psa: PsaKind, ticket: RemappedTicket): boolean {
      const key = `${psa}\u0000${ticket.ticketId}`;
      const count = (failures.get(key) ?? 0) + 1;
      if (count < MAX_REMAP_READ_FAILURES) {
        failures.set(key, count);
        return true;
      }
      this.lookedAt(psa, ticket);
      return false;
    },
    /** Every ticket the revision concerned was looked at: idle cycles skip the query until the next change. */
    finish(psa: PsaKind, revision: number): void {
      sweptRevision.set(psa, revision);
    },
  };
}
