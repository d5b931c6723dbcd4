/** @jsxImportSource hono/jsx */
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { z } from 'zod';
import type { ConnectWiseConfig } from '../../config/index.js';
import type { TenantMapping } from '../../db/mappings.js';
import { AppError } from '../../errors.js';
import type { PsaConnector, PsaTicket } from '../../psa/port.js';
import { readTicketFields } from '../../psa/ticket-fields.js';
import type { HostedMemberVerifier, Services } from '../../services.js';
import type { TicketIssueResult } from '../../tap/ticket-issuance.js';
import { formatInZone } from '../../tap/time.js';
import { createAttemptThrottle } from '../attempt-throttle.js';
import { clientAddress } from '../client-address.js';
import { frameAncestorSources, HostedPage, hostedPageCsp } from './page.js';
import { createHostedSessionTokens } from './session-token.js';
import { readJsonBody } from '../validate.js';

/**
 * The ConnectWise Hosted API page (toolbar button / pod on the Service Ticket screen):
 *   GET  /psa/connectwise/hosted?id=<ticketId>  the page, framed only by the ConnectWise origins
 *   POST /psa/connectwise/hosted/session        member claim from the CW frame → verified with CW → session + preview
 *   POST /psa/connectwise/hosted/tap            session bearer + CSRF token → issue for the session's ticket
 * The browser's word about the member is never trusted: ConnectWise itself confirms it (HostedMemberVerifier).
 */

export const HOSTED_PAGE_PATH = '/psa/connectwise/hosted';
export const HOSTED_BODY_LIMIT_BYTES = 4 * 1024;

const TICKET_ID = /^[1-9]\d{0,11}$/;

const sessionBody = z
  .object({
    ticketId: z.string().regex(TICKET_ID, { message: 'expected a ticket number' }),
    companyid: z.string().trim().min(1).max(64),
    memberid: z.string().trim().min(1).max(128),
    // The adapter refuses hashes over 1024 characters too; anything longer is not ConnectWise's.
    memberHash: z.string().min(1).max(1024),
    memberContext: z.string().trim().min(1).max(64).optional(),
  })
  .strict();

const tapBody = z.object({ reissue: z.boolean().optional() }).strict();

const limitBody = bodyLimit({
  maxSize: HOSTED_BODY_LIMIT_BYTES,
  onError: () => {
    throw new AppError('PAYLOAD_TOO_LARGE', `The body must be at most ${HOSTED_BODY_LIMIT_BYTES} bytes.`);
  },
});

interface ConnectWiseParts {
  config: ConnectWiseConfig;
  connector: PsaConnector;
  members: HostedMemberVerifier;
}

function connectWiseParts(services: Services): ConnectWiseParts {
  const { connectwise: config } = services.config;
  const connector = services.connectors.connectwise;
  const members = services.connectwiseMembers;
  if (!config || !connector || !members) {
    throw new AppError('PSA_NOT_ENABLED', 'ConnectWise is not configured on this connector (set the CW_* settings and restart).');
  }
  return { config, connector, members };
}

