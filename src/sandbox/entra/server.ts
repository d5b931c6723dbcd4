import { Hono } from 'hono';
import { createSandboxCertificate, type SandboxCertificate } from './certificate.js';
import { directoryRoutes } from './directory.js';
import { graphErrorBody, aadErrorBody } from './errors.js';
import { graphBearer, graphPath, type GraphEnv } from './graph-auth.js';
import { loginRoutes } from './login.js';
import { EntraState, type EntraSeed } from './state.js';
import { tapRoutes, type TapRouteOptions } from './tap.js';
import { FaultInjector, faultLayer } from '../faults.js';
import { listen, systemClock, type Clock } from '../http.js';

export { EntraState, ROLE_TEMPLATES } from './state.js';
export type { EntraSeed, EntraTenant, EntraUser, EntraGroup, TapPolicy, TapRecord, RoleGrant, AuthMethodKind, AuthMethodRecord } from './state.js';

export interface EntraServerOptions extends TapRouteOptions {
  seed: EntraSeed;
  host?: string;
  /** Ports of the login host and the Graph host (0 = random). */
  ports?: { login?: number; graph?: number };
  latencyMs?: number;
  clock?: Clock;
  /** Reuse a certificate (e.g. across restarts in one test); by default a new one is made. */
  certificate?: SandboxCertificate;
}

export interface EntraServer {
  /** `ENTRA_AUTHORITY_HOST`: the login host's origin (https). */
  authorityHost: string;
  /** `GRAPH_BASE_URL`: the Graph host's origin (https), without the version segment. */
  graphBaseUrl: string;
  /** CA to trust for both hosts. */
  caPem: string;
  clientId: string;
  clientSecret: string;
  partnerTenantId: string;
  state: EntraState;
  /** One injector for both hosts; tell calls apart by path (`/oauth2/v2.0/token` vs `/v1.0/...`). */
  faults: FaultInjector;
  close(): Promise<void>;
}

/**
 * Two https listeners sharing one directory: a login host (token endpoint, OpenID discovery) and a Graph host,
 * as login.microsoftonline.com and graph.microsoft.com are two hosts — a client that mixes them up fails here too.
 */
export async function startEntraServer(opts: EntraServerOptions): Promise<EntraServer> {
  const state = new EntraState(opts.seed, opts.clock ?? systemClock);
  const certificate = opts.certificate ?? (await createSandboxCertificate());
  const faults = new FaultInjector();
  const latency = opts.latencyMs ? { latencyMs: opts.latencyMs } : {};
  let loginOrigin = '';
  let graphOrigin = '';

  const login = new Hono();
  login.use('*', faultLayer({ faults, ...latency, errorBody: (s) => aadErrorBody(s === 429 ? 'temporarily_unavailable' : 'server_error', s === 429 ? 50196 : 90033, `Injected HTTP ${s}.`) }));
  login.route('/', loginRoutes(state, () => loginOrigin, () => graphOrigin));
  login.all('*', (c) => c.json(aadErrorBody('invalid_request', 900561, 'The endpoint only accepts POST, OPTIONS requests.'), 404));

  const graph = new Hono<GraphEnv>({ getPath: graphPath });
  graph.use('*', faultLayer({ faults, ...latency, errorBody: (s) => graphErrorBody(s === 429 ? 'TooManyRequests' : s >= 500 ? 'serviceNotAvailable' : 'BadRequest', `Injected HTTP ${s}.`) }));
  graph.use('/v1.0/*', graphBearer(state));
  graph.route('/', directoryRoutes(state, () => graphOrigin));
  graph.route('/', tapRoutes(state, () => graphOrigin, opts));
  // Only the paths in reference/specs exist here (issue 10): anything else is not found, so an adapter calling a path
  // Graph does not have fails in the sandbox as it would on a tenant (where the answer may be 400 or 404:
  // docs/verify-on-a-real-instance.md).
  graph.all('*', (c) => c.json(graphErrorBody('Request_ResourceNotFound', `Resource not found for the segment '${c.req.path.split('/').pop() ?? ''}'.`), 404));

  const tls = { key: certificate.key, cert: certificate.cert };
  const host = opts.host ?? '127.0.0.1';
  const loginServer = await listen(login, { host, port: opts.ports?.login ?? 0, tls });
  const graphServer = await listen(graph, { host, port: opts.ports?.graph ?? 0, tls });
  loginOrigin = loginServer.url;
  graphOrigin = graphServer.url;
  return {
    authorityHost: loginOrigin,
    graphBaseUrl: graphOrigin,
    caPem: certificate.caPem,
    clientId: state.app.clientId,
    clientSecret: state.app.clientSecret,
    partnerTenantId: state.partnerTenantId,
    state,
    faults,
    close: async () => {
      await Promise.all([loginServer.close(), graphServer.close()]);
    },
  };
}
