import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, SECRET_VARIABLES, loadConfig } from '../src/config/index.js';
import { TEST_ENV } from './helpers/services.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('starts on embedded defaults with nothing set, in sandbox mode', () => {
    const config = loadConfig({});
    expect(config.server).toMatchObject({ port: 8787, host: '127.0.0.1', publicBaseUrl: 'http://127.0.0.1:8787' });
    expect(config.databasePath).toBe('./data/psa-tap-connector.sqlite');
    expect(config.entra).toBeUndefined();
    expect(config.connectwise).toBeUndefined();
    expect(config.halo).toBeUndefined();
    expect(config.sandbox).toBe(true);
    expect(config.tap).toMatchObject({ idempotencyWindowMinutes: 10, noteDeliveryDeadlineMinutes: 120 });
    expect(config.polling).toEqual({ intervalSeconds: 120, leadDays: 3, dateOrder: 'DMY', followUpIntervalSeconds: 900 });
  });

  it('is not in sandbox mode once real settings are present, and refuses SANDBOX=1 with them', () => {
    expect(loadConfig(TEST_ENV).sandbox).toBe(false);
    expect(problemsOf({ ...TEST_ENV, SANDBOX: '1' })[0]).toMatch(/^SANDBOX: /);
  });

  it('lists every bad variable on its own line, naming what is expected', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', GRAPH_BASE_URL: 'http://graph.example.com', DATE_ORDER: 'YMD', TAP_SEAL_KEY: 'short' });
    expect(problems).toHaveLength(5);
    expect(problems.find((p) => p.startsWith('PORT:'))).toContain('"eighty"');
    expect(problems.find((p) => p.startsWith('GRAPH_BASE_URL:'))).toContain('https://');
    expect(problems.find((p) => p.startsWith('DATE_ORDER:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('TAP_SEAL_KEY:'))).toContain('base64');
  });

  it('never echoes a secret value in a problem line', () => {
    const problems = problemsOf({ ...TEST_ENV, TAP_SEAL_KEY: 'not-a-valid-key-but-secret-ish', CW_BUTTON_SECRET: 'tooshort-secret' });
    expect(problems.join('\n')).not.toContain('not-a-valid-key-but-secret-ish');
    expect(problems.join('\n')).not.toContain('tooshort-secret');
    expect(problems.some((p) => p.startsWith('CW_BUTTON_SECRET:'))).toBe(true);
  });

  it('names each missing variable of a half-configured PSA', () => {
    const { CW_PUBLIC_KEY: _a, CW_CLIENT_ID: _b, ...env } = TEST_ENV;
    const problems = problemsOf(env);
    expect(problems).toContain('CW_PUBLIC_KEY: required to enable ConnectWise (not set)');
    expect(problems).toContain('CW_CLIENT_ID: required to enable ConnectWise (not set)');
  });

  it('needs TAP_SEAL_KEY once a PSA is configured, and a credential with an Entra client id', () => {
    const { TAP_SEAL_KEY: _k, ENTRA_CLIENT_SECRET: _s, ...env } = TEST_ENV;
    const problems = problemsOf(env);
    expect(problems.some((p) => p.startsWith('TAP_SEAL_KEY: required'))).toBe(true);
    expect(problems.some((p) => p.startsWith('ENTRA_CLIENT_SECRET: set ENTRA_CLIENT_SECRET or ENTRA_CERTIFICATE_PATH'))).toBe(true);
  });

  it('builds both PSAs and derives the Halo auth URL and ConnectWise frame ancestors', () => {
    const config = loadConfig(TEST_ENV);
    expect(config.halo?.authUrl).toBe('https://halo.example.test/auth');
    expect(config.halo?.scope).toBe('edit:tickets read:customers');
    expect(config.connectwise?.apiVersion).toBe('2025.1');
    expect(config.connectwise?.hostedFrameAncestors).toEqual(['https://api-na.myconnectwise.net', 'https://na.myconnectwise.net']);
    expect(config.sealKey).toHaveLength(32);
  });

  it('accepts plain http only for loopback hosts', () => {
    expect(loadConfig({ ...TEST_ENV, HALO_BASE_URL: 'http://127.0.0.1:9000' }).halo?.baseUrl).toBe('http://127.0.0.1:9000');
    expect(problemsOf({ ...TEST_ENV, HALO_BASE_URL: 'http://halo.example.com' })[0]).toMatch(/^HALO_BASE_URL: expected an https:\/\/ URL/);
  });

  it('marks secrets once in the schema: SECRET_VARIABLES is exactly the variables that hold a secret', () => {
    expect([...SECRET_VARIABLES].sort()).toEqual([
      'ADMIN_API_TOKEN',
      'ADMIN_PASSWORD_HASH',
      'CW_BUTTON_SECRET',
      'CW_PRIVATE_KEY',
      'ENTRA_CLIENT_SECRET',
      'HALO_BUTTON_SECRET',
      'HALO_CLIENT_SECRET',
      'TAP_SEAL_KEY',
    ]);
    // A new variable whose name says it holds a secret must be marked too (CW_PUBLIC_KEY is public by design).
    const named = CONFIG_VARIABLES.filter((n) => /SECRET|PRIVATE|TOKEN|PASSWORD|SEAL_KEY/.test(n));
    for (const name of named) expect(SECRET_VARIABLES.has(name), name).toBe(true);
  });

  it('echoes no marked secret, whichever one is malformed', () => {
    const bad: Record<string, string> = {
      TAP_SEAL_KEY: 'secret-value-1-not-base64!',
      ADMIN_API_TOKEN: 'secret-value-2',
      ADMIN_PASSWORD_HASH: 'secret-value-3',
      CW_BUTTON_SECRET: 'secret-value-4',
      HALO_BUTTON_SECRET: 'secret-value-5',
    };
    const problems = problemsOf({ ...TEST_ENV, ...bad }).join('\n');
    for (const [name, value] of Object.entries(bad)) {
      expect(problems, name).toContain(`${name}:`);
      expect(problems, name).not.toContain(value);
    }
  });

  it('takes the sandbox CA and a listening port as options, not as mutations afterwards', () => {
    const config = loadConfig(TEST_ENV, { trustedCaPem: 'PEM', port: 0 });
    expect(config.entra?.trustedCaPem).toBe('PEM');
    expect(config.server.port).toBe(0);
    expect(config.sandbox).toBe(false);
    expect(loadConfig(TEST_ENV).entra?.trustedCaPem).toBeUndefined();
    const sandboxed = loadConfig(TEST_ENV, { sandbox: { caPem: 'PEM' } });
    expect(sandboxed.sandbox).toBe(true);
    expect(sandboxed.entra?.trustedCaPem).toBe('PEM');
  });
});
