import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAsBackgroundWork } from '../src/background.js';
import { openStorage } from '../src/db/index.js';
import { createIssuanceLog } from '../src/db/issuances.js';
import { createOnboardingPipeline } from '../src/polling/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import { startConnector } from '../src/server.js';
import { fairClient } from './fair-client.js';
import { connectorConfig, connectorEnv, median, PRODUCTION_NODE_FLAGS, nullLog, percentile, press, resetFaults, startChild, startCompiledChild, startInProcess, tempDir, UNPACED, upstreamCalls, type BenchPacing } from './support.js';
import { applyMappings, benchMappings, benchWorld } from './world.js';

export const RUNS = 3;
const LATENCY_MS = 20;

// ---------------------------------------------------------------------------------------------------------------
/**
 * 1. Button overhead: the connector over HTTP against the fair hand-written client (bench/fair-client.ts), both making
 * every call a correct issuance needs, against the sandbox at `latencyMs` per upstream call. Warm caches on both sides.
 */
export async function buttonOverhead(latencyMs = LATENCY_MS) {
  const PER_RUN = 25;
  const world = benchWorld({ tenants: 2, usersPerTenant: 4 + RUNS * PER_RUN * 3 });
  const sb = await startSandbox({ latencyMs, seed: world.seed });
  const dir = tempDir();
  // Presses back to back (~10 a second) are more than a PSA allows; pacing is raised so the figure is the connector's.
  const running = await startInProcess(sb, connectorEnv(sb, join(dir.path, 'db.sqlite'), { pacing: UNPACED }), benchMappings(world));
  const fair = fairClient(sb);
  const [a, b] = world.tenants as [(typeof world.tenants)[0], (typeof world.tenants)[0]];
  try {
    // Both warm their caches the same way, one issuance per PSA (users 0 and 1: one pass per user): tokens, policy,
    // Halo token (the connector: the ConnectWise codebase too).
    for (const [u, psa] of [[0, 'halo'], [1, 'connectwise']] as const) {
      const r = await press(running.url, psa, a.tickets[psa][u]!);
      if (r.status !== 201) throw new Error(`warm-up press answered ${r.status}: ${r.body}`);
      await fair.issue(psa, b.tickets[psa][u]!, b.id, b.users[u]!);
    }
    const rows: Record<string, { connector: number[]; bare: number[]; ratio: number[]; bodyUpn: number[] }> = { halo: { connector: [], bare: [], ratio: [], bodyUpn: [] }, connectwise: { connector: [], bare: [], ratio: [], bodyUpn: [] } };
    let next = 2;
    for (let run = 0; run < RUNS; run += 1) {
      for (const psa of ['halo', 'connectwise'] as const) {
        const connector: number[] = [];
        const plain: number[] = [];
        const withUpn: number[] = [];
        for (let i = 0; i < PER_RUN; i += 1) {
          const u = next++;
          const r = await press(running.url, psa, a.tickets[psa][u]!);
          if (r.status !== 201) throw new Error(`press answered ${r.status}: ${r.body}`);
          connector.push(r.ms);
          const t0 = performance.now();
          await fair.issue(psa, b.tickets[psa][u]!, b.id, b.users[u]!);
          plain.push(performance.now() - t0);
          if (psa === 'halo' && i < 10) {
            const v = next++;
            const withBody = await press(running.url, psa, a.tickets[psa][v]!, { userPrincipalName: a.users[v] });
            if (withBody.status !== 201) throw new Error(`press answered ${withBody.status}`);
            withUpn.push(withBody.ms);
          }
        }
        const row = rows[psa]!;
        row.connector.push(median(connector));
        row.bare.push(median(plain));
        row.ratio.push(median(connector) / median(plain));
        if (withUpn.length) row.bodyUpn.push(median(withUpn));
      }
    }
    return Object.fromEntries(Object.entries(rows).map(([psa, r]) => [psa, { connectorP50: median(r.connector), bareP50: median(r.bare), ratio: median(r.ratio), bodyUpnP50: r.bodyUpn.length ? median(r.bodyUpn) : undefined, runs: r.ratio.map((x) => x.toFixed(3)) }])) as Record<'halo' | 'connectwise', { connectorP50: number; bareP50: number; ratio: number; bodyUpnP50: number | undefined; runs: string[] }>;
  } finally {
    await running.stop();
    await sb.close();
    dir.remove();
  }
}

