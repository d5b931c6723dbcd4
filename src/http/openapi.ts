import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { z } from 'zod';
import { ERROR_CATALOGUE, REFUSAL_CODES, type ErrorCode } from '../errors.js';
import type { Services } from '../services.js';
import { buttonBody, revokeBody } from './button.js';
import { mappingBody } from './mappings-api.js';

/**
 * `GET /openapi.json`: an OpenAPI 3.1 description of the button and mappings APIs, generated (with @hono/zod-openapi)
 * from the zod schemas the routes themselves validate with — `buttonBody`, `revokeBody`, `mappingBody` — so the
 * document cannot drift from what the routes accept. Errors are documented per status from the error catalogue, as
 * the one error handler answers them (application/problem+json). test/openapi checks the document against the routes,
 * manifest.json and real answers.
 */

/** What a successful press answers (src/tap/ticket-issuance.ts TicketIssueResult, plus the human `message`). */
export const ticketIssueResultSchema = z.object({
  issuanceId: z.string().describe('Audit reference of this issuance.'),
  status: z.enum(['issued', 'already_issued']).describe('`already_issued`: the same ticket and user within the idempotency window.'),
  ticketId: z.string(),
  userPrincipalName: z.string(),
  startDateTime: z.string().describe('ISO-8601 UTC.'),
  expiresDateTime: z.string().describe('ISO-8601 UTC.'),
  lifetimeMinutes: z.number().int(),
  usableOnce: z.boolean(),
  note: z.object({ status: z.enum(['written', 'pending', 'failed', 'none']) }),
  message: z.string().describe('One line for a person (e.g. a Halo runbook result): where the pass is and when it is valid, in the customer zone.'),
});

/** What a revoke answers (src/lifecycle/revoke.ts RevokeResult). */
export const revokeResultSchema = z.object({
  ticketId: z.string(),
  revoked: z.array(z.object({ issuanceId: z.string(), userPrincipalName: z.string() }).passthrough()),
  droppedSchedule: z.object({ userPrincipalName: z.string(), startDateTime: z.string() }).optional(),
  note: z.object({ status: z.enum(['written', 'pending', 'failed']) }),
});

/** A mapping as the API shows it (src/http/mappings-api.ts mappingView). */
export const mappingViewSchema = z.object({
  psa: z.enum(['connectwise', 'halo']),
  companyId: z.string(),
  companyName: z.string(),
  tenantId: z.string(),
  tenantDomain: z.string().nullable(),
  tenantName: z.string().nullable(),
  timeZone: z.string(),
  activationHour: z.number().int(),
  defaultLifetimeMinutes: z.number().int().nullable(),
  usableOnce: z.boolean(),
  allowPrivileged: z.boolean(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const problemSchema = (codes: ErrorCode[]) =>
  z.object({
    type: z.string().describe('A page explaining the code.'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('A sentence a technician can act on.'),
    code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
    requestId: z.string().optional(),
    errors: z.record(z.string(), z.string()).optional().describe('Field → problem, for INVALID_REQUEST.'),
  });

/** Each status with the codes a route may answer it with, as problem+json. */
function errorResponses(codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes.filter((c) => c in ERROR_CATALOGUE)) {
    const status = ERROR_CATALOGUE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((c) => `\`${c}\`: ${ERROR_CATALOGUE[c].explain}`).join(' '),
        content: { 'application/problem+json': { schema: problemSchema(list) } },
      },
    ]),
  );
}

const has = (code: string): code is ErrorCode => code in ERROR_CATALOGUE;
const codes = (...list: string[]) => list.filter(has);

const AUTH_CODES = codes('UNAUTHORIZED', 'TOO_MANY_ATTEMPTS', 'PAYLOAD_TOO_LARGE', 'INVALID_REQUEST', 'NOT_FOUND', 'PSA_NOT_ENABLED');
const ISSUE_CODES = codes(
  ...AUTH_CODES,
  'TICKET_NOT_FOUND',
  // Every refusal the use case can answer with (src/errors.ts), so a new refusal code is documented without a second list.
  ...REFUSAL_CODES,
  'UPSTREAM_THROTTLED',
  'ENTRA_NOT_CONFIGURED',
  'PSA_ERROR',
  'UPSTREAM_UNAVAILABLE',
  'INTERNAL',
);
const REVOKE_CODES = codes(...AUTH_CODES, 'NO_LIVE_PASS', 'TICKET_NOT_FOUND', 'UPSTREAM_THROTTLED', 'ENTRA_ACCESS_DENIED', 'ENTRA_NOT_CONFIGURED', 'PSA_ERROR', 'UPSTREAM_UNAVAILABLE', 'INTERNAL');
const MAPPING_CODES = codes('UNAUTHORIZED', 'TOO_MANY_ATTEMPTS', 'PAYLOAD_TOO_LARGE', 'INVALID_REQUEST', 'NOT_FOUND', 'ENTRA_NOT_CONFIGURED', 'UPSTREAM_UNAVAILABLE', 'INTERNAL');

const ticketParams = z.object({
  psa: z.enum(['connectwise', 'halo']).describe('Which PSA the ticket is in.'),
  ticketId: z.string().regex(/^[1-9]\d{0,11}$/).describe("The PSA's ticket number; the connector reads the ticket itself."),
});
const mappingParams = z.object({
  psa: z.enum(['connectwise', 'halo']),
  companyId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).describe("The PSA's company (ConnectWise) or client (Halo) id."),
});

const BUTTON_SECURITY: Record<string, string[]>[] = [{ buttonBearer: [] }, { hmacTimestamp: [], hmacSignature: [] }];
const ADMIN_SECURITY: Record<string, string[]>[] = [{ adminToken: [] }];

