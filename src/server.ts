import { serve, type ServerType } from '@hono/node-server';
import type { DestinationStream } from 'pino';
import { createApp } from './app.js';
import { composeServices } from './compose.js';
import { startLoop, type BackgroundLoop } from './background.js';
import type { Config } from './config/index.js';
import { DatabaseLockedError, lockDatabase, type DatabaseLock } from './db/lock.js';
import { SealError } from './delivery/seal.js';
import { buildEdges } from './edges.js';
import { createLogger, errorForLog, type Logger } from './logger.js';
import { startOnboardingWorkers } from './polling/index.js';
import { createEnrolmentFollowUp } from './lifecycle/follow-up.js';
import type { Services } from './services.js';
import { pruneByRetention } from './retention.js';

export interface RunningConnector {
  services: Services;
  /** The address the HTTP server listens on, e.g. http://127.0.0.1:8787 */
  url: string;
  /** Graceful stop: no new requests, workers finish their cycle, outbox rows stay for the next start. */
  stop(): Promise<void>;
}

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

const OUTBOX_INTERVAL_MS = 5_000;

/** "listen EADDRINUSE: address already in use 127.0.0.1:8787" becomes what to do about it. */
function listenError(error: unknown, config: Config): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${config.server.host}:${config.server.port}`;
  if (code === 'EADDRINUSE') return new StartupError(`port ${config.server.port} is in use; set PORT to a free port (or stop what listens on ${where})`);
  if (code === 'EACCES') return new StartupError(`not allowed to listen on ${where}; set PORT above 1023 or run with the needed rights`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new StartupError(`HOST ${config.server.host} is not an address of this machine; set HOST (default 127.0.0.1)`);
  return error;
}

/** Builds every service once, starts the HTTP server and the background workers. Used by main.ts, e2e tests and bench. */
export interface StartOptions {
  logDestination?: DestinationStream;
  logger?: Logger;
  /** Runs once the services exist and before the server and workers start (sandbox mode seeds its mappings here). */
  prepare?: (services: Services) => void;
}

export async function startConnector(config: Config, opts: StartOptions = {}): Promise<RunningConnector> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel, ...(opts.logDestination ? { destination: opts.logDestination } : {}) });
  // One process per database: a second one would run a second outbox and poller over the same rows.
  let lock: DatabaseLock | undefined;
  try {
    lock = lockDatabase(config.databasePath);
  } catch (error) {
    if (error instanceof DatabaseLockedError) throw new StartupError(error.message);
    throw error;
  }
  let edges: ReturnType<typeof buildEdges>;
  try {
    edges = buildEdges(config, logger);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const { entra, connectors } = edges;
  // Closing the database also gives up the lock (after a start-up failure as after a graceful stop).
  const storage = {
    close: () => {
      edges.storage.close();
      lock?.release();
    },
  };
  const services = composeServices(edges);
  const { outbox, health } = services;
  try {
    if (!config.sealKey && outbox.backlog() > 0) throw new SealError('the outbox holds sealed notes but TAP_SEAL_KEY is not set');
    outbox.verifyKey();
    const resumed = outbox.resumeAfterRestart();
    if (resumed > 0) logger.info({ notes: resumed }, 'notes waiting from before the restart are due now');
  } catch (error) {
    storage.close();
    if (error instanceof SealError) throw new StartupError(`TAP_SEAL_KEY: ${error.message}. Restore the key used before, or the waiting notes cannot be delivered.`);
    throw error;
  }

  opts.prepare?.(services);
  const app = createApp(services);
  const server: ServerType = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host }, () => resolve(s));
    s.once('error', reject);
  }).catch((error: unknown) => {
    storage.close();
    throw listenError(error, config);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}`;

  const loops: BackgroundLoop[] = [];
  if (Object.keys(connectors).length > 0) {
    loops.push(
      startLoop({
        name: 'outbox',
        intervalMs: OUTBOX_INTERVAL_MS,
        jitter: 0.2,
        logger,
        health,
        run: async () => {
          const counts = await outbox.deliverDue();
          if (counts.written + counts.pending + counts.revoked + counts.failed > 0) logger.info({ ...counts, backlog: outbox.backlog() }, 'outbox cycle');
        },
      }),
    );
  }
  if (Object.keys(connectors).length > 0 && entra) {
    // Did the user enrol? Passes whose start has come are looked at every FOLLOW_UP_INTERVAL_SECONDS (issue 12).
    const followUp = createEnrolmentFollowUp({ ...services, transaction: (fn) => services.storage.sqlite.transaction(fn)() });
    loops.push(
      startLoop({
        name: 'follow-up',
        intervalMs: config.polling.followUpIntervalSeconds * 1000,
        jitter: 0.1,
        logger,
        health,
        run: async () => {
          await followUp.runDue();
        },
      }),
    );
  }
  if (config.auditRetentionDays > 0) {
    // AUDIT_RETENTION_DAYS: old audit rows and dead letters go at start and then every six hours; nothing grows for ever.
    loops.push(
      startLoop({
        name: 'audit-retention',
        intervalMs: 6 * 3_600_000,
        jitter: 0.1,
        logger,
        health,
        run: async () => {
          const pruned = pruneByRetention(services, config.auditRetentionDays, services.now());
          if (pruned.auditRows > 0 || pruned.deadLetters > 0) logger.info({ pruned: pruned.auditRows, deadLetters: pruned.deadLetters, retentionDays: config.auditRetentionDays }, 'old audit rows pruned');
        },
      }),
    );
  }
  const onboarding = startOnboardingWorkers(services);
  logger.info({ url, sandbox: config.sandbox, psas: Object.keys(connectors), entra: Boolean(entra) }, 'psa-tap-connector started');

  let stopping: Promise<void> | undefined;
  return {
    services,
    url,
    stop() {
      stopping ??= (async () => {
        logger.info('stopping');
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Idle keep-alive sockets would hold close() open; requests in flight are allowed to finish, and each socket is
        // closed as soon as its last response is out.
        const http = server as import('node:http').Server;
        http.closeIdleConnections();
        const sweeper = setInterval(() => http.closeIdleConnections(), 50);
        await closed.finally(() => clearInterval(sweeper));
        await Promise.allSettled([onboarding.stop(), ...loops.map((l) => l.stop())]).then((results) => {
          for (const r of results) if (r.status === 'rejected') logger.error({ err: errorForLog(r.reason) }, 'worker did not stop cleanly');
        });
        storage.close();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}