// ---------------------------------------------------------------------------------------------------------------
/** 2. Upstream calls per issuance: cold tenant, warm tenant, and a UPN given in the body. */
export async function callsPerIssuance() {
  const world = benchWorld({ tenants: 1, usersPerTenant: 6 });
  const sb = await startSandbox({ seed: world.seed });
  const dir = tempDir();
  const running = await startInProcess(sb, connectorEnv(sb, join(dir.path, 'db.sqlite')), benchMappings(world));
  const t = world.tenants[0]!;
  const out: Record<string, string[]> = {};
  try {
    const step = async (label: string, psa: 'halo' | 'connectwise', user: number, body: Record<string, unknown> = {}) => {
      resetFaults(sb);
      const r = await press(running.url, psa, t.tickets[psa][user]!, body);
      if (r.status !== 201) throw new Error(`${label}: ${r.status} ${r.body}`);
      out[label] = upstreamCalls(sb);
    };
    await step('Halo, first issuance (cold caches)', 'halo', 0);
    await step('Halo, second issuance, same tenant', 'halo', 1);
    await step('Halo, UPN given in the button body', 'halo', 2, { userPrincipalName: t.users[2] });
    await step('ConnectWise, first issuance (Entra warm)', 'connectwise', 3);
    await step('ConnectWise, second issuance', 'connectwise', 4);
    return out;
  } finally {
    await running.stop();
    await sb.close();
    dir.remove();
  }
}

// ---------------------------------------------------------------------------------------------------------------
/**
 * 3. Burst: 500 presses across 50 tenants from 16 concurrent clients, connector in its own process: the compiled build
 * as production runs it, or (`build: 'tsx'`) the sources through tsx as `npm start` does. Pacing is raised out of the
 * way (500 presses in seconds is far beyond what either PSA allows); the figure is the connector's own capacity.
 */
export async function burst(build: 'compiled' | 'tsx' = 'compiled', runs = RUNS) {
  const TENANTS = 50;
  const PER_TENANT = 10;
  const CLIENTS = 16;
  const world = benchWorld({ tenants: TENANTS, usersPerTenant: PER_TENANT });
  let sb = await startSandbox({ latencyMs: LATENCY_MS, seed: world.seed });
  const dir = tempDir();
  const results: { perSecond: number; p50: number; p95: number; p99: number; peakRssMb: number; errors: number; duplicates: number; notesWritten: number; requests: number; cpuMsPerPress: number }[] = [];
  try {
    for (let run = 0; run < runs; run += 1) {
      // A fresh simulated world each run: the users of the last run hold live passes, and one pass per user would
      // refuse every press of the next.
      if (run > 0) {
        await sb.close();
        sb = await startSandbox({ latencyMs: LATENCY_MS, seed: world.seed });
      }
      const env = connectorEnv(sb, join(dir.path, `burst-${build}-${run}.sqlite`), { pacing: UNPACED });
      const child = build === 'compiled' ? await startCompiledChild(sb, env, benchMappings(world), dir.path) : await startChild(sb, env, benchMappings(world), dir.path);
      // CPU the connector spends per press: unlike wall time it barely moves when other work shares the machine.
      const cpuBefore = (await child.report()).cpuMs;
      const jobs = world.tenants.flatMap((t, i) => t.users.map((upn, u) => ({ psa: i % 2 === 0 ? ('connectwise' as const) : ('halo' as const), ticket: t.tickets[i % 2 === 0 ? 'connectwise' : 'halo'][u]!, tenant: t.id, upn })));
      const mark = sb.entra.state.tapsCreated.length;
      const latencies: number[] = [];
      let errors = 0;
      let notesWritten = 0;
      const t0 = performance.now();
      let cursor = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          for (let j = cursor++; j < jobs.length; j = cursor++) {
            const job = jobs[j]!;
            const r = await press(child.url, job.psa, job.ticket);
            latencies.push(r.ms);
            if (r.status !== 201) errors += 1;
            else if ((JSON.parse(r.body) as { note: { status: string } }).note.status === 'written') notesWritten += 1;
          }
        }),
      );
      const wall = (performance.now() - t0) / 1000;
      const report = await child.report();
      const cpuAfter = report.cpuMs;
      await child.stop();
      const perUser = new Map<string, number>();
      for (const tap of sb.entra.state.tapsCreated.slice(mark)) perUser.set(`${tap.tenantId}/${tap.userId}`, (perUser.get(`${tap.tenantId}/${tap.userId}`) ?? 0) + 1);
      results.push({
        perSecond: jobs.length / wall,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        peakRssMb: report.peakRss / 1024 / 1024,
        errors,
        duplicates: [...perUser.values()].filter((n) => n > 1).length,
        notesWritten,
        requests: jobs.length,
        cpuMsPerPress: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / jobs.length : Number.NaN,
      });
    }
  } finally {
    await sb.close();
    dir.remove();
  }
  const pick = (k: keyof (typeof results)[0]) => median(results.map((r) => r[k]));
  return { cpuMsPerPress: pick('cpuMsPerPress'), perSecond: pick('perSecond'), p50: pick('p50'), p95: pick('p95'), p99: pick('p99'), peakRssMb: pick('peakRssMb'), maxPeakRssMb: Math.max(...results.map((r) => r.peakRssMb)), errors: Math.max(...results.map((r) => r.errors)), duplicates: Math.max(...results.map((r) => r.duplicates)), notesWritten: Math.min(...results.map((r) => r.notesWritten)), requests: results[0]!.requests, runs: results.length };
}

