import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ONBOARDING_VARIABLES } from '../../src/config/index.js';
import { openStorage } from '../../src/db/index.js';
import { createMappingStore } from '../../src/db/mappings.js';
import { seedSandboxMappings } from '../../src/sandbox/mode.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { recordingForChildProcess } from '../contract/recording/child.js';

/**
 * End-to-end harness: the simulated ConnectWise, Halo and Entra/Graph run in the test process (so tests can read their
 * state and inject faults), and the connector runs as its own Node process, started the way `npm start` starts it,
 * configured only through environment variables and reached only over HTTP.
 */

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(REPO, 'src', 'main.ts');
// Absolute, so the child can run in an empty directory (no stray `.env` from a developer's checkout is loaded).
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export const CW_BUTTON_SECRET = 'e2e-connectwise-button-secret-0123456789';
export const HALO_BUTTON_SECRET = 'e2e-halo-button-secret-0123456789abcdef';
export const ADMIN_API_TOKEN = 'e2e-admin-api-token-0123456789abcdef';
export const BUTTON_SECRETS = { connectwise: CW_BUTTON_SECRET, halo: HALO_BUTTON_SECRET } as const;

export interface World {
  sandbox: Sandbox;
  /** A fresh directory for this world's database, CA file and browser profile. */
  dir: string;
  databasePath: string;
  sealKey: string;
  /** The sandbox CA, written out for NODE_EXTRA_CA_CERTS. */
  caPath: string;
  /** Environment for a connector process pointing at this world; `overrides` win, `undefined` removes a variable. */
  env(opts?: { polling?: boolean; overrides?: Record<string, string | undefined> }): Record<string, string>;
  /** Maps the seeded customers as sandbox mode does, straight into the database before the connector first starts. */
  seedMappings(): void;
  close(): Promise<void>;
}

