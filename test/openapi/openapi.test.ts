import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_CATALOGUE } from '../../src/errors.js';
import { buttonBody, revokeBody } from '../../src/http/button.js';
import { mappingBody } from '../../src/http/mappings-api.js';
import { mappingViewSchema, ticketIssueResultSchema } from '../../src/http/openapi.js';
import { pressButton } from '../helpers/button.js';
import { buildHarness, CONTOSO, TEST_SECRETS } from '../helpers/services.js';

/** GET /openapi.json: a valid OpenAPI 3.1 document that agrees with the routes, manifest.json and real answers. */

type Doc = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, { security?: Record<string, string[]>[]; requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string }> };
};

async function documentOf() {
  const h = buildHarness();
  const res = await h.app.request('/openapi.json');
  return { h, res, doc: (await res.clone().json()) as Doc };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const operations = (doc: Doc) => Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`));

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const { res, doc } = await documentOf();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
  });

  it('documents exactly the /v1 routes the app serves, and every /v1 endpoint manifest.json names', async () => {
    const { h, doc } = await documentOf();
    const served = new Set(h.app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1/')).map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    expect(new Set(operations(doc))).toEqual(served);
    const manifest = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8')) as { endpoints: { method: string; path: string }[] };
    for (const e of manifest.endpoints.filter((x) => x.path.startsWith('/v1/'))) expect(operations(doc)).toContain(`${e.method} ${e.path}`);
    expect(manifest.endpoints).toContainEqual(expect.objectContaining({ method: 'GET', path: '/openapi.json' }));
  });

  it('takes its request bodies from the schemas the routes validate with', async () => {
    const { doc } = await documentOf();
    const fields = (schema: z.ZodType) => Object.keys((z.toJSONSchema(schema, { io: 'input' }) as { properties: object }).properties).sort();
    const bodyOf = (path: string, method: string) => doc.paths[path]![method]!.requestBody!.content['application/json']!.schema as { properties: object; additionalProperties?: unknown };
    const issue = bodyOf('/v1/psa/{psa}/tickets/{ticketId}/tap', 'post');
    expect(Object.keys(issue.properties).sort()).toEqual(fields(buttonBody));
    expect(Object.keys(bodyOf('/v1/psa/{psa}/tickets/{ticketId}/tap', 'delete').properties).sort()).toEqual(fields(revokeBody));
    expect(Object.keys(bodyOf('/v1/psa/{psa}/tickets/{ticketId}/tap/revoke', 'post').properties).sort()).toEqual(fields(revokeBody));
    expect(Object.keys(bodyOf('/v1/mappings/{psa}/{companyId}', 'put').properties).sort()).toEqual(fields(mappingBody));
    // Strict bodies: an unknown field is refused by the route, and the document says so.
    expect(issue.additionalProperties).toBe(false);
  });

  it('names both auth schemes and documents each error status as problem+json with its codes', async () => {
    const { doc } = await documentOf();
    expect(doc.components.securitySchemes).toMatchObject({
      buttonBearer: { type: 'http', scheme: 'bearer' },
      hmacTimestamp: { type: 'apiKey', in: 'header', name: 'X-Tap-Timestamp' },
      hmacSignature: { type: 'apiKey', in: 'header', name: 'X-Tap-Signature' },
      adminToken: { type: 'http', scheme: 'bearer' },
    });
    const issue = doc.paths['/v1/psa/{psa}/tickets/{ticketId}/tap']!.post!;
    expect(issue.security).toEqual([{ buttonBearer: [] }, { hmacTimestamp: [], hmacSignature: [] }]);
    for (const status of ['400', '401', '404', '409', '422', '429', '502', '503']) {
      const problem = issue.responses[status]!.content!['application/problem+json']!.schema as { properties: { code: { enum: string[] } } };
      for (const code of problem.properties.code.enum) expect(String(ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status)).toBe(status);
    }
    const refusal = issue.responses['422']!.content!['application/problem+json']!.schema as { properties: { code: { enum: string[] } } };
    expect(refusal.properties.code.enum).toEqual(expect.arrayContaining(['USER_PRIVILEGED', 'POLICY_DISABLED', 'USER_GUEST']));
  });

  it('describes what the routes really answer: a press, a refusal and a mapping parse with the documented schemas', async () => {
    const { h } = await documentOf();
    h.entra.addUser(CONTOSO, 'jane@contoso.example', { displayName: 'Jane Doe' });
    h.map('halo', '55', { companyName: 'Contoso Ltd' });
    h.psa.halo.addTicket({ id: '200', companyId: '55', companyName: 'Contoso Ltd', contactEmail: 'jane@contoso.example' });
    const issued = await pressButton(h.app, 'halo', '200', {}, { secret: TEST_SECRETS.haloButton });
    expect(issued.status).toBe(201);
    expect(ticketIssueResultSchema.strict().safeParse(await issued.json()).success).toBe(true);

    const refused = await pressButton(h.app, 'halo', '200', { unknownField: 1 }, { secret: TEST_SECRETS.haloButton });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: 'INVALID_REQUEST', status: 400 });

    const list = await h.app.request('/v1/mappings', { headers: { authorization: `Bearer ${TEST_SECRETS.adminToken}` } });
    const body = (await list.json()) as { mappings: unknown[] };
    expect(body.mappings).toHaveLength(1);
    expect(mappingViewSchema.strict().safeParse(body.mappings[0]).success).toBe(true);
  });

  it('documents a body the route still refuses when it is not JSON, after authentication', async () => {
    const { h } = await documentOf();
    const noAuth = await h.app.request('/v1/psa/halo/tickets/200/tap', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(noAuth.status).toBe(401);
    const notJson = await pressButton(h.app, 'halo', '200', 'hello', { secret: TEST_SECRETS.haloButton, headers: { 'content-type': 'text/plain' } });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { detail: string }).detail).toMatch(/Content-Type: application\/json/);
  });
});
