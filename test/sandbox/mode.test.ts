import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../e2e/harness.js';
import { defaultSeed, TENANT_IDS } from '../../src/sandbox/index.js';

/** `npm start` with nothing configured: the sandbox as a new admin meets it. */

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function npmStart(env: Record<string, string>) {
  const home = mkdtempSync(join(tmpdir(), 'psa-tap-sandbox-home-'));
  const child = spawn('npm', ['start', '--silent'], { cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, exited, output: () => out, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

describe('sandbox mode', () => {
  it('logs short readable lines, prints the banner last with links to the ticket pages, and removes its temporary data at stop', async () => {
    const port = await freePort();
    const run = npmStart({ PORT: String(port) });
    try {
      await waitFor(() => run.output().includes('Onboarding tickets are picked up'), { timeoutMs: 30_000, what: () => `the banner; output:\n${run.output()}` });
      const out = run.output();
      // Pretty, short logs: no JSON line, and the poller's first cycle logged before the banner.
      expect(out.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
      expect(out).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: psa-tap-connector started/m);
      expect(out).not.toMatch(/issuanceId|userObjectId/);
      const banner = out.slice(out.indexOf('Sandbox mode:'));
      expect(out.trimEnd().endsWith(banner.trimEnd())).toBe(true);
      expect(out.indexOf('psa-tap-connector started')).toBeLessThan(out.indexOf('Sandbox mode:'));

      const cwList = /ConnectWise tickets: (http:\/\/\S+\/sandbox\/tickets)/.exec(banner)?.[1];
      const haloTicket = /\(ticket #2012: (http:\/\/\S+\/ticket\?id=2012)\)/.exec(banner)?.[1];
      expect(cwList).toBeDefined();
      expect(haloTicket).toBeDefined();
      expect((await fetch(cwList!)).status).toBe(200);
      expect(await (await fetch(haloTicket!)).text()).toContain('Ticket #2012');

      const data = /Data: (\S+) \(temporary, removed at stop/.exec(banner)?.[1];
      expect(data && existsSync(data)).toBe(true);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(existsSync(data!)).toBe(false);
    } finally {
      run.child.kill('SIGKILL');
      run.cleanup();
    }
  }, 60_000);

  it('keeps its database at DATABASE_PATH across starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'psa-tap-sandbox-db-'));
    const databasePath = join(dir, 'sandbox.sqlite');
    try {
      for (let start = 1; start <= 2; start++) {
        const port = await freePort();
        const run = npmStart({ PORT: String(port), DATABASE_PATH: databasePath });
        await waitFor(() => run.output().includes('Onboarding tickets are picked up'), { timeoutMs: 30_000, what: () => `start ${start}; output:\n${run.output()}` });
        expect(run.output()).toContain(`Data: ${databasePath} (DATABASE_PATH, kept)`);
        run.child.kill('SIGTERM');
        expect(await run.exited).toBe(0);
        run.cleanup();
        expect(existsSync(databasePath)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('seeds an unmapped company that matches a GDAP customer, so Suggestions has one to accept', () => {
    const seed = defaultSeed();
    const partner = seed.entra.tenants.find((t) => t.id === seed.entra.partnerTenantId)!;
    expect(partner.delegatedAdminCustomers).toContain(TENANT_IDS.adventureWorks);
    expect(seed.entra.tenants.find((t) => t.id === TENANT_IDS.adventureWorks)?.displayName).toBe('Adventure Works');
    expect(seed.connectwise.companies.some((c) => c.name === 'Adventure Works')).toBe(true);
    expect(seed.halo.clients.some((c) => c.name === 'Adventure Works')).toBe(true);
    expect(seed.mappings.some((m) => m.tenantId === TENANT_IDS.adventureWorks)).toBe(false);
  });
});
