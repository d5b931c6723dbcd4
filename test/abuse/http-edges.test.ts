import { describe, expect, it } from 'vitest';
import { buildHarness, TEST_SECRETS } from '../helpers/services.js';
import { AdminClient, adminHarness, signedIn } from '../admin/helpers.js';

const logLines = (logs: string[]) => logs.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('admin assets', () => {
  it('names inherited from Object.prototype are not assets: 404, not 500', async () => {
    const h = await adminHarness();
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const res = await h.app.request(`/admin/assets/${name}`);
      expect(res.status, name).toBe(404);
    }
    expect((await h.app.request('/admin/assets/admin.css')).status).toBe(200);
  });
});

describe('admin sign-in with a malformed body', () => {
  it('a broken multipart body is a 400 sign-in page, not a 500', async () => {
    const h = await adminHarness();
    const client = new AdminClient(h);
    await client.get('/admin/sign-in');
    const res = await h.app.request('/admin/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz', cookie: `tap_admin_signin=${client.csrf()}` },
      body: '--xyz\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n--xy',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(h.logs.some((l) => l.includes('unhandled error'))).toBe(false);
  });
});

describe('log lines of one request', () => {
  it('each line carries only its own fields and the request id, not the fields of earlier lines', async () => {
    const h = buildHarness();
    const res = await h.app.request('/v1/psa/halo/tickets/77/tap', { method: 'POST', headers: { authorization: 'Bearer wrong-secret-of-some-length', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    const lines = logLines(h.logs);
    const refused = lines.find((l) => l.msg === 'button request refused: bad credentials')!;
    const request = lines.find((l) => l.msg === 'request' && l.path === '/v1/psa/halo/tickets/77/tap')!;
    expect(refused.ticketId).toBe('77');
    expect(request.requestId).toBe(refused.requestId);
    expect(request).not.toHaveProperty('ticketId');
    expect(request).not.toHaveProperty('psa');
    // And the next request starts clean.
    await h.app.request('/healthz');
    const health = logLines(h.logs).find((l) => l.msg === 'request' && l.path === '/healthz')!;
    expect(health).not.toHaveProperty('ticketId');
    expect(health.requestId).not.toBe(request.requestId);
  });
});

describe('request ids', () => {
  it('are made by the connector; a caller\'s id is kept only as a separate, validated callerRequestId', async () => {
    const h = buildHarness();
    const res = await h.app.request('/healthz', { headers: { 'x-request-id': 'ticket-2012-run-7' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(id).not.toBe('ticket-2012-run-7');
    const line = logLines(h.logs).find((l) => l.msg === 'request')!;
    expect(line.requestId).toBe(id);
    expect(line.callerRequestId).toBe('ticket-2012-run-7');

    // A caller cannot make two requests share an id, nor write junk into the log's id field.
    const again = await h.app.request('/healthz', { headers: { 'x-request-id': 'ticket-2012-run-7' } });
    expect(again.headers.get('x-request-id')).not.toBe(id);
    const junk = await h.app.request('/healthz', { headers: { 'x-request-id': `a b"c${'x'.repeat(200)}` } });
    expect(junk.status).toBe(200);
    const junkLine = logLines(h.logs).filter((l) => l.msg === 'request').at(-1)!;
    expect(junkLine).not.toHaveProperty('callerRequestId');
  });
});

describe('/readyz', () => {
  it('tells an anonymous caller only whether the connector is ready', async () => {
    const h = buildHarness();
    const res = await h.app.request('/readyz');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['status']);
    const wrongToken = (await (await h.app.request('/readyz', { headers: { authorization: 'Bearer not-the-admin-token-at-all' } })).json()) as Record<string, unknown>;
    expect(Object.keys(wrongToken)).toEqual(['status']);
  });

  it('shows workers and backlog with the admin API token or an admin session', async () => {
    const h = await adminHarness();
    const withToken = (await (await h.app.request('/readyz', { headers: { authorization: `Bearer ${TEST_SECRETS.adminToken}` } })).json()) as Record<string, unknown>;
    expect(withToken).toHaveProperty('workers');
    expect(withToken).toHaveProperty('outboxBacklog');
    const client = await signedIn(h);
    const withSession = (await (await client.get('/readyz')).json()) as Record<string, unknown>;
    expect(withSession).toHaveProperty('workers');
    expect(withSession).toHaveProperty('database');
  });
});
