import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/index.js';
import type { MappingStore } from '../db/mappings.js';
import { HOSTED_PAGE_PATH } from '../http/connectwise-hosted/routes.js';
import { hashPassword } from '../http/admin/passwords.js';
import { CW_TICKET_LIST_PATH, CW_TICKET_PAGE_PATH } from './connectwise/pages.js';
import { HALO_TICKET_LIST_PATH, HALO_TICKET_PAGE_PATH } from './halo/pages.js';
import { defaultSeed, startSandbox } from './index.js';

/** The seal key of a sandbox whose database is kept (DATABASE_PATH): simulated passes only, never a real one. */
const SANDBOX_KEPT_SEAL_KEY = Buffer.alloc(32, 'sandbox').toString('base64');

/** Settings that belong to the simulated world; from the caller's environment only the process settings are kept. */
const KEPT_FROM_ENV = ['PORT', 'HOST', 'PUBLIC_BASE_URL', 'LOG_LEVEL', 'TRUST_PROXY', 'ADMIN_USERNAME', 'ADMIN_PASSWORD_HASH', 'ADMIN_API_TOKEN', 'POLL_INTERVAL_SECONDS', 'ISSUE_LEAD_DAYS', 'DATE_ORDER', 'DEFAULT_ACTIVATION_HOUR'];

/**
 * Demo mode (`npm start` with no real settings): starts the simulated services, and builds the connector's Config
 * pointing at them. The database is a temporary file removed at stop — the simulated world is new at every start, so
 * mappings, ledger and outbox from an earlier run would name tickets and passes that no longer exist.
 */
export async function prepareSandboxMode(env: NodeJS.ProcessEnv): Promise<{ config: Config; banner: (url: string) => string; prepare: (services: { mappings: Pick<MappingStore, 'upsert' | 'get'> }) => void; stop: () => Promise<void> }> {
  const sandbox = await startSandbox();
  // DATABASE_PATH, when given, keeps the sandbox's database (mappings, audit) between starts; otherwise a temporary
  // folder holds it and is removed at stop — also when start-up fails (main.ts calls stop()).
  const keptDatabase = env.DATABASE_PATH?.trim() ? env.DATABASE_PATH.trim() : undefined;
  const dir = keptDatabase ? undefined : mkdtempSync(join(tmpdir(), 'psa-tap-sandbox-'));
  const databasePath = keptDatabase ?? join(dir!, 'connector.sqlite');
  const removeTemporary = () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  const kept = Object.fromEntries(KEPT_FROM_ENV.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  const secret = () => randomBytes(24).toString('base64url');
  // A fresh admin password each start (printed once in the banner) unless the caller brought their own hash.
  const adminPassword = kept.ADMIN_PASSWORD_HASH ? undefined : secret();
  const generated = {
    ...(adminPassword ? { ADMIN_PASSWORD_HASH: await hashPassword(adminPassword) } : {}),
    ADMIN_API_TOKEN: (kept.ADMIN_API_TOKEN) ?? secret(),
    CW_BUTTON_SECRET: secret(),
    HALO_BUTTON_SECRET: secret(),
  };
  try {
    const config = loadConfig({
      ...kept,
      ...sandbox.env,
      ...generated,
      DATABASE_PATH: databasePath,
      // A kept database may hold sealed notes from the last start, so its key must survive too: a fixed key, fine for
      // a world whose passes are simulated. A temporary database gets a fresh one.
      TAP_SEAL_KEY: keptDatabase ? SANDBOX_KEPT_SEAL_KEY : randomBytes(32).toString('base64'),
      POLL_INTERVAL_SECONDS: (kept.POLL_INTERVAL_SECONDS) ?? '15',
      // The simulated Entra's CA is trusted for the connector's Entra/Graph clients only, never process-wide
      // (see src/entra/http.ts).
    }, { sandbox: { caPem: sandbox.entra.caPem } });
    const banner = (url: string) => {
      const hosted = `${url}${HOSTED_PAGE_PATH}?id=[cw_id]`;
      const cw = sandbox.connectwise.url;
      const halo = sandbox.halo.url;
      return [
        '',
        'Sandbox mode: simulated ConnectWise, HaloPSA and Entra/Graph on loopback (nothing real is called).',
        `  Admin pages:   ${url}/admin   user: ${config.admin.username}   password: ${adminPassword ?? '(your ADMIN_PASSWORD_HASH)'}`,
        `  ConnectWise tickets: ${cw}${CW_TICKET_LIST_PATH}   (ticket #48112: ${cw}${CW_TICKET_PAGE_PATH}?service_recid=48112)`,
        `  Halo tickets:        ${halo}${HALO_TICKET_LIST_PATH}   (ticket #2012: ${halo}${HALO_TICKET_PAGE_PATH}?id=2012)`,
        `  Hosted "Issue TAP" page inside a ticket: ${cw}/hosted-host?id=48112&member=jsmith&url=${encodeURIComponent(hosted)}`,
        `  Halo button:  curl -X POST -H "Authorization: Bearer ${generated.HALO_BUTTON_SECRET}" -H "Content-Type: application/json" \\`,
        `                -d '{"userPrincipalName":"alice.jansen@contoso.example"}' ${url}/v1/psa/halo/tickets/2012/tap`,
        `  Admin API token: ${generated.ADMIN_API_TOKEN}`,
        `  Data: ${keptDatabase ? `${databasePath} (DATABASE_PATH, kept)` : `${databasePath} (temporary, removed at stop; set DATABASE_PATH to keep it)`}`,
        '  Onboarding tickets are picked up by the poller; Contoso, Fabrikam and Northwind are mapped, Adventure Works is suggested.',
        '',
      ].join('\n');
    };
    return {
      config,
      banner,
      prepare: seedSandboxMappings,
      stop: async () => {
        await sandbox.close();
        removeTemporary();
      },
    };
  } catch (error) {
    await sandbox.close();
    removeTemporary();
    throw error;
  }
}

/** Maps the seeded customers (both PSAs) to their tenants, with the customer's time zone and safe defaults. */
export function seedSandboxMappings(services: { mappings: Pick<MappingStore, 'upsert' | 'get'> }): void {
  const seed = defaultSeed();
  for (const m of seed.mappings) {
    if (services.mappings.get(m.psa, m.companyId)) continue;
    const tenant = seed.entra.tenants.find((t) => t.id === m.tenantId)!;
    services.mappings.upsert(m.psa, m.companyId, {
      companyName: m.companyName,
      tenantId: m.tenantId,
      tenantDomain: tenant.domains[0] ?? null,
      tenantName: tenant.displayName,
      timeZone: m.timeZone,
      activationHour: 8,
      defaultLifetimeMinutes: null,
      usableOnce: false,
      allowPrivileged: false,
      enabled: true,
    });
  }
}
