import type { Config } from '../config/index.js';
import type { Logger } from '../logger.js';
import { createConnectWiseConnector } from './connectwise/index.js';
import { createHaloConnector } from './halo/index.js';
import type { TransportOverrides } from './http.js';
import type { PsaConnector, PsaKind } from './port.js';

/** The PSAs this install talks to, by kind; a PSA whose settings are absent is simply not there. */
export type PsaConnectors = Partial<Record<PsaKind, PsaConnector>>;

export function createPsaConnectors(
  config: Pick<Config, 'connectwise' | 'halo'>,
  logger: Logger,
  overrides: TransportOverrides = {},
): PsaConnectors {
  const connectors: PsaConnectors = {};
  if (config.connectwise) connectors.connectwise = createConnectWiseConnector({ config: config.connectwise, logger, ...overrides });
  if (config.halo) connectors.halo = createHaloConnector({ config: config.halo, logger, ...overrides });
  return connectors;
}
