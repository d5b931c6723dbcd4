import type { Config } from './config/index.js';
import type { HealthRegistry } from './health.js';

/**
 * What this configuration can do, in words an admin acts on: each piece enabled or missing, and why a missing piece
 * matters. Printed once at start-up (main.ts) and read by /readyz: a PSA that is configured but cannot issue a pass
 * (no Entra app) makes the connector "not ready", because every press and every onboarding ticket would be refused.
 */
export interface SetupItem {
  name: string;
  ok: boolean;
  /** What is on ("https://api-na.myconnectwise.net") or what is missing and why it matters. */
  detail: string;
}

export interface SetupStatus {
  items: SetupItem[];
  /** True when every configured PSA can issue a pass. */
  canIssue: boolean;
  /** Why not, one sentence each (empty when canIssue). */
  blockers: string[];
}

export function describeSetup(config: Config, opts: { mappedCompanies?: number } = {}): SetupStatus {
  const items: SetupItem[] = [];
  const blockers: string[] = [];
  const cw = config.connectwise;
  const halo = config.halo;

  if (cw) {
    items.push({ name: 'ConnectWise PSA', ok: true, detail: cw.site });
    items.push(
      cw.buttonSecret
        ? { name: 'ConnectWise button API', ok: true, detail: 'CW_BUTTON_SECRET set (workflows and scripts can press the button)' }
        : { name: 'ConnectWise button API', ok: false, detail: 'CW_BUTTON_SECRET not set — workflows and scripts cannot press the button; the hosted page still works' },
    );
    items.push(
      cw.onboarding
        ? { name: 'ConnectWise onboarding poller', ok: true, detail: `board "${cw.onboarding.board}", status "${cw.onboarding.status}"` }
        : { name: 'ConnectWise onboarding poller', ok: false, detail: 'CW_ONBOARDING_BOARD / CW_ONBOARDING_STATUS not set — onboarding tickets are not picked up by themselves' },
    );
  }
  if (halo) {
    items.push({ name: 'HaloPSA', ok: true, detail: halo.baseUrl });
    items.push(
      halo.buttonSecret
        ? { name: 'Halo runbook button', ok: true, detail: 'HALO_BUTTON_SECRET set' }
        : { name: 'Halo runbook button', ok: false, detail: 'HALO_BUTTON_SECRET not set — the "Issue TAP" runbook button cannot reach the connector' },
    );
    items.push(
      halo.onboarding
        ? { name: 'Halo onboarding poller', ok: true, detail: `request type ${halo.onboarding.requestTypeId}` }
        : { name: 'Halo onboarding poller', ok: false, detail: 'HALO_ONBOARDING_REQUESTTYPE_ID not set — onboarding tickets are not picked up by themselves' },
    );
  }
  if (!cw && !halo) {
    items.push({ name: 'PSA', ok: false, detail: 'neither ConnectWise (CW_*) nor HaloPSA (HALO_*) is configured — nothing can ask for a pass' });
  }

  if (config.entra) {
    items.push({ name: 'Microsoft Entra app', ok: true, detail: `client id ${config.entra.clientId} (${config.entra.credential.kind})` });
    items.push(
      config.entra.partnerTenantId
        ? { name: 'Partner tenant (GDAP suggestions)', ok: true, detail: config.entra.partnerTenantId }
        : { name: 'Partner tenant (GDAP suggestions)', ok: false, detail: 'ENTRA_PARTNER_TENANT_ID not set — Suggestions cannot propose your GDAP customers' },
    );
  } else {
    items.push({ name: 'Microsoft Entra app', ok: false, detail: 'ENTRA_CLIENT_ID and a secret or certificate not set — no pass can be issued' });
    if (cw || halo) blockers.push('a PSA is configured but the Entra app is not (set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET or a certificate), so every request would be refused');
  }

  items.push(
    config.admin.passwordHash
      ? { name: 'Admin pages', ok: true, detail: `sign in as "${config.admin.username}"` }
      : { name: 'Admin pages', ok: false, detail: 'ADMIN_PASSWORD_HASH not set — nobody can sign in to map companies (npm run admin:hash-password)' },
  );
  items.push(
    config.admin.apiToken
      ? { name: 'Mappings API', ok: true, detail: 'ADMIN_API_TOKEN set' }
      : { name: 'Mappings API', ok: false, detail: 'ADMIN_API_TOKEN not set — /v1/mappings is closed (the admin pages still work)' },
  );
  if (opts.mappedCompanies !== undefined && (cw || halo)) {
    items.push(
      opts.mappedCompanies > 0
        ? { name: 'Mapped companies', ok: true, detail: String(opts.mappedCompanies) }
        : { name: 'Mapped companies', ok: false, detail: 'none yet — every request is refused until a company is mapped to its tenant (admin Companies page)' },
    );
  }
  return { items, canIssue: blockers.length === 0, blockers };
}

/** The start-up summary: one line per item, ✔ or ✘, then whether passes can be issued and where to check further. */
export function formatSetupSummary(status: SetupStatus, url: string, opts: { sandbox?: boolean } = {}): string {
  const width = Math.max(...status.items.map((i) => i.name.length));
  return [
    '',
    `psa-tap-connector is listening on ${url}`,
    ...status.items.map((i) => `  ${i.ok ? '✔' : '✘'} ${i.name.padEnd(width)}  ${i.detail}`),
    status.canIssue ? '  Passes can be issued.' : `  NOT READY: ${status.blockers.join('; ')}.`,
    opts.sandbox
      ? '  All simulated. For a real PSA and tenant, follow the README from "Your own ConnectWise or Halo", then run `npm run doctor`.'
      : '  Run `npm run doctor` to check each setting against the real services.',
    '',
  ].join('\n');
}

/**
 * Resolves once every background worker has finished its first cycle (or `timeoutMs` passed), so what is printed next
 * comes after their start-up log lines instead of between them.
 */
export async function logsSettled(health: HealthRegistry, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const settled = () => Object.values(health.snapshot()).every((w) => !w.running || w.lastSuccessAt !== undefined || w.lastErrorAt !== undefined);
  while (!settled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // The last cycle's own log lines are written just after it reports.
  await new Promise((r) => setTimeout(r, 100));
}
