import type { ConnectWiseSeed } from './connectwise/state.js';
import type { EntraSeed } from './entra/state.js';
import type { HaloSeed } from './halo/state.js';
import { defaultDirectory, TENANT_IDS } from './seed-directory.js';
import { CW_COMPANY_IDS, defaultConnectWise, defaultHalo, HALO_CLIENT_IDS, PSA_SETTINGS, seedClock } from './seed-psa.js';

export { ENTRA_APP, TENANT_IDS } from './seed-directory.js';
export { CW_COMPANY_IDS, HALO_CLIENT_IDS, PSA_SETTINGS } from './seed-psa.js';

/** A PSA company the demo maps to a tenant (unmapped companies are simply absent). */
export interface SandboxMapping {
  psa: 'connectwise' | 'halo';
  companyId: string;
  companyName: string;
  tenantId: string;
  timeZone: string;
}

/** Everything the three simulated services start with. Plain data: tests may copy and change it before starting. */
export interface SandboxSeed {
  /** The moment relative dates (start dates, lastUpdated) were computed from. */
  now: Date;
  entra: EntraSeed;
  connectwise: ConnectWiseSeed;
  halo: HaloSeed;
  /** Suggested mappings for demo mode: Contoso, Fabrikam and Northwind in both PSAs. */
  mappings: SandboxMapping[];
}

/**
 * The default world: an MSP (Tailspin, partner tenant) with three customer tenants — Contoso (Europe/Amsterdam,
 * portal-default policy 60–480), Fabrikam (America/New_York, one-time passes forced, 60–1440), Northwind (TAP
 * disabled) — the same customers in ConnectWise (120 companies) and Halo (120 clients), and onboarding tickets
 * whose start dates are 1, 2 and 21 days after `now` in each customer's own time zone.
 */
export function defaultSeed(opts: { now?: Date } = {}): SandboxSeed {
  const clock = seedClock(opts.now ?? new Date());
  const entra = defaultDirectory();
  const zone = (tenantId: string) => entra.tenants.find((t) => t.id === tenantId)!.timeZone;
  const customers = [
    { tenantId: TENANT_IDS.contoso, cw: CW_COMPANY_IDS.contoso, halo: HALO_CLIENT_IDS.contoso, name: 'Contoso Ltd' },
    { tenantId: TENANT_IDS.fabrikam, cw: CW_COMPANY_IDS.fabrikam, halo: HALO_CLIENT_IDS.fabrikam, name: 'Fabrikam Inc' },
    { tenantId: TENANT_IDS.northwind, cw: CW_COMPANY_IDS.northwind, halo: HALO_CLIENT_IDS.northwind, name: 'Northwind Traders' },
  ];
  return {
    now: clock.now,
    entra,
    connectwise: defaultConnectWise(clock),
    halo: defaultHalo(clock),
    mappings: customers.flatMap((c) => [
      { psa: 'connectwise' as const, companyId: String(c.cw), companyName: c.name, tenantId: c.tenantId, timeZone: zone(c.tenantId) },
      { psa: 'halo' as const, companyId: String(c.halo), companyName: c.name, tenantId: c.tenantId, timeZone: zone(c.tenantId) },
    ]),
  };
}

/** The env variables (names from src/config/) that point the connector at running sandbox servers. */
export function sandboxEnv(seed: SandboxSeed, urls: { connectwise: string; halo: string; authorityHost: string; graphBaseUrl: string }): Record<string, string> {
  const cw = seed.connectwise;
  const s = PSA_SETTINGS;
  return {
    CW_SITE: urls.connectwise,
    CW_COMPANY_ID: cw.companyId,
    CW_PUBLIC_KEY: cw.publicKey,
    CW_PRIVATE_KEY: cw.privateKey,
    CW_CLIENT_ID: cw.clientId,
    CW_API_VERSION: '2025.1',
    CW_UPN_FIELD: s.upnField,
    CW_START_DATE_FIELD: s.startDateField,
    CW_ONBOARDING_BOARD: s.cw.board,
    CW_ONBOARDING_STATUS: s.cw.status,
    CW_ONBOARDING_TYPE: s.cw.type,
    CW_DONE_STATUS: s.cw.doneStatus,
    HALO_BASE_URL: urls.halo,
    HALO_CLIENT_ID: seed.halo.clientId,
    HALO_CLIENT_SECRET: seed.halo.clientSecret,
    HALO_NOTE_OUTCOME_ID: String(s.halo.noteOutcomeId),
    HALO_UPN_FIELD: s.upnField,
    HALO_START_DATE_FIELD: s.startDateField,
    HALO_ONBOARDING_REQUESTTYPE_ID: String(s.halo.requestTypeId),
    HALO_ONBOARDING_STATUS_ID: String(s.halo.statusId),
    HALO_DONE_STATUS_ID: String(s.halo.doneStatusId),
    ENTRA_CLIENT_ID: seed.entra.app.clientId,
    ENTRA_CLIENT_SECRET: seed.entra.app.clientSecret,
    ENTRA_AUTHORITY_HOST: urls.authorityHost,
    GRAPH_BASE_URL: urls.graphBaseUrl,
    ENTRA_PARTNER_TENANT_ID: seed.entra.partnerTenantId,
  };
}