// ---------------------------------------------------------------------------------------------------------------
export interface PollRow {
  label: string;
  /** PSA requests the sandbox received during the cycle, the presses' included. */
  requests: number;
  byHost: Record<string, number>;
  ms: number;
  summary: string;
  /** Most PSA requests received in any 60 s of the cycle (sampled every 250 ms, windows of at least 60 s). */
  peakPerMinute: number;
  /** Button presses made while the cycle ran (2 PSA requests each), and how long they took. */
  presses: number[];
}

/**
 * 4. Poll cycle cost with pacing on: a backlog of 1,000 onboarding tickets over 100 companies per PSA, then three more
 * cycles. The poller is built as production builds it (createOnboardingPipeline: with the ticket follower, so once
 * passes are scheduled the cycles watch the change feed) and runs as background work (as its loop runs it); during the
 * backlog cycle a technician presses the button every 5 s, to show presses are not queued behind the backlog. The last
 * cycle is idle with nothing followed (as once every followed pass has started): the path that reads the open
 * onboarding list. One run: a paced backlog takes minutes.
 */
export async function pollCycle(pacing: BenchPacing) {
  const COMPANIES = 100;
  const PRESS_EVERY_MS = 5_000;
  // One press every 5 s through both backlogs (ConnectWise at 600/min, Halo at 300/min: about 6 minutes in all), each
  // on a ticket of its own: 50 tenants × 6 users leaves room for 300.
  const world = benchWorld({ tenants: 50, usersPerTenant: 6, onboardingPerPsa: 1_000, onboardingCompanies: COMPANIES });
  const sb = await startSandbox({ latencyMs: LATENCY_MS, seed: world.seed });
  const dir = tempDir();
  // The enrolment follow-up (every 15 min, two Graph reads per started pass: the presses' passes) is another worker;
  // kept out of the way so the rows count what the poller asks for.
  const config = connectorConfig(sb, { ...connectorEnv(sb, join(dir.path, 'db.sqlite'), { onboarding: true, pacing }), FOLLOW_UP_INTERVAL_SECONDS: '86400' });
  // Start without the workers (their first cycle would run on its own), then drive the poller by hand.
  const onboarding = { cw: config.connectwise!.onboarding, halo: config.halo!.onboarding };
  config.connectwise!.onboarding = undefined;
  config.halo!.onboarding = undefined;
  const running = await startConnector(config, { logDestination: nullLog(), prepare: (s) => applyMappings(s.mappings, benchMappings(world, COMPANIES)) });
  config.connectwise!.onboarding = onboarding.cw;
  config.halo!.onboarding = onboarding.halo;
  const s = running.services;
  if (!s.entra) throw new Error('the poll scenario needs Entra configured');
  const { poller } = createOnboardingPipeline({ ...s, entra: s.entra });
  const result: Record<'connectwise' | 'halo', PollRow[]> = { connectwise: [], halo: [] };
  let pressed = 0;
  try {
    for (const psa of ['connectwise', 'halo'] as const) {
      const server = psa === 'connectwise' ? sb.connectwise : sb.halo;
      for (const label of ['backlog (cycle 1)', 'cycle 2', 'idle (cycle 3)', 'idle, nothing followed (cycle 4)']) {
        // Nothing followed any more (every pass started): the ledger's watch ends, nothing else changes.
        if (label.includes('nothing followed')) s.storage.sqlite.prepare('update poll_ledger set watch_until = null where psa = ?').run(psa);
        resetFaults(sb);
        const t0 = performance.now();
        const samples = [{ at: 0, count: 0 }];
        const sampler = setInterval(() => samples.push({ at: performance.now() - t0, count: server.faults.requests().length }), 250);
        const cycle = runAsBackgroundWork(() => poller.runCycle(psa));
        let done = false;
        const finished = () => (done = true);
        cycle.then(finished, finished);
        const presses: number[] = [];
        if (label.startsWith('backlog')) {
          for (;;) {
            await Promise.race([cycle, new Promise((r) => setTimeout(r, PRESS_EVERY_MS))]);
            if (done) break;
            const tenant = world.tenants[pressed % world.tenants.length]!;
            const ticket = tenant.tickets[psa][Math.floor(pressed / world.tenants.length)];
            if (ticket === undefined) throw new Error(`the backlog outlasted the ${pressed} button tickets of the bench world; give it more users per tenant`);
            pressed += 1;
            const r = await press(running.url, psa, ticket);
            if (r.status !== 201) throw new Error(`press during the backlog answered ${r.status}: ${r.body}`);
            presses.push(r.ms);
          }
        }
        const summary = await cycle;
        const ms = performance.now() - t0;
        clearInterval(sampler);
        samples.push({ at: ms, count: server.faults.requests().length });
        const calls = upstreamCalls(sb);
        const byHost: Record<string, number> = {};
        for (const c of calls) {
          const [host, method, path] = c.split(' ') as [string, string, string];
          const kind = host === 'Entra' ? `Graph ${method} ${graphKind(path)}` : `${host} ${method} ${path.replace(/^\/v2025_1\/apis\/3\.0/, '').replace(/\d+/g, ':id')}`;
          byHost[kind] = (byHost[kind] ?? 0) + 1;
        }
        result[psa].push({
          label,
          requests: calls.filter((c) => !c.startsWith('Entra')).length,
          byHost,
          ms,
          summary: `seen ${summary.seen}, issued ${summary.issued}, scheduled ${summary.scheduled}, unchanged ${summary.unchanged}, followed ${summary.followed}, errors ${summary.errors}, pages ${summary.pages}`,
          peakPerMinute: peakInWindow(samples, 60_000),
          presses,
        });
      }
    }
  } finally {
    await running.stop();
    await sb.close();
    dir.remove();
  }
  return result;
}

