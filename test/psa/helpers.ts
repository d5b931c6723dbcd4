import { Writable } from 'node:stream';
import nock from 'nock';
import { afterEach, beforeAll, afterAll } from 'vitest';
import type { ConnectWiseConfig, HaloConfig } from '../../src/config/index.js';
import { createLogger, type Logger } from '../../src/logger.js';

/** Blocks real network for the file and clears interceptors after each test, failing it if one was left unused. */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    if (pending.length > 0) throw new Error(`Expected requests were not made: ${pending.join(', ')}`);
  });
  afterAll(() => nock.enableNetConnect());
}

/** A real pino logger whose JSON lines are kept, so tests can scan them for secrets. */
export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** A `sleep` that returns at once and remembers how long it was asked to wait. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

export const CW_SITE = 'https://api-na.myconnectwise.net';
export const CW_PRIVATE_KEY = 'privKEY-s3cret-9f8e';
export const CW_PUBLIC_KEY = 'pubKEY-4a5b';

export function cwConfig(overrides: Partial<ConnectWiseConfig> = {}): ConnectWiseConfig {
  return {
    site: CW_SITE,
    companyId: 'contoso',
    publicKey: CW_PUBLIC_KEY,
    privateKey: CW_PRIVATE_KEY,
    clientId: '0b3c1f7e-2a6d-4c1b-9e8f-112233445566',
    codebase: undefined,
    apiVersion: '2025.1',
    buttonSecret: undefined,
    upnField: undefined,
    startDateField: undefined,
    hostedFrameAncestors: [],
    onboarding: undefined,
    doneStatus: undefined,
    cancelledStatus: undefined,
    enrolledStatus: undefined,
    maxRequestsPerMinute: 600,
    ...overrides,
  };
}

export const HALO_BASE = 'https://acme.halopsa.com';
export const HALO_SECRET = 'halo-client-s3cret-77';

export function haloConfig(overrides: Partial<HaloConfig> = {}): HaloConfig {
  return {
    baseUrl: HALO_BASE,
    authUrl: `${HALO_BASE}/auth`,
    tenant: undefined,
    clientId: 'connector-app',
    clientSecret: HALO_SECRET,
    scope: 'edit:tickets read:customers',
    noteOutcomeId: 7,
    buttonSecret: undefined,
    upnField: undefined,
    startDateField: undefined,
    onboarding: undefined,
    doneStatusId: undefined,
    cancelledStatusId: undefined,
    enrolledStatusId: undefined,
    maxRequestsPerMinute: 100,
    ...overrides,
  };
}

/** Rejections as values, so a test can assert on code and detail together. */
export async function failure(promise: Promise<unknown>): Promise<{ code?: string; detail?: string; extra?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; detail?: string; extra?: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}