export async function startWorld(opts: SandboxOptions = {}): Promise<World> {
  const sandbox = await startSandbox(opts);
  const dir = mkdtempSync(join(tmpdir(), 'psa-tap-e2e-'));
  const caPath = join(dir, 'sandbox-ca.pem');
  // The connector trusts the simulated Entra's CA only in sandbox mode, and only programmatically (config.entra.
  // trustedCaPem). A separately started process configured by env has Node's process-wide way in: NODE_EXTRA_CA_CERTS.
  writeFileSync(caPath, sandbox.entra.caPem);
  const databasePath = join(dir, 'connector.sqlite');
  const sealKey = randomBytes(32).toString('base64');
  return {
    sandbox,
    dir,
    databasePath,
    sealKey,
    caPath,
    env({ polling = false, overrides = {} } = {}) {
      const env: Record<string, string | undefined> = {
        PATH: process.env.PATH,
        HOME: dir,
        ...sandbox.env,
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        DATABASE_PATH: databasePath,
        TAP_SEAL_KEY: sealKey,
        CW_BUTTON_SECRET,
        HALO_BUTTON_SECRET,
        ADMIN_API_TOKEN,
        POLL_INTERVAL_SECONDS: '1',
        NODE_EXTRA_CA_CERTS: caPath,
      };
      if (!polling) for (const name of ONBOARDING_VARIABLES) delete env[name];
      for (const [name, value] of Object.entries(overrides)) {
        if (value === undefined) delete env[name];
        else env[name] = value;
      }
      return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
    },
    seedMappings() {
      const storage = openStorage(databasePath);
      try {
        seedSandboxMappings({ mappings: createMappingStore(storage.db) });
      } finally {
        storage.close();
      }
    },
    async close() {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A free loopback port (the connector's PORT must be 1–65535, so 0 cannot be passed through the environment). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export interface ConnectorProcess {
  url: string;
  child: ChildProcess;
  /** Every line the process wrote (stdout and stderr), for assertions and failure messages. */
  output(): string;
  /** stdout parsed as pino JSON lines. */
  logs(): LogLine[];
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  signal(name: NodeJS.Signals): void;
}

const running = new Set<ConnectorProcess>();

/** Starts `node --import tsx src/main.ts` with exactly `env`, and waits until GET /readyz answers 200. */
export async function startConnectorProcess(env: Record<string, string>, opts: { readyTimeoutMs?: number } = {}): Promise<ConnectorProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // The vendor-contract recorder rides along (test/contract): the connector's requests in this process are checked too.
  const recording = recordingForChildProcess();
  const child = spawn(process.execPath, ['--import', TSX_LOADER, ...recording.args, MAIN], {
    // The world's directory (HOME in its env): no `.env` there, so only `env` configures the process.
    cwd: env.HOME ?? tmpdir(),
    // tsx finds tsconfig.json (hono/jsx for the pages) from the working directory; name it, since that is not the repo.
    env: { TSX_TSCONFIG_PATH: join(REPO, 'tsconfig.json'), ...recording.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<number | string>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
  });
  const proc: ConnectorProcess = {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => text,
    logs: () =>
      text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .flatMap((l) => {
          try {
            return [JSON.parse(l) as LogLine];
          } catch {
            return [];
          }
        }),
    exited,
    signal: (name) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(name);
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));

  let ended: number | string | undefined;
  void exited.then((code) => (ended = code));
  await waitFor(
    async () => {
      if (ended !== undefined) throw new Error(`the connector exited (${ended}) before it was ready:\n${text}`);
      const res = await fetch(`${proc.url}/readyz`).catch(() => undefined);
      return res?.status === 200;
    },
    { timeoutMs: opts.readyTimeoutMs ?? 20_000, what: () => `GET /readyz = 200; output so far:\n${text}` },
  ).catch(async (error: unknown) => {
    await killConnector(proc);
    throw error;
  });
  return proc;
}

/** SIGKILL and wait for the exit: no cleanup code in the connector runs. */
export async function killConnector(proc: ConnectorProcess): Promise<number | string> {
  proc.signal('SIGKILL');
  return proc.exited;
}

/** For afterEach/afterAll: no connector outlives its test, whatever happened in it. */
export async function killAllConnectors(): Promise<void> {
  await Promise.all([...running].map((p) => killConnector(p)));
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Polls `check` until it returns a truthy value (returned) or the deadline passes (throws, describing what was
 * awaited). An exception from `check` ends the wait at once.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; what: string | (() => string) },
): Promise<Truthy<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${typeof opts.what === 'function' ? opts.what() : opts.what}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

/** /readyz as the operator sees it (workers, backlog): anonymous callers get only the status. */
export async function readinessDetails(connectorUrl: string): Promise<{ status: string; outboxBacklog: number | null; workers: Record<string, unknown> }> {
  const res = await fetch(`${connectorUrl}/readyz`, { headers: { Authorization: `Bearer ${ADMIN_API_TOKEN}` } });
  return (await res.json()) as { status: string; outboxBacklog: number | null; workers: Record<string, unknown> };
}

/** The mappings API as an admin's script calls it. */
export async function putMapping(connectorUrl: string, psa: 'connectwise' | 'halo', companyId: number | string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${connectorUrl}/v1/mappings/${psa}/${companyId}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${ADMIN_API_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The connector's private notes on a ConnectWise ticket (the ticket's description is stored as its first note). */
export function connectWiseInternalNotes(sandbox: Sandbox, ticketId: number) {
  return sandbox.connectwise.state.notes(ticketId).filter((n) => n.internalAnalysisFlag);
}

/** The "Pass:" row of a ConnectWise note (plain text). */
export function passInText(text: string): string | undefined {
  return /^Pass:\s+(\S+)$/m.exec(text)?.[1];
}

/** The "Pass:" row of a Halo action (HTML, the value escaped). */
export function passInHtml(html: string): string | undefined {
  const raw = /Pass: <strong>(?:<code>)?(.*?)(?:<\/code>)?<\/strong>/.exec(html)?.[1];
  return raw?.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
}
