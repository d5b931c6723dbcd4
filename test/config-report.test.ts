import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { TEST_ENV } from './helpers/services.js';

/** Start-up reports every configuration problem in one round, malformed URLs named like any other setting. */

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const without = (...names: string[]) => Object.fromEntries(Object.entries(TEST_ENV).filter(([k]) => !names.includes(k)));

describe('configuration problems, all in one round', () => {
  it('names a malformed URL instead of failing with "Invalid URL", together with every other problem', () => {
    const problems = problemsOf({ ...without('TAP_SEAL_KEY'), HALO_BASE_URL: 'x', GRAPH_BASE_URL: 'not a url', ENTRA_AUTHORITY_HOST: 'https://' });
    expect(problems).toEqual(
      expect.arrayContaining([
        'HALO_BASE_URL: expected an absolute URL such as https://example.com (got "x")',
        'GRAPH_BASE_URL: expected an absolute URL such as https://example.com (got "not a url")',
        expect.stringMatching(/^ENTRA_AUTHORITY_HOST: expected an absolute URL/),
        expect.stringMatching(/^TAP_SEAL_KEY: required when a PSA is configured/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('reports a bad ConnectWise key and the missing TAP_SEAL_KEY at once, each variable once', () => {
    const problems = problemsOf({ ...without('TAP_SEAL_KEY'), CW_CLIENT_ID: 'not-a-guid' });
    expect(problems).toEqual([expect.stringMatching(/^CW_CLIENT_ID: expected the clientId GUID/), expect.stringMatching(/^TAP_SEAL_KEY: required/)]);
  });

  it('still names the missing variables of a half-configured PSA next to a malformed one', () => {
    const problems = problemsOf({ ...without('CW_PUBLIC_KEY'), CW_SITE: 'https://exa mple.com' });
    expect(problems).toEqual([expect.stringMatching(/^CW_SITE: expected an absolute URL/), 'CW_PUBLIC_KEY: required to enable ConnectWise (not set)']);
  });
});

describe('CW_SITE as ConnectWise shows it', () => {
  it('takes a bare host as https', () => {
    expect(loadConfig({ ...TEST_ENV, CW_SITE: 'api-na.myconnectwise.net' }).connectwise?.site).toBe('https://api-na.myconnectwise.net');
    expect(loadConfig({ ...TEST_ENV, CW_SITE: 'api-eu.myconnectwise.net/' }).connectwise?.site).toBe('https://api-eu.myconnectwise.net');
  });

  it('still refuses plain http to a host that is not loopback', () => {
    expect(problemsOf({ ...TEST_ENV, CW_SITE: 'http://api-na.myconnectwise.net' })).toEqual(['CW_SITE: expected an https:// URL (http:// only on loopback) (got "http://api-na.myconnectwise.net")']);
  });
});
