import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { TEST_ENV } from '../helpers/services.js';

/** Issue 12's settings: the follow-up interval, the cancelled and enrolled statuses per PSA. */
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('pass lifecycle settings', () => {
  it('follow-up every 900 s by default, no cancelled or enrolled status unless set', () => {
    const config = loadConfig(TEST_ENV);
    expect(config.polling.followUpIntervalSeconds).toBe(900);
    expect(config.connectwise).toMatchObject({ cancelledStatus: undefined, enrolledStatus: undefined });
    expect(config.halo).toMatchObject({ cancelledStatusId: undefined, enrolledStatusId: undefined });
  });

  it('reads CW statuses as names or ids and Halo statuses as ids', () => {
    const config = loadConfig({ ...TEST_ENV, FOLLOW_UP_INTERVAL_SECONDS: '1', CW_CANCELLED_STATUS: 'Cancelled', CW_ENROLLED_STATUS: '42', HALO_CANCELLED_STATUS_ID: '13', HALO_ENROLLED_STATUS_ID: '14' });
    expect(config.polling.followUpIntervalSeconds).toBe(1);
    expect(config.connectwise).toMatchObject({ cancelledStatus: 'Cancelled', enrolledStatus: '42' });
    expect(config.halo).toMatchObject({ cancelledStatusId: 13, enrolledStatusId: 14 });
  });

  it('refuses a follow-up interval under 1 second and a Halo status that is not an id', () => {
    expect(problems({ ...TEST_ENV, FOLLOW_UP_INTERVAL_SECONDS: '0' }).some((p) => p.startsWith('FOLLOW_UP_INTERVAL_SECONDS'))).toBe(true);
    expect(problems({ ...TEST_ENV, HALO_CANCELLED_STATUS_ID: 'Cancelled' }).some((p) => p.startsWith('HALO_CANCELLED_STATUS_ID'))).toBe(true);
  });
});
