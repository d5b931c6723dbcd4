import type { Config } from './config/index.js';
import type { PsaKind } from './domain.js';
import type { Storage } from './db/index.js';
import { createIssuanceLog } from './db/issuances.js';
import { createMappingStore } from './db/mappings.js';
import { createNoteOutbox } from './delivery/outbox.js';
import type { EntraDirectory } from './entra/port.js';
import { createHealthRegistry } from './health.js';
import type { Logger } from './logger.js';
import type { PsaConnector } from './psa/port.js';
import type { HostedMemberVerifier, Services } from './services.js';
import { createTicketIssuance } from './tap/ticket-issuance.js';
import { createPassLedger } from './lifecycle/passes.js';
import { createPassRevocation } from './lifecycle/revoke.js';
import { createPollingStore } from './polling/store.js';

/** The network edges a Services bag is built around: real adapters in main, fakes or nock-backed ones in tests. */
export interface Edges {
  config: Config;
  logger: Logger;
  storage: Storage;
  entra: EntraDirectory | undefined;
  connectors: Partial<Record<PsaKind, PsaConnector>>;
  connectwiseMembers: HostedMemberVerifier | undefined;
  now?: () => Date;
}

/** Wires the inner services (stores, outbox, use cases) once, the same way for production and tests. */
export function composeServices(edges: Edges): Services {
  const { config, logger, storage, entra, connectors } = edges;
  const now = edges.now ?? (() => new Date());
  const mappings = createMappingStore(storage.db);
  const issuances = createIssuanceLog(storage.db);
  // Without a seal key no PSA is configured (src/config/index.ts requires it), so nothing is ever sealed with the zero key.
  const outbox = createNoteOutbox({ db: storage.db, sealKey: config.sealKey ?? Buffer.alloc(32), connectors, entra, logger, now });
  const transaction = <T>(fn: () => T): T => storage.sqlite.transaction(fn)();
  const passes = createPassLedger(storage.db, now);
  const tickets = createTicketIssuance({ config, connectors, mappings, issuances, entra, outbox, passes, logger, transaction, now });
  return {
    config,
    logger,
    storage,
    mappings,
    issuances,
    entra,
    connectors,
    outbox,
    tickets,
    passes,
    revocations: createPassRevocation({ config, entra, passes, store: createPollingStore(storage.db), mappings, outbox, logger, transaction, now }),
    health: createHealthRegistry(),
    now,
    connectwiseMembers: edges.connectwiseMembers,
  };
}