/** The most requests counted in any window of at least `windowMs` that starts at a sample (over-, never under-counts). */
function peakInWindow(samples: { at: number; count: number }[], windowMs: number): number {
  let peak = 0;
  for (const from of samples) {
    const to = samples.find((x) => x.at >= from.at + windowMs) ?? samples.at(-1)!;
    peak = Math.max(peak, to.count - from.count);
  }
  return peak;
}

// ---------------------------------------------------------------------------------------------------------------
/**
 * 5. Start to /readyz 200 with 10,000 audit rows: the compiled build as a new process (spawn to ready: Node's own
 * start, module loading, database, migrations, listen), and for comparison `startConnector` inside an already running
 * process (database, migrations, services, listen — no module loading, so not a cold start).
 */
export async function startToReady() {
  const sb = await startSandbox();
  const dir = tempDir();
  const path = join(dir.path, 'cold.sqlite');
  const storage = openStorage(path);
  const log = createIssuanceLog(storage.db);
  storage.sqlite.transaction(() => {
    const base = Date.now() - 90 * 86_400_000;
    for (let i = 0; i < 10_000; i += 1) {
      const at = new Date(base + i * 60_000).toISOString();
      log.insert({ id: randomUUID(), psa: i % 2 ? 'halo' : 'connectwise', ticketId: String(10_000 + i), companyId: String(i % 100), companyName: `Company ${i % 100}`, tenantId: '4a1c2e7f-3b9d-4c58-a6e2-8f0b1d3c5e97', requestedBy: 'bench', trigger: 'button', userPrincipalName: `user${i}@contoso.example`, outcome: i % 7 ? 'issued' : 'refused', outcomeCode: i % 7 ? 'ISSUED' : 'USER_NOT_FOUND', noteStatus: 'written', createdAt: at, updatedAt: at });
    }
  })();
  storage.close();
  const sealKey = Buffer.alloc(32, 9).toString('base64');
  const env = connectorEnv(sb, path, { sealKey });
  const compiledMs: number[] = [];
  const tsxMs: number[] = [];
  const inProcessMs: number[] = [];
  const nodeFloorMs: number[] = [];
  const idleRssMb: number[] = [];
  const nodeIdleRssMb: number[] = [];
  const tsxFloorMs: number[] = [];
  const readyz = async (url: string, since: number) => {
    for (;;) {
      const res = await fetch(`${url}/readyz`).catch(() => undefined);
      if (res?.status === 200) return performance.now() - since;
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const exitOf = (child: ChildProcess) => new Promise<void>((resolve, reject) => child.once('exit', () => resolve()).once('error', reject));
  try {
    for (let i = 0; i < 5; i += 1) {
      // Production: the compiled build, `node --enable-source-maps dist/main.js`.
      const compiled = await startCompiledChild(sb, env, [], dir.path);
      compiledMs.push(compiled.readyMs);
      // Idle: a second after ready, with its first worker cycles done.
      await new Promise((r) => setTimeout(r, 1_000));
      idleRssMb.push((await compiled.report()).rss / 1024 / 1024);
      await compiled.stop();
      if (i === 0) nodeIdleRssMb.push(await bareNodeRssMb());
      const t0 = performance.now();
      const running = await startConnector(connectorConfig(sb, env), { logDestination: nullLog() });
      inProcessMs.push(await readyz(running.url, t0));
      await running.stop();
      const t1 = performance.now();
      await exitOf(spawn(process.execPath, ['--enable-source-maps', '-e', ''], { stdio: 'ignore' }));
      nodeFloorMs.push(performance.now() - t1);
      if (i < 3) {
        // Secondary: the sources through tsx, as `npm start` runs them.
        const child = await startChild(sb, env, [], dir.path);
        tsxMs.push(await readyz(child.url, child.startedAt));
        await child.stop();
        const t2 = performance.now();
        await exitOf(fork(join(dirname(fileURLToPath(import.meta.url)), 'noop.ts'), [], { execArgv: ['--import', 'tsx'] }));
        tsxFloorMs.push(performance.now() - t2);
      }
    }
  } finally {
    await sb.close();
    dir.remove();
  }
  return { idleRssMb: median(idleRssMb), nodeIdleRssMb: median(nodeIdleRssMb), compiledMs: median(compiledMs), nodeFloorMs: median(nodeFloorMs), tsxMs: median(tsxMs), tsxFloorMs: median(tsxFloorMs), inProcessMs: median(inProcessMs), runs: compiledMs.length };
}

/** RSS of a Node process with the production flags that has loaded nothing and sits idle: the floor under idle RSS. */
async function bareNodeRssMb(): Promise<number> {
  const child = spawn(process.execPath, [...PRODUCTION_NODE_FLAGS, '-e', 'setTimeout(() => {}, 10_000)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1_000));
  const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024;
  child.kill();
  return rss;
}

function graphKind(path: string): string {
  if (path.includes('/oauth2/')) return 'token';
  if (path.endsWith('/temporaryAccessPassMethods')) return 'create pass';
  if (path.includes('/transitiveMemberOf/')) return 'roles';
  if (path.includes('TemporaryAccessPass')) return 'policy';
  if (path.endsWith('/organization')) return 'organization';
  return 'user';
}
