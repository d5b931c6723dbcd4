import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { composeServices } from '../../src/compose.js';
import { createApp } from '../../src/app.js';
import { loadConfig, ONBOARDING_VARIABLES, type Config } from '../../src/config/index.js';
import type { PsaKind } from '../../src/domain.js';
import { buildEdges } from '../../src/edges.js';
import { createLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { seedSandboxMappings } from '../../src/sandbox/mode.js';
import type { Services } from '../../src/services.js';

export const BUTTON_SECRETS = { connectwise: 'fault-suite-cw-button-secret-0123', halo: 'fault-suite-halo-button-secret-0123' } as const;


/** The connector's environment pointing at a running sandbox, with its own database file and secrets. */
export function connectorConfig(sb: Sandbox, dir: string, extra: Record<string, string> = {}, sealKey = randomBytes(32).toString('base64')): Config {
  const env: Record<string, string> = { ...sb.env };
  // Without the onboarding settings, so only the requests a test makes issue passes.
  for (const name of ONBOARDING_VARIABLES) delete env[name];
  const config = loadConfig({
    ...env,
    DATABASE_PATH: join(dir, 'connector.sqlite'),
    TAP_SEAL_KEY: sealKey,
    CW_BUTTON_SECRET: BUTTON_SECRETS.connectwise,
    HALO_BUTTON_SECRET: BUTTON_SECRETS.halo,
    ADMIN_API_TOKEN: 'fault-suite-admin-token-0123456789',
    LOG_LEVEL: 'debug',
    ...extra,
    // The sandbox CA is trusted for the connector's Entra/Graph clients only, as sandbox mode does (src/sandbox/mode.ts).
  }, { trustedCaPem: sb.entra.caPem, port: 0 });
  return config;
}

export function logCollector(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, destination };
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'tap-faults-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface FaultRig {
  sb: Sandbox;
  services: Services;
  app: ReturnType<typeof createApp>;
  config: Config;
  logs: string[];
  /** Every wait the connector asked for (retries, Retry-After), in order; nothing actually sleeps. */
  waits: number[];
  /** The connector's clock: real time plus `advance()`. */
  advance(minutes: number): void;
  now(): Date;
  dbPath: string;
  close(): void;
}

/**
 * The production composition (as src/server.ts builds it) against the sandbox servers, with the waits and the clock
 * injected: retries record how long they would wait instead of waiting, so a Retry-After of 30 s costs nothing.
 */
export function buildRig(sb: Sandbox, dir: string, extraEnv: Record<string, string> = {}, sealKey?: string): FaultRig {
  const config = connectorConfig(sb, dir, extraEnv, sealKey);
  const { lines, destination } = logCollector();
  const logger = createLogger({ level: 'debug', destination });
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  const edges = buildEdges(config, logger, { sleep, now });
  const { storage } = edges;
  const services: Services = composeServices(edges);
  seedSandboxMappings(services);
  return {
    sb,
    services,
    app: createApp(services),
    config,
    logs: lines,
    waits,
    advance: (minutes) => {
      offsetMs += minutes * 60_000;
    },
    now,
    dbPath: config.databasePath,
    close: () => storage.close(),
  };
}

/**
 * The scaffolding of a test file that drives the connector against the sandbox: one sandbox for the file (handed to
 * `started`), and `open(env)` builds one test's rig with a database folder of its own. After each test the rig is
 * closed, its folder removed, and the sandbox's faults and passes reset.
 */
export function sandboxRigs(started: (sb: Sandbox) => void): { open(extraEnv?: Record<string, string>): FaultRig } {
  let sb: Sandbox | undefined;
  let current: { rig: FaultRig; dir: ReturnType<typeof tempDir> } | undefined;
  beforeAll(async () => {
    sb = await startSandbox();
    started(sb);
  });
  afterAll(() => sb?.close());
  afterEach(() => {
    current?.rig.close();
    current?.dir.remove();
    current = undefined;
    if (sb) resetFaults(sb);
  });
  return {
    open(extraEnv = {}) {
      if (!sb) throw new Error('the sandbox starts in beforeAll');
      const dir = tempDir();
      current = { rig: buildRig(sb, dir.path, extraEnv), dir };
      return current.rig;
    },
  };
}

/**
 * Between tests: no injected faults, and no user holds a pass from an earlier test. Each test is a new connector with
 * its own database, but the sandbox's directory lives on, and one pass per user would refuse a second (409).
 */
export function resetFaults(sb: Sandbox): void {
  for (const server of [sb.connectwise, sb.halo, sb.entra]) server.faults.reset();
  for (const tap of sb.entra.state.tapsCreated) sb.entra.state.deleteTap(tap.tenantId, tap.userId);
}

let nextTicketId = 70_000;
/** A new ticket for a Contoso user (ConnectWise company 250, Halo client 12) naming the user in the UPN field. */
export function newTicket(sb: Sandbox, psa: PsaKind, userPrincipalName: string): string {
  const id = nextTicketId++;
  const lastUpdated = new Date().toISOString();
  if (psa === 'connectwise') {
    sb.connectwise.state.addTicket({ id, summary: `Reset MFA for ${userPrincipalName}`, boardId: 1, statusId: 1, typeId: 10, companyId: 250, description: 'Lost phone.', customFields: { 'New user UPN': userPrincipalName }, lastUpdated });
  } else {
    sb.halo.state.addTicket({ id, summary: `Reset MFA for ${userPrincipalName}`, details: '<p>Lost phone.</p>', client_id: 12, status_id: 1, tickettype_id: 3, dateoccurred: lastUpdated, lastactiondate: lastUpdated, customFields: { CFNewUserUPN: userPrincipalName } });
  }
  return String(id);
}
