import { startConnectWiseServer, type ConnectWiseServer } from './connectwise/server.js';
import { startEntraServer, type EntraServer } from './entra/server.js';
import { startHaloServer, type HaloServer } from './halo/server.js';
import type { Clock } from './http.js';
import { defaultSeed, sandboxEnv, type SandboxSeed } from './seed.js';

export { defaultSeed, sandboxEnv, TENANT_IDS, ENTRA_APP, CW_COMPANY_IDS, HALO_CLIENT_IDS, PSA_SETTINGS } from './seed.js';
export type { SandboxSeed, SandboxMapping } from './seed.js';
export { FaultInjector } from './faults.js';
export type { FaultRule, FaultHandle, RecordedRequest } from './faults.js';
export { startConnectWiseServer, type ConnectWiseServer } from './connectwise/server.js';
export { startHaloServer, type HaloServer } from './halo/server.js';
export { startEntraServer, type EntraServer } from './entra/server.js';
export type { Clock } from './http.js';

export interface SandboxOptions {
  /** Fixed simulated latency per request on every server (benchmarks). */
  latencyMs?: number;
  /** The world to start with; `defaultSeed({ now })` when absent. */
  seed?: SandboxSeed;
  /** Used for the default seed's relative dates when no seed is given. */
  now?: Date;
  /** The servers' clock (token expiry, lastUpdated bumps, TAP validity). Real time by default. */
  clock?: Clock;
  host?: string;
  /** Fixed ports (0 or absent = random). */
  ports?: { connectwise?: number; halo?: number; entraLogin?: number; graph?: number };
  /** Halo token lifetime in seconds (default 3600). */
  haloTokenLifetimeSeconds?: number;
  /** Status of the TAP "policy does not allow" refusal (default 400; the reference leaves it unconfirmed). */
  tapPolicyRefusalStatus?: 400 | 403;
}

export interface Sandbox {
  connectwise: ConnectWiseServer;
  halo: HaloServer;
  entra: EntraServer;
  seed: SandboxSeed;
  /** The connector's env variables pointing at these servers (names from src/config/). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts the simulated ConnectWise, Halo and Entra/Graph servers on loopback (random ports by default). */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const seed = opts.seed ?? defaultSeed({ now: opts.now ?? opts.clock?.() ?? new Date() });
  const common = {
    host: opts.host ?? '127.0.0.1',
    ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  };
  const started = await Promise.allSettled([
    startConnectWiseServer({ ...common, seed: seed.connectwise, port: opts.ports?.connectwise ?? 0 }),
    startHaloServer({
      ...common,
      seed: seed.halo,
      port: opts.ports?.halo ?? 0,
      ...(opts.haloTokenLifetimeSeconds ? { tokenLifetimeSeconds: opts.haloTokenLifetimeSeconds } : {}),
    }),
    startEntraServer({
      ...common,
      seed: seed.entra,
      ports: { login: opts.ports?.entraLogin ?? 0, graph: opts.ports?.graph ?? 0 },
      ...(opts.tapPolicyRefusalStatus ? { policyRefusalStatus: opts.tapPolicyRefusalStatus } : {}),
    }),
  ]);
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    // Do not leave the servers that did start listening.
    await Promise.all(started.flatMap((r) => (r.status === 'fulfilled' ? [r.value.close()] : [])));
    throw (failed).reason;
  }
  const [connectwise, halo, entra] = started.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [ConnectWiseServer, HaloServer, EntraServer];
  return {
    connectwise,
    halo,
    entra,
    seed,
    env: sandboxEnv(seed, { connectwise: connectwise.url, halo: halo.url, authorityHost: entra.authorityHost, graphBaseUrl: entra.graphBaseUrl }),
    close: async () => {
      await Promise.all([connectwise.close(), halo.close(), entra.close()]);
    },
  };
}
