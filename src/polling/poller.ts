import type { PsaKind } from '../domain.js';
import { AppError } from '../errors.js';
import type { PsaConnector, PsaTicket } from '../psa/port.js';
import { describeError, type OnboardingDeps } from './deps.js';
import { createTicketHandler, type TicketOutcome } from './handle-ticket.js';

export interface PollerDeps extends OnboardingDeps {
  connectors: Partial<Record<PsaKind, PsaConnector>>;
}

export interface CycleSummary {
  psa: PsaKind;
  seen: number;
  issued: number;
  scheduled: number;
  refused: number;
  needsInput: number;
  waitingUser: number;
  unchanged: number;
  errors: number;
  pages: number;
  durationMs: number;
}

export interface OnboardingPoller {
  /** One pass over the PSA's onboarding tickets. Throws (after logging its summary) when the cycle had to stop early. */
  runCycle(psa: PsaKind): Promise<CycleSummary>;
}

/** A runaway adapter (hasMore forever) must not pin the loop: 500 pages of 100 is far beyond any real board. */
const MAX_PAGES_PER_CYCLE = 500;

const COUNTER: Record<TicketOutcome, keyof CycleSummary> = {
  unchanged: 'unchanged',
  issued: 'issued',
  scheduled: 'scheduled',
  refused: 'refused',
  needs_input: 'needsInput',
  waiting_user: 'waitingUser',
  failed: 'errors',
};

export function createOnboardingPoller(deps: PollerDeps): OnboardingPoller {
  const handler = createTicketHandler(deps);
  const { store, now } = deps;

  /**
   * Lists every page before handling any ticket. Handling writes notes and moves statuses, which reorders the PSA's
   * list (a note bumps `lastUpdated`; a done status drops the ticket from the filter): paging while handling skipped
   * tickets behind the shifted offsets. The listing itself is read in one quick pass, so the pages are stable.
   */
  async function listChangedTickets(psa: PsaKind, connector: PsaConnector, summary: CycleSummary) {
    const cursor = store.cursor(psa);
    const byId = new Map<string, PsaTicket>();
    let cursorAfter = cursor;
    for (let page = 1; ; page += 1) {
      const result = await connector.listOnboardingTickets(cursor, page);
      summary.pages += 1;
      for (const ticket of result.tickets) byId.set(ticket.id, ticket);
      cursorAfter = result.cursorAfter ?? cursorAfter;
      if (!result.hasMore || result.tickets.length === 0) break;
      if (page >= MAX_PAGES_PER_CYCLE) {
        deps.logger.warn({ psa, pages: page }, 'onboarding poll stopped listing after the page limit; the next cycle continues');
        break;
      }
    }
    return { tickets: [...byId.values()], cursorAfter };
  }

  async function runCycle(psa: PsaKind): Promise<CycleSummary> {
    const connector = deps.connectors[psa];
    if (!connector) throw new AppError('PSA_NOT_ENABLED');
    const startedAt = now().getTime();
    const summary: CycleSummary = { psa, seen: 0, issued: 0, scheduled: 0, refused: 0, needsInput: 0, waitingUser: 0, unchanged: 0, errors: 0, pages: 0, durationMs: 0 };
    let failure: unknown;
    try {
      const { tickets, cursorAfter } = await listChangedTickets(psa, connector, summary);
      for (const ticket of tickets) {
        summary.seen += 1;
        const outcome = await handler.handle(psa, connector, ticket);
        (summary[COUNTER[outcome]] as number) += 1;
      }
      // Stored only once every listed ticket is handled: a crash or an abort above lists them again, and the ledger
      // makes the tickets already handled cost nothing.
      store.saveCursor(psa, cursorAfter, now());
    } catch (error) {
      failure = error;
      summary.errors += 1;
    }
    summary.durationMs = now().getTime() - startedAt;
    store.recordCycle(psa, now(), failure === undefined ? undefined : describeError(failure).slice(0, 500));
    const level = failure === undefined ? 'info' : 'warn';
    deps.logger[level]({ ...summary, ...(failure !== undefined ? { stoppedBy: describeError(failure).slice(0, 200) } : {}) }, 'onboarding poll cycle');
    if (failure !== undefined) throw failure;
    return summary;
  }

  return { runCycle };
}
