import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { connectWiseClient, entraFetch, entraToken, haloClient, haloToken } from './clients.js';

let sb: Sandbox;
let cw: ReturnType<typeof connectWiseClient>;

beforeAll(async () => {
  sb = await startSandbox();
  cw = connectWiseClient(sb);
});
afterAll(() => sb.close());
beforeEach(() => {
  sb.connectwise.faults.reset();
  sb.halo.faults.reset();
  sb.entra.faults.reset();
});

describe('fault injection', () => {
  it('answers 429 with Retry-After and the vendor body, then recovers (times defaults to 1)', async () => {
    sb.connectwise.faults.add({ path: '/service/tickets/48101', status: 429, retryAfter: '7' });
    const throttled = await cw.get('/service/tickets/48101');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(await throttled.json()).toMatchObject({ error: 'ConnectWiseAPI' });
    expect((await cw.get('/service/tickets/48101')).status).toBe(200);
  });

  it('applies a fault the given number of times, and only to its method and path', async () => {
    sb.halo.faults.add({ method: 'GET', path: /^\/api\/Tickets\/\d+$/, status: 503, times: 2 });
    const halo = haloClient(sb, await haloToken(sb));
    expect((await halo.get('/Client')).status).toBe(200);
    expect((await halo.get('/Tickets/2001')).status).toBe(503);
    expect((await halo.get('/Tickets/2002')).status).toBe(503);
    expect((await halo.get('/Tickets/2003')).status).toBe(200);
  });

  it('shapes Graph errors like Graph', async () => {
    const f = entraFetch(sb);
    const token = await entraToken(sb, sb.seed.entra.tenants[1]!.id, f);
    sb.entra.faults.add({ path: '/v1.0/organization', status: 503 });
    const res = await f(`${sb.entra.graphBaseUrl}/v1.0/organization`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'serviceNotAvailable', innerError: { 'request-id': expect.any(String) } } });
    await f.close();
  });

  it('drops the connection', async () => {
    sb.connectwise.faults.add({ path: '/system/info', drop: true });
    await expect(cw.get('/system/info')).rejects.toThrow();
    expect(sb.connectwise.faults.requests({ path: '/system/info' })).toEqual([expect.objectContaining({ status: 0, faulted: true })]);
    expect((await cw.get('/system/info')).status).toBe(200);
  });

  it('holds a request until released', async () => {
    let release!: () => void;
    sb.connectwise.faults.add({ path: '/system/info', hold: new Promise<void>((r) => (release = r)) });
    let settled = false;
    const pending = cw.get('/system/info').then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    release();
    expect((await pending).status).toBe(200);
  });

  it('delays a request, and adds fixed latency when asked', async () => {
    sb.connectwise.faults.add({ path: '/system/info', delayMs: 120 });
    const t0 = performance.now();
    expect((await cw.get('/system/info')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);

    const slow = await startSandbox({ latencyMs: 60 });
    try {
      const t1 = performance.now();
      await fetch(`${slow.connectwise.url}/login/companyinfo/tailspin`);
      expect(performance.now() - t1).toBeGreaterThanOrEqual(55);
    } finally {
      await slow.close();
    }
  });

  it('can be removed before it runs', async () => {
    const fault = sb.connectwise.faults.add({ path: '/system/info', status: 500, times: Infinity });
    expect((await cw.get('/system/info')).status).toBe(500);
    expect(fault.hits).toBe(1);
    fault.remove();
    expect((await cw.get('/system/info')).status).toBe(200);
  });
});

describe('request log', () => {
  it('records method, path, query and status of every request, so upstream calls can be counted', async () => {
    await cw.get('/service/tickets?page=2');
    await cw.send('POST', '/service/tickets/48110/notes', { text: 'x' });
    await fetch(`${cw.base}/system/info`);
    expect(sb.connectwise.faults.requests()).toEqual([
      { method: 'GET', path: '/v2025_1/apis/3.0/service/tickets', query: 'page=2', status: 200, faulted: false },
      { method: 'POST', path: '/v2025_1/apis/3.0/service/tickets/48110/notes', query: '', status: 400, faulted: false },
      { method: 'GET', path: '/v2025_1/apis/3.0/system/info', query: '', status: 401, faulted: false },
    ]);
    expect(sb.connectwise.faults.requests({ method: 'POST', path: '/notes' })).toHaveLength(1);
    sb.connectwise.faults.reset();
    expect(sb.connectwise.faults.requests()).toEqual([]);
  });

  it('counts token requests separately from Graph calls on the Entra hosts', async () => {
    const f = entraFetch(sb);
    const token = await entraToken(sb, sb.seed.entra.tenants[1]!.id, f);
    await f(`${sb.entra.graphBaseUrl}/v1.0/organization`, { headers: { Authorization: `Bearer ${token}` } });
    expect(sb.entra.faults.requests({ path: /\/oauth2\/v2\.0\/token$/ })).toHaveLength(1);
    expect(sb.entra.faults.requests({ path: /^\/v1\.0\// })).toHaveLength(1);
    await f.close();
  });
});
