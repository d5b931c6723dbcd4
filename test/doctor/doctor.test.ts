import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { openStorage } from '../../src/db/index.js';
import { createMappingStore } from '../../src/db/mappings.js';
import { formatReport, runDoctor, type DoctorDeps, type DoctorReport } from '../../src/doctor/index.js';
import { createLogger } from '../../src/logger.js';
import { CW_COMPANY_IDS, HALO_CLIENT_IDS, TENANT_IDS, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

/** The doctor against the simulated ConnectWise, Halo and Entra: all ✔ as seeded, then each one misconfigured in turn. */

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const logger = createLogger({ level: 'silent' });
const SEAL_KEY = randomBytes(32).toString('base64');

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const MAPPINGS = [
  { psa: 'connectwise' as const, companyId: String(CW_COMPANY_IDS.contoso), companyName: 'Contoso Ltd', tenantId: TENANT_IDS.contoso },
  { psa: 'halo' as const, companyId: String(HALO_CLIENT_IDS.fabrikam), companyName: 'Fabrikam Inc', tenantId: TENANT_IDS.fabrikam },
];

async function doctor(overrides: Record<string, string | undefined> = {}, mappings: DoctorDeps['mappings'] = MAPPINGS): Promise<DoctorReport> {
  const env: Record<string, string | undefined> = { ...sandbox.env, TAP_SEAL_KEY: SEAL_KEY, ...overrides };
  const config = loadConfig(env, { trustedCaPem: sandbox.entra.caPem });
  return runDoctor(config, { logger, mappings });
}

/** Every ✘ line as "name: detail". */
const failures = (r: DoctorReport) => r.groups.flatMap((g) => g.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`));
const check = (r: DoctorReport, name: string) => r.groups.flatMap((g) => g.checks).find((c) => c.name === name);

describe('npm run doctor against the simulators', () => {
  it('passes every check when everything is set up as seeded, without creating a pass or writing a note', async () => {
    const notesBefore = sandbox.connectwise.state.notes(48112).length;
    const result = await doctor();
    expect(failures(result)).toEqual([]);
    expect(result.ok).toBe(true);
    const names = result.groups.flatMap((g) => g.checks.map((c) => c.name));
    for (const expected of ['Codebase', 'API keys and clientId', 'CW_ONBOARDING_BOARD', 'CW_ONBOARDING_STATUS', 'CW_DONE_STATUS', 'CW_UPN_FIELD', 'CW_START_DATE_FIELD', 'Token and scopes', 'Ticket read', 'HALO_NOTE_OUTCOME_ID', 'HALO_ONBOARDING_STATUS_ID', 'HALO_DONE_STATUS_ID', 'HALO_UPN_FIELD', 'Partner tenant token', 'Token', 'Organization', 'TAP policy', 'Directory role reads']) {
      expect(names).toContain(expected);
    }
    expect(sandbox.entra.state.tapsCreated).toHaveLength(0);
    expect(sandbox.connectwise.state.notes(48112)).toHaveLength(notesBefore);
    const text = formatReport(result);
    expect(text).toMatch(/✔ Codebase: v\d{4}_\d\//);
    expect(text).not.toContain('✘');
    expect(text).toMatch(/\? HALO_NOTE_OUTCOME_ID: 7 — Halo documents no read of its outcomes/);
    expect(text.trim().split('\n').at(-1)).toBe('Everything configured works.');
  });

  it('names the ConnectWise key problem with its fix, and stops there', async () => {
    const result = await doctor({ CW_PRIVATE_KEY: 'wrong-private-key' });
    expect(result.ok).toBe(false);
    const keys = check(result, 'API keys and clientId')!;
    expect(keys.ok).toBe(false);
    expect(keys.fix).toMatch(/CW_PUBLIC_KEY and CW_PRIVATE_KEY/);
    expect(check(result, 'CW_ONBOARDING_BOARD')).toBeUndefined();
    expect(formatReport(result)).toMatch(/✘ API keys and clientId: ConnectWise answered HTTP 401\n\s+fix: /);
  });

  it('tells a wrong clientId from wrong keys', async () => {
    const result = await doctor({ CW_CLIENT_ID: '00000000-0000-4000-8000-000000000000' });
    expect(check(result, 'API keys and clientId')!.fix).toMatch(/CW_CLIENT_ID/);
  });

  it('finds an unknown ConnectWise company, board, status and custom field caption', async () => {
    expect(check(await doctor({ CW_COMPANY_ID: 'nosuchcompany' }), 'Codebase')!.fix).toMatch(/CW_COMPANY_ID/);
    const result = await doctor({ CW_ONBOARDING_STATUS: 'Nieuw', CW_DONE_STATUS: 'Klaar', CW_UPN_FIELD: 'UPN of the new user' });
    expect(failures(result)).toEqual([
      expect.stringMatching(/^CW_ONBOARDING_STATUS: no status "Nieuw" on board "Onboarding" \(it has: .*New/),
      expect.stringMatching(/^CW_DONE_STATUS: no status "Klaar"/),
      expect.stringMatching(/^CW_UPN_FIELD: ticket #\d+ has no custom field "UPN of the new user"/),
    ]);
    expect(check(await doctor({ CW_ONBOARDING_BOARD: 'Onboard' }), 'CW_ONBOARDING_BOARD')).toMatchObject({ ok: false, detail: 'no service board "Onboard"' });
  });

  it('finds a ConnectWise site that does not answer', async () => {
    const result = await doctor({ CW_SITE: 'http://127.0.0.1:9' });
    expect(check(result, 'Codebase')).toMatchObject({ ok: false, fix: expect.stringMatching(/CW_SITE/) });
  });

  it('names Halo credential, scope and custom field problems', async () => {
    expect(check(await doctor({ HALO_CLIENT_SECRET: 'wrong-secret' }), 'Token and scopes')).toMatchObject({ ok: false, fix: expect.stringMatching(/HALO_CLIENT_SECRET/) });
    expect(check(await doctor({ HALO_SCOPE: 'read:actions' }), 'Token and scopes')).toMatchObject({ ok: false, fix: expect.stringMatching(/HALO_SCOPE/) });
    const result = await doctor({ HALO_START_DATE_FIELD: 'First day' });
    expect(failures(result)).toEqual([expect.stringMatching(/^HALO_START_DATE_FIELD: ticket #\d+ has no custom field "First day"/)]);
  });

  it('checks that Halo filters the ticket list by lastupdatefromdate (the change feed), and names an instance that ignores it', async () => {
    expect(check(await doctor(), 'Change feed (lastupdatefromdate)')).toMatchObject({ ok: true });
    sandbox.halo.state.honoursLastUpdateFilter = false;
    try {
      const result = await doctor();
      expect(failures(result)).toEqual([expect.stringMatching(/^Change feed \(lastupdatefromdate\): asked for tickets changed after .* UTC, Halo listed ticket #\d+: it ignores lastupdatefromdate$/)]);
      expect(check(result, 'Change feed (lastupdatefromdate)')!.fix).toMatch(/H7/);
      expect(result.ok).toBe(false);
    } finally {
      sandbox.halo.state.honoursLastUpdateFilter = true;
    }
  });

  it('confirms Halo status ids only by seeing them used, and says "?" for what Halo offers no read of', async () => {
    const before = await doctor({ HALO_NOTE_OUTCOME_ID: '999', HALO_DONE_STATUS_ID: '998' });
    expect(check(before, 'HALO_NOTE_OUTCOME_ID')).toMatchObject({ ok: true, unconfirmed: true });
    expect(check(before, 'HALO_DONE_STATUS_ID')).toMatchObject({ ok: true, unconfirmed: true, detail: expect.stringContaining('no ticket has status 998') });
    expect(check(before, 'HALO_ONBOARDING_STATUS_ID')).toMatchObject({ ok: true, detail: expect.stringMatching(/^status 1 is on \d+ tickets?$/) });
    expect(formatReport(before)).toMatch(/\? HALO_DONE_STATUS_ID: no ticket has status 998/);
    expect(before.ok).toBe(true);

    expect(check(before, 'HALO_NOTE_OUTCOME_ID')!.detail).toMatch(/^999 — Halo documents no read of its outcomes/);
  });

  it('names the Entra tenant without consent, with a TAP policy switched off, and a wrong app secret', async () => {
    const withNorthwind = [...MAPPINGS, { psa: 'connectwise' as const, companyId: String(CW_COMPANY_IDS.northwind), companyName: 'Northwind Traders', tenantId: TENANT_IDS.northwind }];
    const policy = await doctor({}, withNorthwind);
    expect(failures(policy)).toEqual(['TAP policy: the Temporary Access Pass method is disabled']);

    const contoso = sandbox.entra.state.tenants.find((t) => t.id === TENANT_IDS.contoso)!;
    contoso.appConsented = false;
    try {
      const consent = await doctor();
      const group = consent.groups.find((g) => g.title.startsWith(`Tenant ${TENANT_IDS.contoso}`))!;
      expect(group.checks).toEqual([expect.objectContaining({ name: 'Token', ok: false, fix: expect.stringContaining(`/${TENANT_IDS.contoso}/adminconsent?client_id=`) })]);
    } finally {
      contoso.appConsented = true;
    }

    const secret = await doctor({ ENTRA_CLIENT_SECRET: 'not-the-secret' });
    expect(check(secret, 'Partner tenant token')).toMatchObject({ ok: false });
    expect(secret.ok).toBe(false);
  });
});

describe('npm run doctor (the command)', () => {
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', TSX_LOADER, join(REPO, 'src/doctor/cli.ts')], { cwd: env.HOME, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });

  it('exits 0 when everything configured works and 1 with the ✘ line when not, reading mappings from DATABASE_PATH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'psa-tap-doctor-'));
    try {
      const databasePath = join(dir, 'connector.sqlite');
      const storage = openStorage(databasePath);
      const store = createMappingStore(storage.db);
      store.upsert('connectwise', String(CW_COMPANY_IDS.contoso), { companyName: 'Contoso Ltd', tenantId: TENANT_IDS.contoso, timeZone: 'Europe/Amsterdam', activationHour: 8, defaultLifetimeMinutes: null, usableOnce: false, allowPrivileged: false, enabled: true });
      storage.close();
      const caPath = join(dir, 'ca.pem');
      writeFileSync(caPath, sandbox.entra.caPem);
      const env = { PATH: process.env.PATH ?? '', HOME: dir, TSX_TSCONFIG_PATH: join(REPO, 'tsconfig.json'), ...sandbox.env, TAP_SEAL_KEY: SEAL_KEY, DATABASE_PATH: databasePath, NODE_EXTRA_CA_CERTS: caPath };

      const good = await run(env);
      expect(good.out).toContain(`Tenant ${TENANT_IDS.contoso} — Contoso Ltd (ConnectWise ${CW_COMPANY_IDS.contoso})`);
      expect(good.out).toContain('Everything configured works.');
      expect(good.code).toBe(0);

      const bad = await run({ ...env, HALO_UPN_FIELD: 'Nope' });
      expect(bad.out).toMatch(/✘ HALO_UPN_FIELD: ticket #\d+ has no custom field "Nope"\n\s+fix: Set HALO_UPN_FIELD/);
      expect(bad.out).toContain('1 check failed.');
      expect(bad.code).toBe(1);
      const unparsable = await run({ ...env, HALO_BASE_URL: 'x' });
      expect(unparsable.out).toContain('✘ HALO_BASE_URL');
      expect(unparsable.code).toBe(2);

    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
