import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_API_TOKEN, freePort, killAllConnectors, startConnectorProcess, startWorld, waitFor, type World } from './harness.js';

/** Start-up as an admin sees it: what works and what is missing, readiness, and the errors that stop it. */

const REPO = fileURLToPath(new URL('../..', import.meta.url));

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterEach(async () => {
  await killAllConnectors();
});
afterAll(async () => {
  await world.close();
});

/** Runs `npm start` in the repository with exactly `env`; resolves the exit code. */
function npmStart(env: Record<string, string>) {
  // Its own process group, so the test can end npm and the connector it started together (a SIGKILL to npm alone
  // leaves the connector running, holding the database's lock for the next test).
  const child = spawn('npm', ['start', '--silent'], { cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME: world.dir, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const killAll = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  /** Resolves once no process of the group is left (npm exits before its connector, which still holds the lock). */
  const gone = async () => {
    await exited;
    await waitFor(
      () => {
        try {
          process.kill(-child.pid!, 0);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 10_000, what: 'the npm start process group to end' },
    );
  };
  return { child, exited, gone, killAll, stdout: () => out, stderr: () => err };
}

describe('start-up', () => {
  it('with half the setup (no Entra, no admin password, no button secrets) says what is missing and is not ready', async () => {
    const port = await freePort();
    const env = world.env({
      overrides: { PORT: String(port), ENTRA_CLIENT_ID: undefined, ENTRA_CLIENT_SECRET: undefined, ENTRA_PARTNER_TENANT_ID: undefined, ENTRA_AUTHORITY_HOST: undefined, GRAPH_BASE_URL: undefined, CW_BUTTON_SECRET: undefined, HALO_BUTTON_SECRET: undefined, ADMIN_PASSWORD_HASH: undefined },
    });
    const run = npmStart(env);
    try {
      await waitFor(() => run.stderr().includes('npm run doctor'), { timeoutMs: 20_000, what: () => `the start-up summary; output:\n${run.stdout()}${run.stderr()}` });
      const started = run.stdout().split('\n').filter((l) => l.includes('"psa-tap-connector started"'));
      expect(started).toHaveLength(1);
      const summary = run.stderr();
      expect(summary).toMatch(/✔ ConnectWise PSA\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(summary).toMatch(/✘ Microsoft Entra app\s+ENTRA_CLIENT_ID .* not set — no pass can be issued/);
      expect(summary).toMatch(/✘ Admin pages\s+ADMIN_PASSWORD_HASH not set — nobody can sign in/);
      expect(summary).toMatch(/✘ Halo runbook button\s+HALO_BUTTON_SECRET not set/);
      expect(summary).toMatch(/✘ ConnectWise button API\s+CW_BUTTON_SECRET not set/);
      expect(summary).toContain('NOT READY: a PSA is configured but the Entra app is not');
      // Production keeps stdout to JSON lines for the log collector.
      expect(run.stdout().split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'))).toEqual([]);

      const anonymous = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(anonymous.status).toBe(503);
      expect(await anonymous.json()).toEqual({ status: 'not ready' });
      const admin = await fetch(`http://127.0.0.1:${port}/readyz`, { headers: { Authorization: `Bearer ${ADMIN_API_TOKEN}` } });
      expect(await admin.json()).toMatchObject({ status: 'not ready', database: true, issuance: { ready: false, blockers: [expect.stringContaining('Entra app is not')] } });
    } finally {
      run.killAll();
      await run.gone();
    }
  }, 40_000);

  it('fully configured, says passes can be issued and is ready', async () => {
    const proc = await startConnectorProcess(world.env());
    await waitFor(() => proc.output().includes('npm run doctor'), { what: 'the start-up summary' });
    expect(proc.output()).toMatch(/✔ Microsoft Entra app\s+client id/);
    expect(proc.output()).toContain('Passes can be issued.');
  }, 40_000);

  it('names a port in use instead of "listen EADDRINUSE"', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    try {
      const run = npmStart(world.env({ overrides: { PORT: String(port) } }));
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain(`psa-tap-connector cannot start: port ${port} is in use; set PORT to a free port`);
      expect(run.stderr()).not.toContain('EADDRINUSE');
    } finally {
      blocker.close();
    }
  }, 30_000);

  it('stops the server when npm itself gets SIGTERM (npm start forwards it)', async () => {
    const port = await freePort();
    const run = npmStart(world.env({ overrides: { PORT: String(port) } }));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200, { timeoutMs: 20_000, what: 'the connector up' });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => 'closed')) === 'closed', { timeoutMs: 5_000, what: 'the port closed' });
    expect(run.stdout()).toContain('"signal received"');
  }, 40_000);
});
