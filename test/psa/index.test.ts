import { describe, expect, it } from 'vitest';
import { createPsaConnectors } from '../../src/psa/index.js';
import { captureLogger, cwConfig, haloConfig } from './helpers.js';

describe('createPsaConnectors', () => {
  const { logger } = captureLogger();

  it('builds a connector for each configured PSA only', () => {
    expect(Object.keys(createPsaConnectors({ connectwise: undefined, halo: undefined }, logger))).toEqual([]);

    const both = createPsaConnectors({ connectwise: cwConfig(), halo: haloConfig() }, logger);
    expect(both.connectwise?.kind).toBe('connectwise');
    expect(both.halo?.kind).toBe('halo');

    expect(Object.keys(createPsaConnectors({ connectwise: undefined, halo: haloConfig() }, logger))).toEqual(['halo']);
  });
});
