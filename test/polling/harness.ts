import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openStorage } from '../../src/db/index.js';
import { createIssuanceLog } from '../../src/db/issuances.js';
import { createMappingStore } from '../../src/db/mappings.js';
import { createNoteOutbox } from '../../src/delivery/outbox.js';
import { createHealthRegistry } from '../../src/health.js';
import { createLogger } from '../../src/logger.js';
import { createOnboardingPoller, createOnboardingScheduler, createPollingStore, type startOnboardingWorkers } from '../../src/polling/index.js';
import { fieldSettings, type OnboardingDeps } from '../../src/polling/deps.js';
import { createTicketFollower } from '../../src/lifecycle/follow-ticket.js';
import type { PsaKind } from '../../src/psa/port.js';
import { createTicketIssuance } from '../../src/tap/ticket-issuance.js';
import { createPassLedger } from '../../src/lifecycle/passes.js';
import { FakeDirectory, FakeOnboardingPsa } from './fakes.js';

export const CONTOSO = '0b6f5a10-1111-4c2a-9d3e-000000000001';
export const FABRIKAM = '0b6f5a10-2222-4c2a-9d3e-000000000002';
/** A tenant a company is mapped to (Contoso unless a test names another). */
export interface MappedTenant {
  id: string;
  domain: string;
  name: string;
}

const BASE_ENV: Record<string, string> = {
  DATABASE_PATH: ':memory:',
  LOG_LEVEL: 'info',
  TAP_SEAL_KEY: Buffer.alloc(32, 9).toString('base64'),
  ENTRA_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  ENTRA_CLIENT_SECRET: 'entra-secret-for-tests',
  CW_SITE: 'https://api-na.myconnectwise.net',
  CW_COMPANY_ID: 'msp',
  CW_PUBLIC_KEY: 'pub',
  CW_PRIVATE_KEY: 'priv',
  CW_CLIENT_ID: '99999999-8888-7777-6666-555555555555',
  CW_UPN_FIELD: 'New user UPN',
  CW_START_DATE_FIELD: 'Start date',
  CW_ONBOARDING_BOARD: 'Onboarding',
  CW_ONBOARDING_STATUS: 'New',
  CW_DONE_STATUS: 'Pass issued',
  HALO_BASE_URL: 'https://halo.example.test',
  HALO_CLIENT_ID: 'halo-client',
  HALO_CLIENT_SECRET: 'halo-secret',
  HALO_NOTE_OUTCOME_ID: '7',
  HALO_UPN_FIELD: 'CFNewUserUPN',
  HALO_START_DATE_FIELD: 'CFStartDate',
  HALO_ONBOARDING_REQUESTTYPE_ID: '12',
  HALO_DONE_STATUS_ID: '9',
  POLL_INTERVAL_SECONDS: '120',
  ISSUE_LEAD_DAYS: '3',
  DATE_ORDER: 'DMY',
};

export interface HarnessOptions {
  /** A fixed instant the harness clock starts at; omit to follow `Date` (vitest fake timers). */
  now?: Date;
  env?: Record<string, string>;
  pageSize?: number;
}

/** Real SQLite, outbox and ticket issuance; fakes only at the PSA and Graph edges. */
export function buildHarness(opts: HarnessOptions = {}) {
  let fixed = opts.now?.getTime();
  const now = () => new Date(fixed ?? Date.now());
  const logs: string[] = [];
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _e, cb) => (logs.push(String(chunk)), cb()) }) });
  const config: Config = loadConfig({ ...BASE_ENV, ...opts.env });
  const storage = openStorage(':memory:');
  const entra = new FakeDirectory(now).addTenant(CONTOSO, 'contoso.example');
  const psa = {
    connectwise: new FakeOnboardingPsa('connectwise', 'cursor', opts.pageSize),
    halo: new FakeOnboardingPsa('halo', 'open-list', opts.pageSize),
  };
  psa.connectwise.doneStatus = config.connectwise?.doneStatus;
  psa.halo.doneStatus = config.halo?.doneStatusId?.toString();
  const connectors = { connectwise: psa.connectwise, halo: psa.halo };
  const mappings = createMappingStore(storage.db);
  const issuances = createIssuanceLog(storage.db);
  const outbox = createNoteOutbox({ db: storage.db, sealKey: config.sealKey!, connectors, entra, logger, now });
  const passes = createPassLedger(storage.db, now);
  const tickets = createTicketIssuance({
    config,
    connectors,
    mappings,
    issuances,
    entra,
    outbox,
    passes,
    logger,
    transaction: (fn) => storage.sqlite.transaction(fn)(),
    now,
  });
  const store = createPollingStore(storage.db);
  const deps: OnboardingDeps = { store, tickets, passes, mappings, config, logger, now };
  // The slice of Services the workers read (src/services.ts), built here around the fakes.
  const services: Parameters<typeof startOnboardingWorkers>[0] = { config, logger, storage, mappings, entra, connectors, tickets, passes, outbox, health: createHealthRegistry(), now };
  const follower = () =>
    createTicketFollower({
      config,
      entra,
      passes,
      store,
      mappings,
      outbox,
      logger,
      transaction: (fn) => storage.sqlite.transaction(fn)(),
      now,
      fieldSettings: (psa) => fieldSettings(config, psa),
    });

  return {
    config,
    storage,
    entra,
    psa,
    mappings,
    issuances,
    store,
    passes,
    deps,
    services,
    outbox,
    logs,
    now,
    poller: createOnboardingPoller({ ...deps, connectors, follower: follower() }),
    /** A poller built afresh on the same database: what a restart looks like. */
    newPoller: () => createOnboardingPoller({ ...deps, connectors, follower: follower() }),
    scheduler: createOnboardingScheduler(deps, { random: () => 0.5 }),
    setNow(at: Date | string) {
      fixed = new Date(at).getTime();
    },
    map(kind: PsaKind, companyId: string, rule: { timeZone?: string; activationHour?: number; enabled?: boolean; companyName?: string; tenant?: MappedTenant } = {}) {
      const tenant = rule.tenant ?? { id: CONTOSO, domain: 'contoso.example', name: 'Contoso' };
      mappings.upsert(kind, companyId, {
        companyName: rule.companyName ?? `Company ${companyId}`,
        tenantId: tenant.id,
        tenantDomain: tenant.domain,
        tenantName: tenant.name,
        timeZone: rule.timeZone ?? 'Europe/Amsterdam',
        activationHour: rule.activationHour ?? 8,
        defaultLifetimeMinutes: 480,
        usableOnce: false,
        allowPrivileged: false,
        enabled: rule.enabled ?? true,
      });
    },
    /** Parsed summary lines ("onboarding poll cycle"). */
    cycleLines(kind?: PsaKind): Record<string, unknown>[] {
      return logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'onboarding poll cycle' && (!kind || l.psa === kind));
    },
    ledger: (kind: PsaKind, ticketId: string) => store.ledger(kind, ticketId),
  };
}

export type Harness = ReturnType<typeof buildHarness>;
