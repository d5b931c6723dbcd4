import type { PsaKind } from '../domain.js';
import { AppError } from '../errors.js';
import type { ListedTicket, PsaConnector, PsaTicket } from '../psa/port.js';
import { describeError, isCycleAbort, type OnboardingDeps } from './deps.js';
import { errorForLog } from '../logger.js';
import type { TicketFollower } from '../lifecycle/follow-ticket.js';
import { createTicketHandler, MAPPING_SENSITIVE_STATES, type TicketOutcome } from './handle-ticket.js';
import { createMappingSweep } from './mapping-sweep.js';

export interface PollerDeps extends OnboardingDeps {
  connectors: Partial<Record<PsaKind, PsaConnector>>;
  /** Follows tickets whose pass was issued or scheduled until the pass starts (issue 12); without it none are. */
  follower?: TicketFollower;
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
  /** Followed tickets whose pass was revoked and replaced, or whose onboarding was cancelled. */
  replaced: number;
  cancelled: number;
  /** Tickets the change feed listed that are neither followed nor in the onboarding queue. */
  ignored: number;
  /** How many tickets were followed this cycle. */
  followed: number;
  /** Tickets not listed but read by id because their company's mapping changed (src/polling/mapping-sweep.ts). */
  remapped: number;
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
  const sweep = createMappingSweep(deps);
  const { store, now } = deps;

  /**
   * Lists every page before handling any ticket. Handling writes notes and moves statuses, which reorders the PSA's
   * list (a note bumps `lastUpdated`; a done status drops the ticket from the filter): paging while handling skipped
   * tickets behind the shifted offsets. The listing itself is read in one quick pass, so the pages are stable.
   */
  async function listChangedTickets(psa: PsaKind, connector: PsaConnector, summary: CycleSummary, feed: boolean) {
    const cursor = store.cursor(psa);
    const byId = new Map<string, ListedTicket>();
    const onboarding = new Set<string>();
    let cursorAfter = cursor;
    for (let page = 1; ; page += 1) {
      // Followed tickets may have left the onboarding queue (done, cancelled, another board): while any are followed,
      // the cycle reads every ticket changed since the cursor instead — still one request when nothing changed.
      const result = feed && cursor ? await connector.listChangedTickets(cursor, page) : await connector.listOnboardingTickets(cursor, page);
      summary.pages += 1;
      for (const ticket of result.tickets) byId.set(ticket.id, ticket);
      for (const id of feed && cursor ? (result.onboardingIds ?? []) : result.tickets.map((t) => t.id)) onboarding.add(id);
      // Halo's open list has no cursor of its own: the newest change seen is where the change feed starts.
      cursorAfter = result.cursorAfter ?? newest(cursorAfter, result.tickets);
      if (!result.hasMore || result.tickets.length === 0) break;
      if (page >= MAX_PAGES_PER_CYCLE) {
        deps.logger.warn({ psa, pages: page }, 'onboarding poll stopped listing after the page limit; the next cycle continues');
        break;
      }
    }
    return { tickets: [...byId.values()], cursorAfter, onboarding };
  }

