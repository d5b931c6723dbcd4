import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig, ONBOARDING_VARIABLES, type Config } from '../src/config/index.js';
import { openStorage } from '../src/db/index.js';
import { createMappingStore } from '../src/db/mappings.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { startConnector, type RunningConnector } from '../src/server.js';
import { applyMappings, type BenchMapping } from './world.js';

export const SECRETS = { connectwise: 'bench-cw-button-secret-0123456789', halo: 'bench-halo-button-secret-0123456789', admin: 'bench-admin-token-0123456789abcdef' } as const;
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'tap-bench-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Request pacing per PSA for a scenario. The button scenarios (1, 3) press faster than any PSA would allow, so they
 * raise the limits out of the way and measure the connector; the poll scenario (4) paces on purpose.
 */
export interface BenchPacing {
  connectwise: number;
  halo: number;
}
export const UNPACED: BenchPacing = { connectwise: 60_000, halo: 60_000 };

/** The connector's environment against a sandbox; the onboarding poller only when asked. */
export function connectorEnv(sb: Sandbox, databasePath: string, opts: { onboarding?: boolean; sealKey?: string; pacing?: BenchPacing } = {}): Record<string, string> {
  const env: Record<string, string> = { ...sb.env };
  if (!opts.onboarding) for (const k of ONBOARDING_VARIABLES) delete env[k];
  return {
    ...env,
    DATABASE_PATH: databasePath,
    TAP_SEAL_KEY: opts.sealKey ?? randomBytes(32).toString('base64'),
    CW_BUTTON_SECRET: SECRETS.connectwise,
    HALO_BUTTON_SECRET: SECRETS.halo,
    ADMIN_API_TOKEN: SECRETS.admin,
    LOG_LEVEL: 'info',
    POLL_INTERVAL_SECONDS: '86400',
    ...(opts.pacing
      ? { CW_MAX_REQUESTS_PER_MINUTE: String(opts.pacing.connectwise), HALO_MAX_REQUESTS_PER_MINUTE: String(opts.pacing.halo) }
      : {}),
  };
}

export function connectorConfig(sb: Sandbox, env: Record<string, string>): Config {
  return loadConfig(env, { trustedCaPem: sb.entra.caPem, port: 0 });
}

/** Logs go to a counter, not the terminal: a benchmark measures the work, and pino's cost stays in. */
/** The Node flags of `npm run start:prod` (package.json), so the bench measures the production process. */
export const PRODUCTION_NODE_FLAGS: readonly string[] = (() => {
  const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod'] ?? '';
  return script.split(/\s+/).filter((w) => w.startsWith('--'));
})();

/** CPU time (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 10 ms on Linux). */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

export function nullLog(): Writable {
  return new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
}

export async function startInProcess(sb: Sandbox, env: Record<string, string>, mappings: BenchMapping[]): Promise<RunningConnector> {
  return startConnector(connectorConfig(sb, env), { logDestination: nullLog(), prepare: (s) => applyMappings(s.mappings, mappings) });
}

export interface ChildConnector {
  url: string;
  child: ChildProcess;
  /** `cpuMs`: user + system CPU time the process has used so far (compiled child: from /proc; tsx child: undefined). */
  report(): Promise<{ peakRss: number; rss: number; cpuMs?: number }>;
  resetPeak(): void;
  stop(): Promise<void>;
}

/**
 * The compiled connector as production starts it (`node --enable-source-maps dist/main.js`, see `npm run start:prod`),
 * configured only through its environment. The mappings are written into its database before it starts; the sandbox
 * CA is trusted through NODE_EXTRA_CA_CERTS. Peak RSS is the kernel's high-water mark (VmHWM), so nothing runs inside
 * the process to measure it. `readyMs` is spawn to the first `/readyz` 200.
 */
export async function startCompiledChild(sb: Sandbox, env: Record<string, string>, mappings: BenchMapping[], dir: string): Promise<ChildConnector & { readyMs: number }> {
  if (mappings.length > 0) {
    const storage = openStorage(env.DATABASE_PATH!);
    applyMappings(createMappingStore(storage.db), mappings);
    storage.close();
  }
  const caPath = join(dir, 'sandbox-ca.pem');
  writeFileSync(caPath, sb.entra.caPem);
  const port = await freePort();
  const startedAt = performance.now();
  // cwd is the temp folder so a developer's .env in the repository cannot leak into the measurement.
  const child = spawn(process.execPath, [...PRODUCTION_NODE_FLAGS, join(ROOT, 'dist', 'main.js')], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: caPath, ...env, SANDBOX: '0', HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`compiled connector exited with ${code}`))));
  const url = `http://127.0.0.1:${port}`;
  const readyMs = await Promise.race([untilReady(url, startedAt), exited]);
  const status = (field: 'VmHWM' | 'VmRSS') => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN) * 1024;
  return {
    url,
    child,
    readyMs,
    // The high-water mark is updated lazily; the current RSS can be a page or two above it.
    report: async () => ({ peakRss: Math.max(status('VmHWM'), status('VmRSS')), rss: status('VmRSS'), cpuMs: cpuMsOf(child.pid!) }),
    resetPeak: () => undefined,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function untilReady(url: string, since: number): Promise<number> {
  for (;;) {
    const res = await fetch(`${url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return performance.now() - since;
    await new Promise((r) => setTimeout(r, 2));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The connector in its own Node process (run through tsx, as `npm start` does). */
export async function startChild(sb: Sandbox, env: Record<string, string>, mappings: BenchMapping[], dir: string): Promise<ChildConnector & { startedAt: number }> {
  const specPath = join(dir, `spec-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(specPath, JSON.stringify({ env, caPem: sb.entra.caPem, mappings }));
  const startedAt = performance.now();
  const child = fork(join(HERE, 'connector-process.ts'), [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_CONNECTOR: specPath }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`connector process exited with ${code}`)));
    child.on('message', (m: { type: string; url?: string }) => {
      if (m.type === 'ready') resolve(m.url!);
    });
  });
  return {
    url,
    child,
    startedAt,
    report: () =>
      new Promise((resolve) => {
        const on = (m: { type: string; peakRss: number; rss: number }) => {
          if (m.type !== 'report') return;
          child.off('message', on);
          resolve({ peakRss: m.peakRss, rss: m.rss });
        };
        child.on('message', on);
        child.send({ type: 'report' });
      }),
    resetPeak: () => child.send({ type: 'reset-peak' }),
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}

/** One button press over HTTP, the way a PSA sends it; returns status, body and the time it took. */
export async function press(baseUrl: string, psa: 'connectwise' | 'halo', ticketId: number, body: Record<string, unknown> = {}): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/v1/psa/${psa}/tickets/${ticketId}/tap`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SECRETS[psa]}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text, ms: performance.now() - t0 };
}

export function resetFaults(sb: Sandbox): void {
  for (const s of [sb.connectwise, sb.halo, sb.entra]) s.faults.reset();
}

/** Every upstream request since the last reset, as "HOST METHOD path". */
export function upstreamCalls(sb: Sandbox): string[] {
  const tag = (host: string, rs: { method: string; path: string }[]) => rs.map((r) => `${host} ${r.method} ${r.path}`);
  return [
    ...tag('ConnectWise', sb.connectwise.faults.requests()),
    ...tag('Halo', sb.halo.faults.requests()),
    ...tag('Entra', sb.entra.faults.requests()),
  ];
}
