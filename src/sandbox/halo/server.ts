import { Hono } from 'hono';
import { FaultInjector, faultLayer } from '../faults.js';
import { HaloTokens, type HaloEnv } from './auth.js';
import { haloPages } from './pages.js';
import { haloApiRoutes } from './routes.js';
import { HaloState, type HaloSeed } from './state.js';
import { listen, systemClock, type Clock, type ListenOptions } from '../http.js';

export { HaloState } from './state.js';
export type { HaloSeed, HaloAction, HaloTicketSeed, HaloClient } from './state.js';

export interface HaloServerOptions extends ListenOptions {
  seed: HaloSeed;
  latencyMs?: number;
  clock?: Clock;
  /** `expires_in` of issued tokens, seconds (default 3600). */
  tokenLifetimeSeconds?: number;
}

export interface HaloServer {
  /** Resource server base (`HALO_BASE_URL`); the auth server is `${url}/auth` (self-hosted layout). */
  url: string;
  clientId: string;
  clientSecret: string;
  state: HaloState;
  tokens: HaloTokens;
  faults: FaultInjector;
  close(): Promise<void>;
}

export async function startHaloServer(opts: HaloServerOptions): Promise<HaloServer> {
  const clock = opts.clock ?? systemClock;
  const state = new HaloState(opts.seed, clock);
  const tokens = new HaloTokens(opts.seed, clock, opts.tokenLifetimeSeconds ?? 3600);
  const faults = new FaultInjector();
  const app = new Hono<HaloEnv>();
  let origin = '';

  app.use(
    '*',
    faultLayer({
      faults,
      ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
      errorBody: (status) => ({ ClassName: 'System.Exception', Message: status === 429 ? 'Too many requests.' : `Injected HTTP ${status}` }),
    }),
  );
  // The simulated Halo's own screens (ticket list and page), outside /api and /auth.
  app.route('/', haloPages(state));
  app.post('/auth/token', (c) => tokens.tokenEndpoint(c));
  // Used by some clients to find the auth server (reference: not in Halo's docs, but served).
  app.get('/api/authinfo', (c) => c.json({ auth_url: `${origin}/auth` }));
  app.use('/api/*', tokens.bearer());
  app.route('/api', haloApiRoutes(state));
  app.all('*', (c) => c.json({ Message: 'No HTTP resource was found that matches the request URI.' }, 404));

  const running = await listen(app, opts);
  origin = running.url;
  return {
    url: running.url,
    clientId: opts.seed.clientId,
    clientSecret: opts.seed.clientSecret,
    state,
    tokens,
    faults,
    close: running.close,
  };
}
