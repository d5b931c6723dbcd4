import type { Config } from './config/index.js';
import type { PsaKind } from './domain.js';
import type { Storage } from './db/index.js';
import type { IssuanceLog } from './db/issuances.js';
import type { MappingStore } from './db/mappings.js';
import type { NoteOutbox } from './delivery/outbox.js';
import type { EntraDirectory } from './entra/port.js';
import type { HealthRegistry } from './health.js';
import type { Logger } from './logger.js';
import type { HostedMemberVerifier, PsaConnector } from './psa/port.js';
import type { TicketIssuance } from './tap/ticket-issuance.js';
import type { PassLedger } from './lifecycle/passes.js';
import type { PassRevocation } from './lifecycle/revoke.js';

// The hosted member check is a port of its own (src/psa/port.ts); re-exported for the HTTP layer and tests.
export type { HostedMemberClaim, HostedMemberVerifier, VerifiedHostedMember } from './psa/port.js';

/** Everything the HTTP layer and the workers need, built once in main.ts (or a test) and passed in. No singletons. */
export interface Services {
  config: Config;
  logger: Logger;
  storage: Storage;
  mappings: MappingStore;
  issuances: IssuanceLog;
  entra: EntraDirectory | undefined;
  connectors: Partial<Record<PsaKind, PsaConnector>>;
  outbox: NoteOutbox;
  tickets: TicketIssuance;
  /** Which passes this connector issued are still live; lifecycle events in the audit trail; note de-duplication. */
  passes: PassLedger;
  /** Revoke a ticket's live passes (button API DELETE / POST …/tap/revoke, hosted page "Revoke pass"). */
  revocations: PassRevocation;
  /** Verifies a ConnectWise Hosted API member against the CW API (the hosted page never trusts the browser's claim). */
  connectwiseMembers: HostedMemberVerifier | undefined;
  health: HealthRegistry;
  now: () => Date;
}
