import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openStorage } from '../../src/db/index.js';
import type { MappingInput } from '../../src/db/mappings.js';
import { composeServices } from '../../src/compose.js';
import { createLogger } from '../../src/logger.js';
import type { PsaKind } from '../../src/psa/port.js';
import type { HostedMemberVerifier, Services } from '../../src/services.js';
import { FakeEntra, FakePsa } from './fakes.js';

export const TEST_SECRETS = {
  cwButton: 'cw-button-secret-0123456789abcdef',
  haloButton: 'halo-button-secret-0123456789abcdef',
  adminToken: 'admin-api-token-0123456789abcdef',
  sealKey: Buffer.alloc(32, 7).toString('base64'),
  entraSecret: 'entra-client-secret-value',
};

export const TEST_ENV: Record<string, string> = {
  DATABASE_PATH: ':memory:',
  LOG_LEVEL: 'debug',
  TAP_SEAL_KEY: TEST_SECRETS.sealKey,
  ADMIN_API_TOKEN: TEST_SECRETS.adminToken,
  ENTRA_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  ENTRA_CLIENT_SECRET: TEST_SECRETS.entraSecret,
  CW_SITE: 'https://api-na.myconnectwise.net',
  CW_COMPANY_ID: 'msp',
  CW_PUBLIC_KEY: 'pubkey',
  CW_PRIVATE_KEY: 'privkey',
  CW_CLIENT_ID: '99999999-8888-7777-6666-555555555555',
  CW_BUTTON_SECRET: TEST_SECRETS.cwButton,
  CW_UPN_FIELD: 'New user UPN',
  CW_START_DATE_FIELD: 'Start date',
  HALO_BASE_URL: 'https://halo.example.test',
  HALO_CLIENT_ID: 'halo-client',
  HALO_CLIENT_SECRET: 'halo-secret',
  HALO_NOTE_OUTCOME_ID: '7',
  HALO_BUTTON_SECRET: TEST_SECRETS.haloButton,
  HALO_UPN_FIELD: 'CFNewUserUPN',
};

export const CONTOSO = '0b6f5a10-1111-4c2a-9d3e-000000000001';
export const FABRIKAM = '0b6f5a10-2222-4c2a-9d3e-000000000002';

export interface TestHarness {
  services: Services;
  app: ReturnType<typeof createApp>;
  entra: FakeEntra;
  psa: Record<PsaKind, FakePsa>;
  logs: string[];
  clock: { now: Date };
  config: Config;
  map(psa: PsaKind, companyId: string, input?: Partial<MappingInput>): void;
}

/** A Services bag with the real storage, outbox and use cases, and fakes only at the network edges. */
export function buildHarness(opts: { env?: Record<string, string | undefined>; now?: Date; databasePath?: string; connectwiseMembers?: HostedMemberVerifier } = {}): TestHarness {
  const config = loadConfig({ ...TEST_ENV, ...(opts.databasePath ? { DATABASE_PATH: opts.databasePath } : {}), ...opts.env });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const storage = openStorage(config.databasePath, { logger });
  const clock = { now: opts.now ?? new Date() };
  const now = () => clock.now;
  const entra = new FakeEntra()
    .addTenant(CONTOSO, { name: 'Contoso Ltd', domain: 'contoso.example' })
    .addTenant(FABRIKAM, { name: 'Fabrikam Inc', domain: 'fabrikam.example', policy: { isUsableOnce: true } });
  entra.now = now;
  const psa = { connectwise: new FakePsa('connectwise'), halo: new FakePsa('halo') };
  const connectors = { connectwise: psa.connectwise, halo: psa.halo };
  const services = composeServices({ config, logger, storage, entra, connectors, connectwiseMembers: opts.connectwiseMembers, now });
  return {
    services,
    app: createApp(services),
    entra,
    psa,
    logs,
    clock,
    config,
    map(psaKind, companyId, input = {}) {
      services.mappings.upsert(psaKind, companyId, {
        companyName: `Company ${companyId}`,
        tenantId: CONTOSO,
        timeZone: 'Europe/Amsterdam',
        activationHour: 8,
        defaultLifetimeMinutes: null,
        usableOnce: false,
        allowPrivileged: false,
        enabled: true,
        ...input,
      });
    },
  };
}
