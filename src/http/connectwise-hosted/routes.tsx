/** @jsxImportSource hono/jsx */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { z } from 'zod';
import type { ConnectWiseConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';
import type { HostedMemberVerifier, PsaConnector } from '../../psa/port.js';
import type { Services } from '../../services.js';
import { readJsonBody } from '../validate.js';
import { createHostedActionTokens } from './action-token.js';
import { hostedResult, revokeAnswer, ticketPreview } from './answers.js';
import { createHostedMemberGate, memberClaimShape, type MemberClaimBody } from './member-gate.js';
import { frameAncestorSources, HostedPage, hostedPageCsp } from './page.js';
import { createHostedSessionTokens } from './session-token.js';

/**
 * The ConnectWise Hosted API page (toolbar button / pod on the Service Ticket screen):
 *   GET  /psa/connectwise/hosted?id=<ticketId>  the page, framed only by the ConnectWise origins
 *   POST /psa/connectwise/hosted/session        member claim from the CW frame → verified with CW → session, preview
 *                                               and a first action token
 *   POST /psa/connectwise/hosted/action         session + CSRF + a fresh member claim → verified with CW → action token
 *   POST /psa/connectwise/hosted/tap            session + CSRF + action token → issue for the session's ticket
 *   POST /psa/connectwise/hosted/revoke         session + CSRF + revoke action token → revoke the ticket's live passes
 * The browser's word about the member is never trusted: ConnectWise itself confirms it (HostedMemberVerifier), then
 * confirms that this member may open the ticket (read with their own cookies; session and every action), and every issue
 * or revoke needs a single-use action token minted right after such confirmations (action-token.ts).
 */

export const HOSTED_PAGE_PATH = '/psa/connectwise/hosted';
export const HOSTED_BODY_LIMIT_BYTES = 4 * 1024;

const TICKET_ID = /^[1-9]\d{0,11}$/;

const sessionBody = z.object({ ticketId: z.string().regex(TICKET_ID, { message: 'expected a ticket number' }), ...memberClaimShape }).strict();
const actionBody = z.object({ ...memberClaimShape, action: z.enum(['issue', 'revoke']).default('issue') }).strict();

const tapBody = z.object({ reissue: z.boolean().optional() }).strict();
const revokeBody = z.object({}).strict();

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
  const actions = createHostedActionTokens(services.config.sealKey, services.storage.db);
  const gate = createHostedMemberGate(services, () => connectWiseParts(services));

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
    const { body, member } = await gate.confirm(c, () => readJsonBody(c, sessionBody));
    // Before the connector's API member reads anything: may THIS member open the ticket in ConnectWise?
    await requireTicketAccess(cw.members, body, body.ticketId);
    const ticket = await cw.connector.getTicket(body.ticketId);
    if (!ticket) throw new AppError('TICKET_NOT_FOUND', `Ticket ${body.ticketId} was not found in ConnectWise, or the connector's API member cannot see it.`);
    const now = services.now();
    const issued = sessions.issue({ memberId: member.memberId, ticketId: body.ticketId, companyId: ticket.companyId }, now);
    services.logger.info({ ticketId: body.ticketId, memberId: member.memberId }, 'hosted session started');
    c.header('Cache-Control', 'no-store'); // the answer holds the session's tokens
    return c.json({
      sessionToken: issued.sessionToken,
      csrfToken: issued.csrfToken,
      actionToken: actions.mint({ sessionId: issued.sessionId, ticketId: body.ticketId, expiresAt: issued.expiresAt }, 'issue', now),
      expiresAt: issued.expiresAt.toISOString(),
      member: { id: member.memberId },
      ticket: ticketPreview(ticket, body.ticketId, cw.config, services.mappings.get('connectwise', ticket.companyId)),
    });
  });

  app.post(`${HOSTED_PAGE_PATH}/action`, limitBody, async (c) => {
    const cw = connectWiseParts(services);
    const session = sessionOf(c);
    const { body, member } = await gate.confirm(c, () => readJsonBody(c, actionBody));
    // The same person as the session's (ConnectWise member identifiers are case-insensitive).
    if (member.memberId.toLowerCase() !== session.memberId.toLowerCase()) {
      services.logger.warn({ ticketId: session.ticketId }, 'hosted action refused: another member than the session\'s');
      throw new AppError('UNAUTHORIZED', 'ConnectWise confirmed another member than the one this session was started for; reload the ticket.');
    }
    // Again for every action: access taken away in ConnectWise since the session started counts.
    await requireTicketAccess(cw.members, body, session.ticketId);
    c.header('Cache-Control', 'no-store');
    return c.json({ actionToken: actions.mint(session, body.action, services.now()), action: body.action });
  });

  app.post(`${HOSTED_PAGE_PATH}/tap`, limitBody, async (c) => {
    connectWiseParts(services);
    const session = sessionOf(c);
    // Spent before anything else happens, so a refused or failed issuance spends it too.
    actions.spend(c.req.header('x-action-token'), session, 'issue', services.now());
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

  app.post(`${HOSTED_PAGE_PATH}/revoke`, limitBody, async (c) => {
    connectWiseParts(services);
    const session = sessionOf(c);
    actions.spend(c.req.header('x-action-token'), session, 'revoke', services.now());
    await readJsonBody(c, revokeBody);
    // The revoke use case (src/lifecycle/revoke.ts): every live pass the connector issued for this ticket, from the
    // signed session only, with a note naming the member.
    const result = await services.revocations.revokeForTicket({
      psa: 'connectwise',
      ticketId: session.ticketId,
      requestedBy: `ConnectWise member ${session.memberId}`,
      trigger: 'hosted',
    });
    const timeZone = services.mappings.get('connectwise', session.companyId)?.timeZone ?? services.config.tap.defaultTimeZone;
    return c.json(revokeAnswer(result, timeZone), 200);
  });

  /**
   * Proceeds only when ConnectWise lets the member (their own cookies) open the ticket: the member check says who they
   * are, not what they may see, and `?id=` is the browser's word. ConnectWise being unsure throws (fail closed).
   */
  async function requireTicketAccess(members: HostedMemberVerifier, claim: MemberClaimBody, ticketId: string): Promise<void> {
    const allowed = await members.canOpenTicket(
      { companyId: claim.companyid, memberId: claim.memberid, memberHash: claim.memberHash, memberContext: claim.memberContext },
      ticketId,
    );
    if (!allowed) {
      services.logger.warn({ ticketId, memberId: claim.memberid.slice(0, 64) }, 'hosted page refused: ConnectWise says the member cannot open the ticket');
      throw new AppError('TICKET_ACCESS_DENIED', `ConnectWise says you cannot open ticket ${ticketId}, so no pass can be issued or revoked for it here; ask someone who can open the ticket in ConnectWise.`);
    }
  }

  function sessionOf(c: Context) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    return sessions.verify(bearer, c.req.header('x-csrf-token'), services.now());
  }

  return app;
}

