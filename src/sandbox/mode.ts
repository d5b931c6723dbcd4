import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/index.js';
import type { MappingStore } from '../db/mappings.js';
import { HOSTED_PAGE_PATH } from '../http/connectwise-hosted/routes.js';
import { hashPassword } from '../http/admin/passwords.js';
import { defaultSeed, startSandbox } from './index.js';

/** Settings that belong to the simulated world; from the caller's environment only the process settings are kept. */
const KEPT_FROM_ENV = ['PORT', 'HOST', 'PUBLIC_BASE_URL', 'LOG_LEVEL', 'TRUST_PROXY', 'ADMIN_USERNAME', 'ADMIN_PASSWORD_HASH', 'ADMIN_API_TOKEN', 'POLL_INTERVAL_SECONDS', 'ISSUE_LEAD_DAYS', 'DATE_ORDER', 'DEFAULT_ACTIVATION_HOUR'];

/**
 * Demo mode (`npm start` with no real settings): starts the simulated services, and builds the connector's Config
 * pointing at them. The database is a temporary file removed at stop — the simulated world is new at every start, so
 * mappings, ledger and outbox from an earlier run would name tickets and passes that no longer exist.
 */
export async function prepareSandboxMode(env: NodeJS.ProcessEnv): Promise<{ config: Config; banner: (url: string) => string; prepare: (services: { mappings: Pick<MappingStore, 'upsert' | 'get'> }) => void; stop: () => Promise<void> }> {
  const sandbox = await startSandbox();
  const dir = mkdtempSync(join(tmpdir(), 'psa-tap-sandbox-'));
  const kept = Object.fromEntries(KEPT_FROM_ENV.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  const secret = () => randomBytes(24).toString('base64url');
  // A fresh admin password each start (printed once in the banner) unless the caller brought their own hash.
  const adminPassword = kept.ADMIN_PASSWORD_HASH ? undefined : secret();
  const generated = {
    ...(adminPassword ? { ADMIN_PASSWORD_HASH: await hashPassword(adminPassword) } : {}),
    ADMIN_API_TOKEN: (kept.ADMIN_API_TOKEN as string | undefined) ?? secret(),
    CW_BUTTON_SECRET: secret(),
    HALO_BUTTON_SECRET: secret(),
  };
  try {
    const config = loadConfig({
      ...kept,
      ...sandbox.env,
      ...generated,
      DATABASE_PATH: join(dir, 'connector.sqlite'),
      TAP_SEAL_KEY: randomBytes(32).toString('base64'),
      POLL_INTERVAL_SECONDS: (kept.POLL_INTERVAL_SECONDS as string | undefined) ?? '15',
      // The simulated Entra's CA is trusted for the connector's Entra/Graph clients only, never process-wide
      // (see src/entra/http.ts).
    }, { sandbox: { caPem: sandbox.entra.caPem } });
    const banner = (url: string) => {
      const hosted = `${url}${HOSTED_PAGE_PATH}?id=[cw_id]`;
      return [
        '',
        'Sandbox mode: simulated ConnectWise, HaloPSA and Entra/Graph on loopback (nothing real is called).',
        `  Admin pages: ${url}/admin   user: ${config.admin.username}   password: ${adminPassword ?? '(your ADMIN_PASSWORD_HASH)'}`,
        `  ConnectWise  ${sandbox.connectwise.url}   Halo ${sandbox.halo.url}   Graph ${sandbox.entra.graphBaseUrl}`,
        `  Ticket with the hosted "Issue TAP" page: ${sandbox.connectwise.url}/hosted-host?id=48112&member=jsmith&url=${encodeURIComponent(hosted)}`,
        `  Halo button:  curl -X POST -H "Authorization: Bearer ${generated.HALO_BUTTON_SECRET}" -H "Content-Type: application/json" \\`,
        `                -d '{"userPrincipalName":"alice.jansen@contoso.example"}' ${url}/v1/psa/halo/tickets/2012/tap`,
        `  Admin API token: ${generated.ADMIN_API_TOKEN}`,
        '  Onboarding tickets are picked up by the poller; Contoso, Fabrikam and Northwind are mapped.',
        '',
      ].join('\n');
    };
    return {
      config,
      banner,
      prepare: seedSandboxMappings,
      stop: async () => {
        await sandbox.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
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
