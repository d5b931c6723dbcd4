import { z } from 'zod';
import type { HaloConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { buildHttpDeps, isTicketId, parseBody, type TransportOverrides } from '../http.js';
import type { ListedTicket, OnboardingPage, PrivateNote, PsaCompany, PsaConnector, PsaTicket } from '../port.js';
import { createHaloClient } from './client.js';
import { toListedTicket, toPsaTicket } from './normalise.js';
import { haloClientListSchema, haloTicketListSchema, haloTicketSchema, type HaloTicket } from './schemas.js';

export interface HaloConnectorDeps extends TransportOverrides {
  config: HaloConfig;
  logger: Logger;
}

/** Halo caps `page_size` at 100 whatever is asked (reference "Tickets"). */
const PAGE_SIZE = 100;
const MAX_PAGES = 1_000;

export function createHaloConnector(deps: HaloConnectorDeps): PsaConnector {
  const { config } = deps;
  const logger = deps.logger.child({ psa: 'halo' });
  const http = buildHttpDeps('HaloPSA', logger, deps, { requestsPerMinute: config.maxRequestsPerMinute });
  const client = createHaloClient(config, http);

  async function fetchTicket(ticketId: string): Promise<HaloTicket | null> {
    if (!isTicketId(ticketId)) return null;
    // includedetails=true adds the "extra objects"; whether custom fields come without it is unconfirmed, and public
    // integrations always ask (reference/specs/README.md).
    const res = await client.send({ method: 'GET', path: `/Tickets/${ticketId}`, query: { includedetails: true } });
    if (res.status === 404) return null;
    if (res.status < 200 || res.status > 299) throw client.fail(res);
    return parseBody('HaloPSA', res.text, haloTicketSchema, 'ticket');
  }

  /** One page of `GET /Tickets` (100 rows) with the given filters. */
  async function listTicketPage(page: number, filters: Record<string, string | number | boolean | undefined>) {
    const { tickets } = await client.json(
      {
        method: 'GET',
        path: '/Tickets',
        query: { pageinate: true, page_size: PAGE_SIZE, page_no: Math.max(1, Math.trunc(page)), ...filters },
      },
      haloTicketListSchema,
      'ticket list',
    );
    return tickets;
  }

  /** `new_status` must be a Halo status id; anything else is left out (the note matters more than the move). */
  function statusId(status: string | undefined, ticketId: string): number | undefined {
    if (status === undefined) return undefined;
    const id = Number(status);
    if (Number.isInteger(id) && id > 0) return id;
    logger.warn({ ticketId }, 'HaloPSA done status is not a status id; ticket left in its status');
    return undefined;
  }

  return {
    kind: 'halo',

    async getTicket(ticketId: string): Promise<PsaTicket | null> {
      const ticket = await fetchTicket(ticketId);
      return ticket ? toPsaTicket(ticket) : null;
    },

    async getTicketDescription(ticket: PsaTicket): Promise<string> {
      if (ticket.description !== undefined) return ticket.description;
      const full = await fetchTicket(ticket.id);
      return full ? (toPsaTicket(full).description ?? '') : '';
    },

    async listCompanies(opts): Promise<PsaCompany[]> {
      const companies: PsaCompany[] = [];
      const seenIds = new Set<number>();
      for (let page = 1; page <= MAX_PAGES; page++) {
        const { clients } = await client.json(
          { method: 'GET', path: '/Client', query: { pageinate: true, page_size: PAGE_SIZE, page_no: page } },
          haloClientListSchema,
          'client list',
        );
        // Loop on rows actually returned: `record_count` is not reliable (reference "Tickets", "Clients").
        const fresh = clients.filter((c) => !seenIds.has(c.id));
        // No rows is the end; a page of rows already seen means the server ignored page_no and would repeat forever.
        if (fresh.length === 0) break;
        for (const c of fresh) {
          seenIds.add(c.id);
          if (c.inactive === true || c.inactive === 1) continue;
          companies.push({ id: String(c.id), name: c.name ?? String(c.id), identifier: undefined });
        }
        opts?.onProgress?.(seenIds.size);
      }
      return companies;
    },

    async writePrivateNote(ticketId: string, note: PrivateNote, opts?: { status?: string }): Promise<void> {
      if (!isTicketId(ticketId)) throw new AppError('TICKET_NOT_FOUND', 'HaloPSA ticket ids are positive integers.');
      const newStatus = statusId(opts?.status, ticketId);
      const res = await client.send({
        method: 'POST',
        path: '/Actions',
        // Halo takes an array of actions; an outcome is mandatory and instance-specific (reference "Private notes").
        // hiddenfromuser keeps it off the end-user portal; sendemail:false sends nothing.
        body: [
          {
            ticket_id: Number(ticketId),
            outcome_id: config.noteOutcomeId,
            note_html: note.html,
            hiddenfromuser: true,
            sendemail: false,
            ...(newStatus === undefined ? {} : { new_status: newStatus }),
          },
        ],
      });
      if (res.status === 404) throw new AppError('TICKET_NOT_FOUND');
      if (res.status < 200 || res.status > 299) throw client.fail(res);
      logger.debug({ ticketId }, 'HaloPSA private note written');
    },

    async listOnboardingTickets(_cursor: string | undefined, page: number): Promise<OnboardingPage> {
      // Halo has no reliable "updated since" filter, so there is no cursor: every cycle reads the open onboarding
      // tickets and the poller's ledger skips those already handled. Rows come as listed (no custom fields): the
      // poller reads a ticket by id only when it is new or its lastactiondate moved (readListedTicket), not 900
      // unchanged tickets every cycle.
      if (!config.onboarding) return { tickets: [], cursorAfter: undefined, hasMore: false };
      const { requestTypeId, statusId: wantedStatus } = config.onboarding;
      const rows = await listTicketPage(page, { requesttype_id: requestTypeId, status_id: wantedStatus, open_only: true });
      // Halo silently ignores parameters it does not know and then returns everything (reference "Traps"):
      // re-check type and status here.
      const matching = rows.filter(
        (t) => t.tickettype_id === requestTypeId && (wantedStatus === undefined || t.status_id === wantedStatus),
      );
      return { tickets: matching.map(toListedTicket), cursorAfter: undefined, hasMore: rows.length >= PAGE_SIZE };
    },

    async listChangedTickets(cursor: string, page: number): Promise<OnboardingPage> {
      const since = Date.parse(cursor);
      if (Number.isNaN(since)) throw new AppError('INTERNAL', 'The stored HaloPSA polling cursor is not an ISO-8601 instant.');
      const rows = await listTicketPage(page, {
        // Halo keeps datetimes in UTC without a zone suffix (normalise.ts). Every request type: a followed ticket whose
        // type or status changed is still seen.
        lastupdatefromdate: new Date(since).toISOString().replace(/\.\d{3}Z$/, ''),
      });
      // Halo silently ignores parameters it does not know (reference "Traps"): re-check the date here.
      const changed = rows.filter((t) => {
        const at = toPsaTicket(t).lastUpdated;
        return at === undefined || Date.parse(at) >= since;
      });
      const onboarding = config.onboarding;
      const tickets: ListedTicket[] = [];
      const onboardingIds: string[] = [];
      // As listed (see listOnboardingTickets): type and status are on the row; the custom fields are read only for a
      // ticket the poller must look at.
      for (const row of changed) {
        tickets.push(toListedTicket(row));
        // Without an onboarding status, a ticket of the type counts unless it sits in the done or cancelled status: an old,
        // finished onboarding ticket edited today is not a new starter.
        const finished = row.status_id != null && (row.status_id === config.doneStatusId || row.status_id === config.cancelledStatusId);
        if (onboarding && row.tickettype_id === onboarding.requestTypeId && (onboarding.statusId === undefined ? !finished : row.status_id === onboarding.statusId)) {
          onboardingIds.push(String(row.id));
        }
      }
      const newest = tickets.map((t) => t.lastUpdated).filter((v): v is string => v !== undefined).sort().at(-1);
      return { tickets, cursorAfter: newest && newest > cursor ? newest : cursor, hasMore: rows.length >= PAGE_SIZE, onboardingIds };
    },

    async ping(): Promise<void> {
      // The cheapest read the reference documents that also proves the ticket scope the connector relies on.
      await client.json(
        { method: 'GET', path: '/Tickets', query: { pageinate: true, page_size: 1, page_no: 1 } },
        z.object({}).passthrough(),
        'ticket list',
      );
    },
  };
}
