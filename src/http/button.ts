import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { PsaKind } from '../domain.js';
import { AppError } from '../errors.js';
import { buttonMessage } from './button-message.js';
import type { Services } from '../services.js';
import { isCalendarDate } from '../tap/time.js';
import { createButtonAuthenticator } from './button-auth.js';
import { parseParams, readJsonBody } from './validate.js';

export const BUTTON_BODY_LIMIT_BYTES = 8 * 1024;

const params = z.object({
  psa: z.enum(['connectwise', 'halo']),
  // Both PSAs number tickets with positive integers; anything else is answered as not found without a PSA call.
  ticketId: z.string().regex(/^[1-9]\d{0,11}$/),
});

export const buttonBody = z
  .object({
    userPrincipalName: z.string().trim().min(3).max(256).optional(),
    startDate: z.string().refine(isCalendarDate, { message: 'expected a calendar date YYYY-MM-DD' }).optional(),
    // Any whole number of minutes: one outside the tenant policy's range (and Graph's 10..43200) is brought into it
    // and the note says so (clampLifetime) — a runbook button shows no validation error to the technician.
    lifetimeMinutes: z.number().int().positive().optional(),
    usableOnce: z.boolean().optional(),
    requestedBy: z.string().trim().min(1).max(200).optional(),
    reissue: z.boolean().optional(),
  })
  .strict();

const DEFAULT_REQUESTER: Record<PsaKind, string> = { connectwise: 'ConnectWise button', halo: 'HaloPSA button' };

/** DELETE …/tap and POST …/tap/revoke: an optional body naming who revoked (the PSA's technician). */
export const revokeBody = z.object({ requestedBy: z.string().trim().min(1).max(200).optional() }).strict();

/** POST /v1/psa/{psa}/tickets/{ticketId}/tap — the "Issue TAP" button, server to server. */
export function buttonRoutes(services: Services) {
  const app = new Hono();
  const auth = createButtonAuthenticator(services);

  app.post(
    '/v1/psa/:psa/tickets/:ticketId/tap',
    bodyLimit({
      maxSize: BUTTON_BODY_LIMIT_BYTES,
      onError: () => {
        throw new AppError('PAYLOAD_TOO_LARGE', `The body must be at most ${BUTTON_BODY_LIMIT_BYTES} bytes.`);
      },
    }),
    async (c) => {
      const { psa, ticketId } = parseParams(params, c.req.param());
      const secret = psa === 'connectwise' ? services.config.connectwise?.buttonSecret : services.config.halo?.buttonSecret;
      if (!services.connectors[psa] || !secret) throw new AppError('PSA_NOT_ENABLED', `The ${psa} button is not configured on this connector (set its API settings and ${psa === 'halo' ? 'HALO' : 'CW'}_BUTTON_SECRET).`);

      const { rawBody: raw } = await auth.authenticate(c, psa, secret);

      const body = await readJsonBody(c, buttonBody, raw);
      const result = await services.tickets.issueForTicket({
        psa,
        ticketId,
        trigger: 'button',
        requestedBy: body.requestedBy ?? DEFAULT_REQUESTER[psa],
        userPrincipalName: body.userPrincipalName,
        startDate: body.startDate,
        lifetimeMinutes: body.lifetimeMinutes,
        usableOnce: body.usableOnce,
        reissue: body.reissue,
      });
      // `message`: one line for a person reading the runbook's result; the fields stay for machines.
      return c.json({ ...result, message: buttonMessage(services, psa, result) }, result.status === 'issued' ? 201 : 200);
    },
  );

  /**
   * Revoke from the ticket: `DELETE …/tap`, or `POST …/tap/revoke` for PSAs that cannot send DELETE (a Halo runbook
   * can; some webhook tools cannot). Same authentication as the button; the HMAC covers the method and path, so an
   * issue signature cannot be spent on a revoke. 200 with what was revoked; 404 problem+json when nothing is live.
   */
  const revoke = async (c: Context) => {
    const { psa, ticketId } = parseParams(params, c.req.param());
    const secret = psa === 'connectwise' ? services.config.connectwise?.buttonSecret : services.config.halo?.buttonSecret;
    if (!services.connectors[psa] || !secret) throw new AppError('PSA_NOT_ENABLED', `The ${psa} button is not configured on this connector (set its API settings and ${psa === 'halo' ? 'HALO' : 'CW'}_BUTTON_SECRET).`);
    const { rawBody } = await auth.authenticate(c, psa, secret);
    const body = await readJsonBody(c, revokeBody, rawBody);
    const result = await services.revocations.revokeForTicket({ psa, ticketId, requestedBy: body.requestedBy ?? DEFAULT_REQUESTER[psa], trigger: 'button' });
    return c.json(result, 200);
  };
  const limit = bodyLimit({
    maxSize: BUTTON_BODY_LIMIT_BYTES,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `The body must be at most ${BUTTON_BODY_LIMIT_BYTES} bytes.`);
    },
  });
  app.delete('/v1/psa/:psa/tickets/:ticketId/tap', limit, revoke);
  app.post('/v1/psa/:psa/tickets/:ticketId/tap/revoke', limit, revoke);
  return app;
}
