import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { TEST_ENV } from '../helpers/services.js';

/**
 * Button secrets and the admin API token are always checked and never locked out (only failures are slowed), which is
 * safe only because they cannot be guessed: start-up refuses any shorter than 24 characters.
 */
describe('secrets that are verified without a lockout are long enough not to be guessed', () => {
  for (const name of ['CW_BUTTON_SECRET', 'HALO_BUTTON_SECRET', 'ADMIN_API_TOKEN']) {
    it(`${name}: 23 characters are refused at start-up, 24 accepted`, () => {
      let problems: string[] = [];
      try {
        loadConfig({ ...TEST_ENV, [name]: 'x'.repeat(23) });
      } catch (error) {
        problems = (error as ConfigError).problems;
      }
      expect(problems.some((p) => p.startsWith(`${name}:`) && p.includes('24'))).toBe(true);
      expect(problems.join('\n')).not.toContain('x'.repeat(23)); // the value itself is never echoed
      expect(() => loadConfig({ ...TEST_ENV, [name]: 'x'.repeat(24) })).not.toThrow();
    });
  }
});
