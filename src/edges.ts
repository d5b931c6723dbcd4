import type { Edges } from './compose.js';
import type { Config } from './config/index.js';
import { openStorage, type Storage } from './db/index.js';
import { createEntraDirectory } from './entra/index.js';
import type { EntraDirectory } from './entra/port.js';
import type { Logger } from './logger.js';
import { createConnectWiseMemberVerifier } from './psa/connectwise/index.js';
import type { Sleep } from './psa/http.js';
import { createPsaConnectors, type PsaConnectors } from './psa/index.js';
import type { HostedMemberVerifier } from './psa/port.js';

/**
 * What a caller may put in place of a real edge, or inject into the real ones: the fault rig records waits instead of
 * sleeping and moves the clock; unit tests hand in fakes for Entra and the PSAs.
 */
export interface EdgeOverrides {
  storage?: Storage;
  entra?: EntraDirectory;
  connectors?: PsaConnectors;
  connectwiseMembers?: HostedMemberVerifier;
  /** How every retry waits (Graph reads, PSA calls); real time by default. */
  sleep?: Sleep;
  /** The connector's clock; real time by default. */
  now?: () => Date;
}

/**
 * The network edges (Entra/Graph, the PSAs, the ConnectWise member check) and the storage they are built on, from the
 * configuration: one recipe for src/server.ts, the fault rig and the bench, so none of them wires adapters by hand.
 */
export function buildEdges(config: Readonly<Config>, logger: Logger, overrides: EdgeOverrides = {}): Edges {
  const { sleep, now } = overrides;
  const clock = now ? { now } : {};
  const entra =
    overrides.entra ??
    (config.entra
      ? createEntraDirectory({ config: config.entra, policyCacheSeconds: config.tap.policyCacheSeconds, logger, ...(sleep ? { sleep } : {}), ...clock })
      : undefined);
  const connectors =
    overrides.connectors ??
    createPsaConnectors(config, logger, { ...(sleep ? { sleep } : {}), ...(now ? { now: () => now().getTime() } : {}) });
  const connectwiseMembers =
    overrides.connectwiseMembers ??
    (config.connectwise ? createConnectWiseMemberVerifier({ config: config.connectwise, logger, ...(sleep ? { sleep } : {}) }) : undefined);
  return {
    config,
    logger,
    storage: overrides.storage ?? openStorage(config.databasePath, { logger }),
    entra,
    connectors,
    connectwiseMembers,
    ...clock,
  };
}
