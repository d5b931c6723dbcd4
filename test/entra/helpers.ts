import nock from 'nock';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Config } from '../../src/config/index.js';
import { AppError, type ErrorCode } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { createEntraDirectory, type EntraDirectoryOptions } from '../../src/entra/index.js';
import type { TokenProvider } from '../../src/entra/token-provider.js';

export const TENANT_A = '11111111-1111-4111-8111-111111111111';
export const TENANT_B = '22222222-2222-4222-8222-222222222222';
export const PARTNER_TENANT = '99999999-9999-4999-8999-999999999999';
export const CLIENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
export const CLIENT_SECRET = 'test-client-secret-value~do-not-log';
export const LOGIN = 'https://login.microsoftonline.com';
/** A non-Microsoft https Graph base, as in sandbox mode. */
export const GRAPH = 'https://graph.sandbox.test';
export const V1 = '/v1.0';

/** nock blocks every real connection in the file and is reset after each test. */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());
}

export function entraConfig(overrides: Partial<NonNullable<Config['entra']>> = {}): NonNullable<Config['entra']> {
  return {
    clientId: CLIENT_ID,
    credential: { kind: 'secret', clientSecret: CLIENT_SECRET },
    authorityHost: LOGIN,
    graphBaseUrl: GRAPH,
    partnerTenantId: undefined,
    pimUnlicensed: 'no-eligible-roles',
    ...overrides,
  };
}

export function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** Hands out `token-for-<tenant>` and counts requests, so Graph tests need no token endpoint. */
export function fakeTokens(): TokenProvider & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async getToken(tenantId) {
      calls.push(tenantId);
      return `token-for-${tenantId}`;
    },
  };
}

export function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

/** A directory over nock with a fake token provider, a recording sleep and a settable clock. */
export function directory(overrides: Partial<EntraDirectoryOptions> = {}) {
  const { logger, lines } = captureLogger();
  const { sleep, waits } = recordingSleep();
  const clock = { now: new Date('2026-11-26T10:00:00Z') };
  const tokens = fakeTokens();
  const entra = createEntraDirectory({
    config: entraConfig(),
    policyCacheSeconds: 300,
    logger,
    fetch: globalThis.fetch,
    now: () => clock.now,
    sleep,
    tokens,
    ...overrides,
  });
  return { entra, lines, waits, clock, tokens };
}

export async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

export function graphError(code: string, message: string) {
  return {
    error: { code, message, innerError: { date: '2026-11-26T10:00:00', 'request-id': 'req-123', 'client-request-id': 'creq-456' } },
  };
}
