import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/db/index.js';
import { DatabaseLockedError, lockDatabase } from '../../src/db/lock.js';
import { signButtonRequest } from '../../src/http/button-auth.js';
import { killAllConnectors, startConnectorProcess, startWorld, type World } from '../e2e/harness.js';
import { adminHarness, signedIn } from '../admin/helpers.js';
import { buildHarness, CONTOSO, TEST_SECRETS, type TestHarness } from '../helpers/services.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tap-data-safety-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A pid that certainly does not run any more: a child that has already exited and been reaped. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

describe('one process per database', () => {
  let world: World | undefined;
  afterAll(async () => {
    await killAllConnectors();
    await world?.close();
  });

  it('a second connector process on the same DATABASE_PATH refuses to start, naming the file and the process', async () => {
    world = await startWorld();
    const first = await startConnectorProcess(world.env());
    const refused = await startConnectorProcess(world.env()).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(refused?.message).toMatch(/exited \(1\) before it was ready/);
    expect(refused!.message).toContain(`the database ${world.databasePath} is in use by process ${first.child.pid}`);
    expect(refused!.message).toContain(`${world.databasePath}.lock`);
    // The first one was not disturbed.
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    first.signal('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(`${world.databasePath}.lock`)).toBe(false); // a graceful stop gives the lock up
  }, 60_000);

  it('a lock left behind by a process that died is taken over', async () => {
    world ??= await startWorld();
    writeFileSync(`${world.databasePath}.lock`, JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: '2026-12-01T00:00:00Z' }));
    const proc = await startConnectorProcess(world.env());
    expect(JSON.parse(readFileSync(`${world.databasePath}.lock`, 'utf8'))).toMatchObject({ pid: proc.child.pid, host: hostname() });
  }, 60_000);

  it('in one process: the lock is exclusive, released on request, and never left half-written', () => {
    const path = join(tempDir(), 'db.sqlite');
    const lock = lockDatabase(path)!;
    expect(() => lockDatabase(path)).toThrow(DatabaseLockedError);
    expect(() => lockDatabase(path)).toThrow(`is in use by process ${process.pid}`);
    lock.release();
    lockDatabase(path)!.release();
    expect(lockDatabase(':memory:')).toBeUndefined();
    // The very first start: the data folder does not exist yet.
    lockDatabase(join(tempDir(), 'data', 'new', 'db.sqlite'))!.release();
    // A lock we cannot read is not guessed stale: refused, with the way out in the message.
    writeFileSync(`${path}.lock`, '');
    expect(() => lockDatabase(path)).toThrow(/its lock file cannot be read.*delete the lock file/);
  });
});

describe('the data folder deleted or replaced while running', () => {
  const put = (h: TestHarness, companyId: string) =>
    h.app.request(`/v1/mappings/connectwise/${companyId}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_SECRETS.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: CONTOSO, companyName: 'Contoso' }),
    });
  const readiness = async (h: TestHarness) => {
    const res = await h.app.request('/readyz', { headers: { authorization: `Bearer ${TEST_SECRETS.adminToken}` } });
    return { status: res.status, body: (await res.json()) as { status: string; database: boolean } };
  };

  it('deleted: /readyz says not ready, a save is refused with a clear error (not "saved"), and the log says so loudly', async () => {
    const dir = tempDir();
    const h = buildHarness({ databasePath: join(dir, 'data', 'connector.sqlite') });
    expect((await put(h, '41')).status).toBe(201);
    expect((await readiness(h)).body.database).toBe(true);

    rmSync(join(dir, 'data'), { recursive: true, force: true });

    const refused = await put(h, '42');
    expect(refused.status).toBe(503);
    const problem = (await refused.json()) as { code: string; detail: string };
    expect(problem.code).toBe('DATABASE_UNAVAILABLE');
    expect(problem.detail).toMatch(/Nothing was saved: the database file .*connector\.sqlite was deleted/);
    const ready = await readiness(h);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', database: false });
    // A signed button press meets the refusal at its first write (remembering the signature): 503, not "bad secret".
    const ts = Math.floor(Date.now() / 1000);
    const pressPath = '/v1/psa/halo/tickets/100/tap';
    const press = await h.app.request(pressPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tap-timestamp': String(ts), 'x-tap-signature': signButtonRequest(TEST_SECRETS.haloButton, { timestamp: ts, method: 'POST', path: pressPath, body: '{}' }) },
      body: '{}',
    });
    expect(press.status).toBe(503);
    expect(((await press.json()) as { code: string }).code).toBe('DATABASE_UNAVAILABLE');
    const fatal = h.logs.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === 'fatal');
    expect(fatal).toHaveLength(1); // once, however many writes are refused
    expect(fatal[0]!.msg).toMatch(/^DATABASE FILE LOST: the database file .* was deleted/);
  });

  it('the admin Health page says so at the top', async () => {
    const dir = tempDir();
    const h = await adminHarness({ env: { DATABASE_PATH: join(dir, 'data', 'connector.sqlite') } });
    const admin = await signedIn(h);
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    const page = await admin.get('/admin/health');
    expect(page.status).toBe(200);
    expect(admin.lastHtml).toMatch(/Nothing can be saved: the database file .*connector\.sqlite was deleted/);
  });

  it('replaced by another file (a restore copied over it): the same', async () => {
    const dir = tempDir();
    const path = join(dir, 'connector.sqlite');
    const h = buildHarness({ databasePath: path });
    renameSync(path, join(dir, 'moved.sqlite'));
    writeFileSync(path, '');
    expect(((await (await put(h, '42')).json()) as { code: string }).code).toBe('DATABASE_UNAVAILABLE');
    expect(h.services.storage.fileProblem()).toMatch(/was replaced by another file/);
  });

  it('is noticed without any write, by the periodic look at the file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    const told: string[] = [];
    const storage = openStorage(join(dir, 'data', 'db.sqlite'), { watchIntervalMs: 10, logger: { fatal: ((_: unknown, msg: string) => told.push(msg)) as never } });
    try {
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(told).toHaveLength(1);
      expect(told[0]).toContain('DATABASE FILE LOST');
    } finally {
      storage.close();
    }
  });
});
