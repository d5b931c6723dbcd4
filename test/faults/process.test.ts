import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signButtonRequest } from '../../src/http/button-auth.js';
import { startSandbox, TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { seedSandboxMappings } from '../../src/sandbox/mode.js';
import { startConnector } from '../../src/server.js';
import { answered, expectEveryPassAccountedFor, markSandbox, newNotes } from './accounting.js';
import { pressButton } from '../helpers/button.js';
import { BUTTON_SECRETS, buildRig, connectorConfig, logCollector, newTicket, resetFaults, tempDir, type FaultRig } from './rig.js';

let sb: Sandbox;
let dir: ReturnType<typeof tempDir>;
let rig: FaultRig | undefined;

beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(() => sb.close());
afterEach(() => {
  rig?.close();
  rig = undefined;
  dir?.remove();
  resetFaults(sb);
});

/**
 * Another connection (in a worker thread, as better-sqlite3 is synchronous: the same thread could never let go)
 * takes the write lock and keeps it for `holdMs`. Resolves once the lock is held; `released` once it commits.
 */
function holdWriteLock(path: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const Database = require(workerData.module);
    const db = new Database(workerData.path);
    db.exec('BEGIN IMMEDIATE');
    db.prepare("insert into used_signatures (signature, expires_at) values ('lock-holder', '2999-01-01T00:00:00.000Z')").run();
    parentPort.postMessage('locked');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
    db.exec('COMMIT');
    db.close();
    parentPort.postMessage('released');
  `;
  const worker = new Worker(source, { eval: true, workerData: { path, holdMs, module: createRequire(import.meta.url).resolve('better-sqlite3') } });
  let onReleased!: () => void;
  const released = new Promise<void>((resolve) => (onReleased = resolve));
  return new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (m) => {
      if (m === 'locked') resolve({ released });
      if (m === 'released') onReleased();
    });
  });
}

describe('SQLite busy', () => {
  it('a write lock held briefly by another connection is waited out by the busy timeout', async () => {
    dir = tempDir();
    rig = buildRig(sb, dir.path);
    const upn = 'lars.mulder@contoso.example';
    const ticketId = newTicket(sb, 'halo', upn);
    const mark = markSandbox(sb, [{ psa: 'halo', ticketId }]);
    const body = '{}';
    const timestamp = Math.floor(Date.now() / 1000);
    const lock = await holdWriteLock(rig.dbPath, 300);
    // HMAC: remembering the signature is the request's first write, so it meets the lock at once.
    const res = await rig.app.request(`/v1/psa/halo/tickets/${ticketId}/tap`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tap-timestamp': String(timestamp), 'x-tap-signature': signButtonRequest(BUTTON_SECRETS.halo, { timestamp, method: 'POST', path: `/v1/psa/halo/tickets/${ticketId}/tap`, body }) },
      body,
    });
    await lock.released;
    const result = await answered({ psa: 'halo', ticketId, tenantId: TENANT_IDS.contoso, userPrincipalName: upn }, res);
    expect(result.status).toBe(201);
    // The other connection's write committed too.
    expect(rig.services.storage.sqlite.prepare("select count(*) as n from used_signatures where signature = 'lock-holder'").get()).toEqual({ n: 1 });
    expectEveryPassAccountedFor({ sb, mark, requests: [result], logs: rig.logs, dbPath: rig.dbPath });
  });
});

describe('SIGTERM during work (in-process stop)', () => {
  async function start() {
    dir = tempDir();
    const config = connectorConfig(sb, dir.path);
    const log = logCollector();
    const running = await startConnector(config, { logDestination: log.destination, prepare: seedSandboxMappings });
    return { config, log, running };
  }

  it('a press in flight finishes before the connector stops: the pass is created and noted', async () => {
    const { log, running, config } = await start();
    const upn = 'noor.elamrani@contoso.example';
    const ticketId = newTicket(sb, 'connectwise', upn);
    const mark = markSandbox(sb, [{ psa: 'connectwise', ticketId }]);
    let release!: () => void;
    const creating = sb.entra.faults.add({ method: 'POST', path: /temporaryAccessPassMethods$/, hold: new Promise<void>((r) => (release = r)) });
    const pending = pressButton(running.url, 'connectwise', ticketId, {}, { secret: BUTTON_SECRETS.connectwise, freshConnection: true });
    while (creating.hits === 0) await new Promise((r) => setTimeout(r, 5));

    let stopped = false;
    const stopping = running.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    const result = await answered({ psa: 'connectwise', ticketId, tenantId: TENANT_IDS.contoso, userPrincipalName: upn }, await pending);
    await stopping;
    expect(result.status).toBe(201);
    expect(log.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    expectEveryPassAccountedFor({ sb, mark, requests: [result], logs: log.lines, dbPath: config.databasePath });
  });

  it('a note the PSA will not take during shutdown stays sealed in the outbox and is written after the restart', async () => {
    const first = await start();
    const upn = 'femke.bakker@contoso.example';
    const ticketId = newTicket(sb, 'halo', upn);
    const ticket = { psa: 'halo' as const, ticketId };
    const mark = markSandbox(sb, [ticket]);
    let release!: () => void;
    const noting = sb.halo.faults.add({ method: 'POST', path: '/api/Actions', status: 503, hold: new Promise<void>((r) => (release = r)) });
    const pending = pressButton(first.running.url, 'halo', ticketId, {}, { secret: BUTTON_SECRETS.halo, freshConnection: true });
    while (noting.hits === 0) await new Promise((r) => setTimeout(r, 5));
    const stopping = first.running.stop();
    release();
    const res = await pending;
    await stopping;
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ note: { status: 'pending' } });
    expect(newNotes(sb, mark, ticket)).toHaveLength(0);

    // Restart on the same database and seal key. The failed attempt set the row's next try 15 s (±20 %) out; the
    // restarted connector's clock is moved past it rather than waiting.
    rig = buildRig(sb, dir.path, {}, first.config.sealKey!.toString('base64'));
    expect(rig.services.outbox.backlog()).toBe(1);
    rig.advance(1);
    expect(await rig.services.outbox.deliverDue()).toMatchObject({ written: 1 });
    expect(rig.services.outbox.backlog()).toBe(0);
    const result = { psa: 'halo' as const, ticketId, tenantId: TENANT_IDS.contoso, userPrincipalName: upn, status: 201, contentType: 'application/json', body: JSON.stringify({ ...body, note: { status: 'written' } }) };
    expectEveryPassAccountedFor({ sb, mark, requests: [result], logs: [...first.log.lines, ...rig.logs], dbPath: rig.dbPath });
  });
});

