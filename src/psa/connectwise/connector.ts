import { z } from 'zod';
import type { ConnectWiseConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';
import { errorForLog, type Logger } from '../../logger.js';
import { buildHttpDeps, isTicketId, parseBody, type TransportOverrides } from '../http.js';
import type { OnboardingPage, PrivateNote, PsaCompany, PsaConnector, PsaTicket } from '../port.js';
import { createConnectWiseClient } from './client.js';
import { datetimeLiteral, onboardingConditions, quoted } from './conditions.js';
import { toPsaTicket } from './normalise.js';
import {
  cwCompanyListSchema,
  cwNoteListSchema,
  cwStatusListSchema,
  cwTicketListSchema,
  cwTicketSchema,
  cwTicketStatusSchema,
  type CwTicket,
} from './schemas.js';

export interface ConnectWiseConnectorDeps extends TransportOverrides {
  config: ConnectWiseConfig;
  logger: Logger;
}

const ONBOARDING_PAGE_SIZE = 100;
/** ConnectWise's largest page (reference "Tickets": pageSize max 1000). */
const CHANGE_FEED_PAGE_SIZE = 1000;

/** The onboarding filter (conditions.ts) applied to a ticket already read: board, status and type by id or name. */
function inOnboardingQueue(onboarding: NonNullable<ConnectWiseConfig['onboarding']>, ticket: CwTicket): boolean {
  const is = (setting: string, ref: { id: number; name?: string | null | undefined } | undefined) => {
    const s = setting.trim();
    return /^\d+$/.test(s) ? ref?.id === Number(s) : (ref?.name ?? '').toLowerCase() === s.toLowerCase();
  };
  return is(onboarding.board, ticket.board) && is(onboarding.status, ticket.status) && (!onboarding.type || is(onboarding.type, ticket.type));
}

export function createConnectWiseConnector(deps: ConnectWiseConnectorDeps): PsaConnector {
  const { config } = deps;
  const logger = deps.logger.child({ psa: 'connectwise' });
  const http = buildHttpDeps('ConnectWise', logger, deps, { requestsPerMinute: config.maxRequestsPerMinute });
  const client = createConnectWiseClient(config, http);
  /** Status name → id per board ("boardId:name"); boards rarely change their statuses. */
  const statusIds = new Map<string, number>();

  async function fetchTicket(ticketId: string): Promise<CwTicket | null> {
    if (!isTicketId(ticketId)) return null;
    const res = await client.send({ method: 'GET', path: `/service/tickets/${ticketId}` });
    if (res.status === 404) return null;
    if (res.status < 200 || res.status > 299) throw client.fail(res);
    return parseBody('ConnectWise', res.text, cwTicketSchema, 'ticket');
  }

  /** The ticket's board and status now: one read of just those two fields (GET …/tickets/{id}?fields=board,status). */
  async function readStatus(ticketId: string): Promise<{ boardId: number | undefined; statusId: number | undefined }> {
    const res = await client.send({ method: 'GET', path: `/service/tickets/${ticketId}`, query: { fields: 'board,status' } });
    if (res.status < 200 || res.status > 299) throw client.fail(res);
    const ticket = parseBody('ConnectWise', res.text, cwTicketStatusSchema, 'ticket status');
    return { boardId: ticket.board?.id, statusId: ticket.status?.id };
  }

  async function resolveStatusId(boardId: number | undefined, ticketId: string, status: string): Promise<number | undefined> {
    if (/^\d+$/.test(status.trim())) return Number(status.trim());
    if (boardId === undefined) return undefined;
    const key = `${boardId}:${status.trim().toLowerCase()}`;
    const cached = statusIds.get(key);
    if (cached !== undefined) return cached;
    const { data } = await client.json(
      { method: 'GET', path: `/service/boards/${boardId}/statuses`, query: { conditions: `name=${quoted(status.trim())}` } },
      cwStatusListSchema,
      'board status list',
    );
    const match = data.find((s) => s.name?.toLowerCase() === status.trim().toLowerCase());
    if (match) statusIds.set(key, match.id);
    else logger.warn({ ticketId, boardId }, 'ConnectWise done status not found on the ticket board; ticket left in its status');
    return match?.id;
  }

  /**
   * Moving the ticket is a courtesy; the note is what matters. Once the note is written a status failure must not
   * fail the call (the outbox would write the note, and show the pass, a second time), so it is logged instead.
   */
  async function bestEffort<T>(ticketId: string, step: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      logger.warn({ ticketId, step, err: errorForLog(error) }, 'ConnectWise ticket status not changed');
      return undefined;
    }
  }

  /**
   * The done status only replaces the status the ticket had before the note: someone may have cancelled (or otherwise
   * moved) the ticket while the note was written, and overwriting that would hide the cancel from the ticket follower,
   * leaving the pass live. ConnectWise has no conditional PATCH, so the status is read right before it.
   */
  async function moveIfUnchanged(ticketId: string, expected: number | undefined, statusId: number): Promise<void> {
    const now = await readStatus(ticketId);
    if (now.statusId !== expected) {
      logger.info({ ticketId, expected, found: now.statusId }, 'ConnectWise ticket status changed while the note was written; left as it is');
      return;
    }
    await moveToStatus(ticketId, statusId);
  }

  async function moveToStatus(ticketId: string, statusId: number): Promise<void> {
    const res = await client.send({
      method: 'PATCH',
      path: `/service/tickets/${ticketId}`,
      body: [{ op: 'replace', path: 'status', value: { id: statusId } }],
    });
    if (res.status < 200 || res.status > 299) throw client.fail(res);
  }

  return {
    kind: 'connectwise',

    async getTicket(ticketId: string): Promise<PsaTicket | null> {
      const ticket = await fetchTicket(ticketId);
      return ticket ? toPsaTicket(ticket) : null;
    },

    async getTicketDescription(ticket: PsaTicket): Promise<string> {
      if (ticket.description !== undefined) return ticket.description;
      if (!isTicketId(ticket.id)) return '';
      // The description is the earliest Discussion note (reference "Notes"); pages stop once one is found.
      const notes = await client.all(
        { method: 'GET', path: `/service/tickets/${ticket.id}/notes`, query: { orderBy: 'id asc', pageSize: 100 } },
        cwNoteListSchema,
        'ticket notes',
        (page) => page.some((n) => n.detailDescriptionFlag === true),
      );
      const discussion = notes.filter((n) => n.detailDescriptionFlag === true).sort((a, b) => a.id - b.id);
      return discussion[0]?.text?.trim() ?? '';
    },

    async listCompanies(opts): Promise<PsaCompany[]> {
      let read = 0;
      const rows = await client.all(
        {
          method: 'GET',
          path: '/company/companies',
          query: { conditions: 'deletedFlag=false', fields: 'id,identifier,name', pageSize: 1000 },
        },
        cwCompanyListSchema,
        'company list',
        (page) => {
          read += page.length;
          opts?.onProgress?.(read);
          return false;
        },
      );
      return rows.map((c) => ({ id: String(c.id), name: c.name ?? c.identifier ?? String(c.id), identifier: c.identifier }));
    },

    async writePrivateNote(ticketId: string, note: PrivateNote, opts?: { status?: string }): Promise<void> {
      if (!isTicketId(ticketId)) throw new AppError('TICKET_NOT_FOUND', 'ConnectWise ticket ids are positive integers.');
      // Resolved before the note so a lookup never happens between a written note and a failure; the status seen now is
      // what the ticket must still be in when the note is written (see moveIfUnchanged).
      const seen = opts?.status ? await bestEffort(ticketId, 'read', () => readStatus(ticketId)) : undefined;
      const statusId = opts?.status && seen ? await bestEffort(ticketId, 'resolve', () => resolveStatusId(seen.boardId, ticketId, opts.status!)) : undefined;
      const res = await client.send({
        method: 'POST',
        path: `/service/tickets/${ticketId}/notes`,
        // Internal (technician-only) note, no e-mail: reference "Notes". All three type flags are sent explicitly,
        // since a note without one is refused.
        body: {
          text: note.text,
          detailDescriptionFlag: false,
          internalAnalysisFlag: true,
          resolutionFlag: false,
          processNotifications: false,
        },
      });
      if (res.status === 404) throw new AppError('TICKET_NOT_FOUND');
      if (res.status < 200 || res.status > 299) throw client.fail(res);
      logger.debug({ ticketId }, 'ConnectWise private note written');
      if (statusId !== undefined && seen) await bestEffort(ticketId, 'patch', () => moveIfUnchanged(ticketId, seen.statusId, statusId));
    },

    async listOnboardingTickets(cursor: string | undefined, page: number): Promise<OnboardingPage> {
      if (!config.onboarding) return { tickets: [], cursorAfter: cursor, hasMore: false };
      const { data, next } = await client.json(
        {
          method: 'GET',
          path: '/service/tickets',
          query: {
            conditions: onboardingConditions(config.onboarding, cursor),
            // `lastUpdated` is the field name the reference's condition grammar uses for tickets; orderBy takes the
            // same names. Ascending, so cursorAfter (the last row's) only ever moves forward. VERIFY on an instance
            // that orderBy accepts it (else `_info/lastUpdated asc`).
            orderBy: 'lastUpdated asc',
            page: Math.max(1, Math.trunc(page)),
            pageSize: ONBOARDING_PAGE_SIZE,
          },
        },
        cwTicketListSchema,
        'ticket list',
      );
      const tickets = data.map(toPsaTicket);
      return { tickets, cursorAfter: tickets.at(-1)?.lastUpdated ?? cursor, hasMore: next !== undefined };
    },

    async listChangedTickets(cursor: string, page: number): Promise<OnboardingPage> {
      const { data, next } = await client.json(
        {
          method: 'GET',
          path: '/service/tickets',
          // Not limited to the onboarding board: a followed ticket moved to another board must still be seen. At
          // most 1,000 rows a page (reference "Tickets"), so an idle or quiet cycle is one request.
          query: { conditions: `lastUpdated >= ${datetimeLiteral(cursor)}`, orderBy: 'lastUpdated asc', page: Math.max(1, Math.trunc(page)), pageSize: CHANGE_FEED_PAGE_SIZE },
        },
        cwTicketListSchema,
        'ticket list',
      );
      const tickets = data.map(toPsaTicket);
      const onboardingIds = config.onboarding ? data.filter((t) => inOnboardingQueue(config.onboarding!, t)).map((t) => String(t.id)) : [];
      return { tickets, cursorAfter: tickets.at(-1)?.lastUpdated ?? cursor, hasMore: next !== undefined, onboardingIds };
    },

    async ping(): Promise<void> {
      await client.json({ method: 'GET', path: '/system/info' }, z.object({}).passthrough(), 'system info');
    },
  };
}
