import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../src/config.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { startConnector, type RunningConnector } from '../src/server.js';
import { applyMappings, type BenchMapping } from './world.js';

export const SECRETS = { connectwise: 'bench-cw-button-secret-0123456789', halo: 'bench-halo-button-secret-0123456789', admin: 'bench-admin-token-0123456789abcdef' } as const;
const ONBOARDING = ['CW_ONBOARDING_BOARD', 'CW_ONBOARDING_STATUS', 'CW_ONBOARDING_TYPE', 'HALO_ONBOARDING_REQUESTTYPE_ID', 'HALO_ONBOARDING_STATUS_ID'];
const HERE = dirname(fileURLToPath(import.meta.url));

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

/** The connector's environment against a sandbox; the onboarding poller only when asked. */
export function connectorEnv(sb: Sandbox, databasePath: string, opts: { onboarding?: boolean; sealKey?: string } = {}): Record<string, string> {
  const env: Record<string, string> = { ...sb.env };
  if (!opts.onboarding) for (const k of ONBOARDING) delete env[k];
  return {
    ...env,
    DATABASE_PATH: databasePath,
    TAP_SEAL_KEY: opts.sealKey ?? randomBytes(32).toString('base64'),
    CW_BUTTON_SECRET: SECRETS.connectwise,
    HALO_BUTTON_SECRET: SECRETS.halo,
    ADMIN_API_TOKEN: SECRETS.admin,
    LOG_LEVEL: 'info',
    POLL_INTERVAL_SECONDS: '86400',
  };
}

export function connectorConfig(sb: Sandbox, env: Record<string, string>): Config {
  const config = loadConfig(env);
  config.entra!.trustedCaPem = sb.entra.caPem;
  config.server.port = 0;
  return config;
}

/** Logs go to a counter, not the terminal: a benchmark measures the work, and pino's cost stays in. */
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
  report(): Promise<{ peakRss: number; rss: number }>;
  resetPeak(): void;
  stop(): Promise<void>;
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