/** The description, built once per process (it depends on nothing but the schemas). */
export function buildOpenApiDocument(serverUrl: string) {
  const doc = new OpenAPIHono();
  const registry = doc.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'buttonBearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The PSA button secret (CW_BUTTON_SECRET or HALO_BUTTON_SECRET) as a bearer token.',
  });
  registry.registerComponent('securitySchemes', 'hmacTimestamp', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Tap-Timestamp',
    description: 'Unix seconds; within 5 minutes of the connector clock. Sent with X-Tap-Signature.',
  });
  registry.registerComponent('securitySchemes', 'hmacSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'X-Tap-Signature',
    description: 'sha256=<hex HMAC-SHA256(button secret, "<timestamp>.<METHOD>.<path>.<raw body>")>; each signature is accepted once.',
  });
  registry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'ADMIN_API_TOKEN.' });

  // The routes' own schema objects, inline: registering them as named components would have the generator patch
  // them (`.openapi()`), and a second zod instance (CJS vs ESM) has no such method.
  const ButtonRequest = buttonBody;
  const RevokeRequest = revokeBody;
  const MappingRequest = mappingBody;
  const TicketIssueResult = ticketIssueResultSchema;
  const RevokeResult = revokeResultSchema;
  const Mapping = mappingViewSchema;

  const json = <S extends z.ZodType>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } });
  const body = <S extends z.ZodType>(schema: S) => ({ required: false, content: { 'application/json': { schema } } });

  registry.registerPath(
    createRoute({
      method: 'post',
      path: '/v1/psa/{psa}/tickets/{ticketId}/tap',
      operationId: 'issueTemporaryAccessPass',
      summary: 'Issue a Temporary Access Pass for the ticket and write it to the ticket as a private note',
      description: 'Authentication is checked before the body is read. The body must be JSON (Content-Type: application/json); every field is optional. Refusals (409, 422) also leave a private note on the ticket. Never returns the pass.',
      security: BUTTON_SECURITY,
      request: { params: ticketParams, body: body(ButtonRequest) },
      responses: {
        201: json(TicketIssueResult, 'A new pass was issued; its note is on the ticket or on its way.'),
        200: json(TicketIssueResult, 'The same ticket and user within the idempotency window: the first result.'),
        ...errorResponses(ISSUE_CODES),
      },
    }),
  );
  const revokeRoute = (method: 'delete' | 'post', path: string, operationId: string) =>
    createRoute({
      method,
      path,
      operationId,
      summary: "Revoke the ticket's live passes (and drop a scheduled one)",
      description: 'Same authentication as issuing; the HMAC covers the method and path. 404 NO_LIVE_PASS when nothing is live.',
      security: BUTTON_SECURITY,
      request: { params: ticketParams, body: body(RevokeRequest) },
      responses: { 200: json(RevokeResult, 'What was revoked; one note on the ticket says so.'), ...errorResponses(REVOKE_CODES) },
    });
  registry.registerPath(revokeRoute('delete', '/v1/psa/{psa}/tickets/{ticketId}/tap', 'revokeTemporaryAccessPasses'));
  registry.registerPath(revokeRoute('post', '/v1/psa/{psa}/tickets/{ticketId}/tap/revoke', 'revokeTemporaryAccessPassesByPost'));

  registry.registerPath(
    createRoute({
      method: 'get',
      path: '/v1/mappings',
      operationId: 'listMappings',
      summary: 'Every company → tenant mapping',
      security: ADMIN_SECURITY,
      responses: { 200: json(z.object({ mappings: z.array(Mapping) }), 'All mappings.'), ...errorResponses(codes('UNAUTHORIZED', 'TOO_MANY_ATTEMPTS', 'INTERNAL')) },
    }),
  );
  registry.registerPath(
    createRoute({
      method: 'put',
      path: '/v1/mappings/{psa}/{companyId}',
      operationId: 'putMapping',
      summary: 'Create or update the mapping of one PSA company',
      description: 'Give tenantId or tenantDomain (resolved through OpenID discovery); other fields keep their value or take the defaults.',
      security: ADMIN_SECURITY,
      request: { params: mappingParams, body: { required: true, content: { 'application/json': { schema: MappingRequest } } } },
      responses: {
        201: json(z.object({ mapping: Mapping }), 'Created.'),
        200: json(z.object({ mapping: Mapping }), 'Updated.'),
        ...errorResponses(MAPPING_CODES),
      },
    }),
  );
  registry.registerPath(
    createRoute({
      method: 'delete',
      path: '/v1/mappings/{psa}/{companyId}',
      operationId: 'deleteMapping',
      summary: 'Delete the mapping of one PSA company',
      security: ADMIN_SECURITY,
      request: { params: mappingParams },
      responses: { 204: { description: 'Deleted.' }, ...errorResponses(codes('UNAUTHORIZED', 'TOO_MANY_ATTEMPTS', 'NOT_FOUND', 'INTERNAL')) },
    }),
  );

  return doc.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'psa-tap-connector',
      version: '0.1.0',
      description: 'Issue Microsoft Entra Temporary Access Passes from ConnectWise PSA and HaloPSA tickets. Errors are application/problem+json with a stable `code`.',
    },
    servers: [{ url: serverUrl }],
  });
}

export function openApiRoutes(services: Services) {
  const app = new Hono();
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get('/openapi.json', (c) => {
    document ??= buildOpenApiDocument(services.config.server.publicBaseUrl);
    return c.json(document);
  });
  return app;
}