  const newest = (cursor: string | undefined, tickets: ListedTicket[]): string | undefined =>
    [cursor, ...tickets.map((t) => t.lastUpdated)].filter((v): v is string => v !== undefined).sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1);

  /** A followed ticket: cancelled, its pass replaced, or handled as usual (a scheduled pass is rescheduled there). */
  async function follow(psa: PsaKind, connector: PsaConnector, ticket: ListedTicket, summary: CycleSummary, inQueue: boolean): Promise<TicketOutcome | undefined> {
    const ledger = store.ledger(psa, ticket.id);
    if (!ledger || !deps.follower) return inQueue ? handler.handle(psa, connector, ticket) : undefined;
    summary.followed += 1;
    let decision;
    try {
      decision = await deps.follower.follow(psa, connector, ticket, ledger);
    } catch (error) {
      if (isCycleAbort(error)) throw error;
      deps.logger.error({ psa, ticketId: ticket.id, err: errorForLog(error) }, 'following the ticket failed');
      return 'failed';
    }
    if (decision.kind === 'cancelled') {
      summary.cancelled += 1;
      return undefined;
    }
    if (decision.kind === 'unchanged') return 'unchanged';
    if (decision.kind === 'replace') summary.replaced += 1;
    return decision.kind === 'replace' ? handler.handle(psa, connector, decision.ticket, { replacing: decision.replacing }) : handler.handle(psa, connector, ticket);
  }

  /**
   * Tickets whose company's mapping changed since they were handled, and which this cycle did not list: each is read
   * by id and handled like a listed ticket, when it has not changed since the poller last saw it in the onboarding
   * queue (a ticket that changed is listed when it is still there; one that left it is no longer the poller's).
   */
  async function remapped(psa: PsaKind, connector: PsaConnector, summary: CycleSummary, listed: ReadonlySet<string>): Promise<void> {
    const due = sweep.due(psa, MAPPING_SENSITIVE_STATES, listed);
    if (!due) return;
    let retry = false;
    for (const entry of due.tickets) {
      let outcome: TicketOutcome | undefined;
      let ticket: PsaTicket | null;
      try {
        ticket = await connector.getTicket(entry.ticketId);
      } catch (error) {
        if (isCycleAbort(error)) throw error;
        deps.logger.error({ psa, ticketId: entry.ticketId, err: errorForLog(error) }, 'reading a ticket after its mapping changed failed');
        summary.errors += 1;
        // Tried again next cycle (a few times): the listing will not bring an unchanged ticket back.
        if (sweep.readFailed(psa, entry)) retry = true;
        continue;
      }
      summary.remapped += 1;
      try {
        if (ticket && ticket.lastUpdated === entry.ticketUpdatedAt) outcome = await handler.handle(psa, connector, ticket);
      } catch (error) {
        if (isCycleAbort(error)) throw error;
        deps.logger.error({ psa, ticketId: entry.ticketId, err: errorForLog(error) }, 'handling a ticket after its mapping changed failed');
        outcome = 'failed';
      }
      sweep.lookedAt(psa, entry);
      if (outcome) (summary[COUNTER[outcome]] as number) += 1;
    }
    if (due.complete && !retry) sweep.finish(psa, due.revision);
    else deps.logger.info({ psa, remapped: due.tickets.length }, 'more tickets concern a changed mapping; the next cycle reads the rest');
  }

  async function runCycle(psa: PsaKind): Promise<CycleSummary> {
    const connector = deps.connectors[psa];
    if (!connector) throw new AppError('PSA_NOT_ENABLED');
    const startedAt = now().getTime();
    const summary: CycleSummary = { psa, seen: 0, issued: 0, scheduled: 0, refused: 0, needsInput: 0, waitingUser: 0, unchanged: 0, replaced: 0, cancelled: 0, ignored: 0, followed: 0, remapped: 0, errors: 0, pages: 0, durationMs: 0 };
    let failure: unknown;
    try {
      const watched = deps.follower ? store.watchedIds(psa, now()) : new Set<string>();
      const { tickets, cursorAfter, onboarding } = await listChangedTickets(psa, connector, summary, watched.size > 0);
      for (const ticket of tickets) {
        summary.seen += 1;
        const inQueue = onboarding.has(ticket.id);
        const outcome = watched.has(ticket.id) ? await follow(psa, connector, ticket, summary, inQueue) : inQueue ? await handler.handle(psa, connector, ticket) : undefined;
        if (outcome === undefined) {
          if (!watched.has(ticket.id)) summary.ignored += 1;
          continue;
        }
        (summary[COUNTER[outcome]] as number) += 1;
      }
      // Stored only once every listed ticket is handled: a crash or an abort above lists them again, and the ledger
      // makes the tickets already handled cost nothing.
      store.saveCursor(psa, cursorAfter, now());
      await remapped(psa, connector, summary, new Set(tickets.map((t) => t.id)));
    } catch (error) {
      failure = error;
      summary.errors += 1;
    }
    summary.durationMs = now().getTime() - startedAt;
    store.recordCycle(psa, now(), failure === undefined ? undefined : describeError(failure).slice(0, 500));
    const level = failure === undefined ? 'info' : 'warn';
    deps.logger[level]({ ...summary, ...(failure !== undefined ? { stoppedBy: describeError(failure).slice(0, 200) } : {}) }, 'onboarding poll cycle');
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows what the cycle caught, as it was
    if (failure !== undefined) throw failure;
    return summary;
  }

  return { runCycle };
}