export function connectwiseHostedRoutes(services: Services) {
  const app = new Hono();
  const sessions = createHostedSessionTokens(services.config.sealKey);
  // Each refused claim costs ConnectWise a request and is a guess at a member hash: slow repeated failures per address.
  const throttle = createAttemptThrottle({ maxFailures: 10, windowMs: 5 * 60_000 });

  app.get(HOSTED_PAGE_PATH, (c) => {
    const { config } = connectWiseParts(services);
    const nonce = randomBytes(16).toString('base64');
    const frameSources = frameAncestorSources(config.hostedFrameAncestors);
    const id = c.req.query('id');
    c.header('Content-Security-Policy', hostedPageCsp(nonce, frameSources));
    // A nonce must never be replayed from a cache.
    c.header('Cache-Control', 'no-store');
    const page = <HostedPage nonce={nonce} ticketId={id && TICKET_ID.test(id) ? id : undefined} frameOrigins={frameSources} />;
    return c.html(html`<!doctype html>${page}`);
  });

  app.post(`${HOSTED_PAGE_PATH}/session`, limitBody, async (c) => {
    const cw = connectWiseParts(services);
    const address = clientAddress(c, services.config.server.trustProxy);
    if (throttle.blocked(address)) throw new AppError('TOO_MANY_ATTEMPTS', undefined, { retryAfterSeconds: 300 });
    const body = await readJsonBody(c, sessionBody);

    // Only members of the ConnectWise company this connector serves; another company's member is refused before
    // anyone is asked (ConnectWise company ids are case-insensitive).
    if (body.companyid.toLowerCase() !== cw.config.companyId.toLowerCase()) {
      throttle.fail(address);
      services.logger.warn({ ticketId: body.ticketId, address }, 'hosted session refused: another ConnectWise company');
      throw new AppError('UNAUTHORIZED', 'This page was opened from a different ConnectWise company than the one this connector serves.');
    }
    const member = await cw.members.verify({
      companyId: cw.config.companyId,
      memberId: body.memberid,
      memberHash: body.memberHash,
      memberContext: body.memberContext,
    });
    if (!member) {
      throttle.fail(address);
      services.logger.warn({ ticketId: body.ticketId, memberId: body.memberid.slice(0, 64), address }, 'hosted session refused: ConnectWise did not confirm the member');
      throw new AppError('UNAUTHORIZED', 'ConnectWise did not confirm your sign-in; reload the ticket (or sign in to ConnectWise again) and retry.');
    }
    throttle.succeed(address);

    const ticket = await cw.connector.getTicket(body.ticketId);
    if (!ticket) throw new AppError('TICKET_NOT_FOUND', `Ticket ${body.ticketId} was not found in ConnectWise, or the connector's API member cannot see it.`);
    const issued = sessions.issue({ memberId: member.memberId, ticketId: body.ticketId, companyId: ticket.companyId }, services.now());
    services.logger.info({ ticketId: body.ticketId, memberId: member.memberId }, 'hosted session started');
    c.header('Cache-Control', 'no-store'); // the answer holds the session's tokens
    return c.json({
      sessionToken: issued.sessionToken,
      csrfToken: issued.csrfToken,
      expiresAt: issued.expiresAt.toISOString(),
      member: { id: member.memberId },
      ticket: ticketPreview(ticket, body.ticketId, cw.config, services.mappings.get('connectwise', ticket.companyId)),
    });
  });

  app.post(`${HOSTED_PAGE_PATH}/tap`, limitBody, async (c) => {
    connectWiseParts(services);
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const session = sessions.verify(bearer, c.req.header('x-csrf-token'), services.now());
    const body = await readJsonBody(c, tapBody);
    const result = await services.tickets.issueForTicket({
      psa: 'connectwise',
      // From the signed session only: a body naming another ticket is refused by the strict schema above.
      ticketId: session.ticketId,
      trigger: 'hosted',
      requestedBy: `ConnectWise member ${session.memberId}`,
      reissue: body.reissue,
    });
    const timeZone = services.mappings.get('connectwise', session.companyId)?.timeZone ?? services.config.tap.defaultTimeZone;
    return c.json(hostedResult(result, timeZone), result.status === 'issued' ? 201 : 200);
  });

  return app;
}

/** What the page shows before issuing: the ticket's company (and whether it is mapped), user and start date. */
function ticketPreview(ticket: PsaTicket, ticketId: string, config: ConnectWiseConfig, mapping: TenantMapping | undefined) {
  const fields = readTicketFields(ticket, { upnField: config.upnField, startDateField: config.startDateField });
  const start = fields.startDate;
  return {
    id: ticketId,
    summary: ticket.summary,
    companyId: ticket.companyId,
    companyName: ticket.companyName,
    mapping: {
      status: !mapping ? 'not_mapped' : mapping.enabled ? 'mapped' : 'disabled',
      tenant: mapping ? mapping.tenantName ?? mapping.tenantDomain ?? null : null,
      timeZone: mapping?.timeZone ?? null,
    },
    userPrincipalName: fields.userPrincipalName ?? null,
    userSource: fields.upnSource ?? null,
    startDate:
      start.kind === 'date'
        ? { kind: 'date' as const, date: start.date }
        : start.kind === 'unclear'
          ? { kind: 'unclear' as const, text: start.text.slice(0, 80) }
          : { kind: 'none' as const },
  };
}

/**
 * The issuance summary, field by field (an allow-list, so nothing the use case might add later — least of all the pass —
 * reaches the browser), plus start and expiry written in the customer's time zone by the one time module.
 */
function hostedResult(result: TicketIssueResult, timeZone: string) {
  const local = (iso: string) => {
    const instant = new Date(iso);
    return Number.isNaN(instant.getTime()) ? '' : formatInZone(instant, timeZone);
  };
  return {
    issuanceId: result.issuanceId,
    status: result.status,
    ticketId: result.ticketId,
    userPrincipalName: result.userPrincipalName,
    startDateTime: result.startDateTime,
    expiresDateTime: result.expiresDateTime,
    lifetimeMinutes: result.lifetimeMinutes,
    usableOnce: result.usableOnce,
    note: { status: result.note.status },
    display: { timeZone, startDateTime: local(result.startDateTime), expiresDateTime: local(result.expiresDateTime) },
  };
}

export type HostedTapResponse = ReturnType<typeof hostedResult>;
