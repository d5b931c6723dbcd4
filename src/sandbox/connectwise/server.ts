import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { connectWiseBoardRoutes } from './boards.js';
import { hostedHostPage } from './hosted-host.js';
import { connectWisePages } from './pages.js';
import { cwError } from './listing.js';
import { connectWiseApiRoutes, type CwEnv } from './routes.js';
import { describedByConnectWise } from './spec.js';
import { ConnectWiseState, type ConnectWiseSeed } from './state.js';
import { FaultInjector, faultLayer } from '../faults.js';
import { listen, systemClock, type Clock, type ListenOptions } from '../http.js';

export { ConnectWiseState } from './state.js';
export type { ConnectWiseSeed, CwNote, CwTicketSeed, CwCompany, CwMember, CwBoard } from './state.js';

export interface ConnectWiseServerOptions extends ListenOptions {
  seed: ConnectWiseSeed;
  latencyMs?: number;
  clock?: Clock;
}

export interface ConnectWiseServer {
  url: string;
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
  state: ConnectWiseState;
  faults: FaultInjector;
  close(): Promise<void>;
}

export async function startConnectWiseServer(opts: ConnectWiseServerOptions): Promise<ConnectWiseServer> {
  const state = new ConnectWiseState(opts.seed, opts.clock ?? systemClock);
  const faults = new FaultInjector();
  const app = new Hono<CwEnv>();
  let siteHost = '';

  app.use(
    '*',
    faultLayer({
      faults,
      ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
      errorBody: (status) =>
        status === 429
          ? { error: 'ConnectWiseAPI', message: 'Too many requests. Please try again later.' }
          : { code: status >= 500 ? 'InternalServerError' : 'BadRequest', message: `Injected HTTP ${status}` },
    }),
  );

  // Codebase discovery (reference: an unknown company answers null, not 404).
  app.get('/login/companyinfo/:companyId', (c) => {
    if (c.req.param('companyId').toLowerCase() !== state.seed.companyId.toLowerCase()) return c.json(null);
    return c.json({
      CompanyName: state.seed.companyName,
      Codebase: state.codebase,
      VersionCode: 'v2025.1',
      CompanyID: state.seed.companyId,
      IsCloud: 'True',
    });
  });

  app.get('/hosted-host', (c) => hostedHostPage(c, state, siteHost));
  // The simulated Manage screens (ticket list and Service Ticket page), outside the API base path.
  app.route('/', connectWisePages(state));

  app.use('/:codebase/apis/3.0/*', async (c, next) => {
    const base = `/${c.req.param('codebase')}/apis/3.0`;
    // A stale codebase answers 404, which is the clients' cue to re-discover (reference: hosted codebases change).
    if (`${c.req.param('codebase')}/` !== state.codebase) return cwError(c, 404, 'NotFound', 'The requested resource was not found.');
    // Only what ConnectWise's published API describes exists (spec.ts).
    const verdict = describedByConnectWise(c.req.method, c.req.path.slice(base.length));
    if (verdict.kind === 'no-such-path') return cwError(c, 404, 'NotFound', 'The requested resource was not found.');
    if (verdict.kind === 'wrong-method') {
      c.header('Allow', verdict.allow.join(', '));
      return cwError(c, 405, 'MethodNotAllowed', `The requested resource does not support http method '${c.req.method}'.`);
    }
    if (!clientIdOk(c.req.header('clientId'))) {
      return cwError(c, 401, 'Unauthorized', 'A valid clientId header is required (developer.connectwise.com).');
    }
    const member = authenticate(c.req.header('authorization'), c.req.method, c.req.path.slice(base.length), (name) => getCookie(c, name));
    if (!member) return cwError(c, 401, 'Unauthorized', 'The request requires authentication.');
    // The sandbox is stricter than the service here: without the vnd type first, real endpoints silently change
    // behaviour (the reference: tickets stop including project tickets), so refusing makes that client bug visible.
    const accept = (c.req.header('accept') ?? '').trim().toLowerCase();
    if (!accept.startsWith('application/vnd.connectwise.com+json')) {
      return cwError(c, 400, 'BadRequest', 'Accept must start with application/vnd.connectwise.com+json; version=2025.1 (sandbox check).');
    }
    c.set('member', member);
    await next();
  });
  app.route('/:codebase/apis/3.0', connectWiseBoardRoutes(state));
  app.route('/:codebase/apis/3.0', connectWiseApiRoutes(state));
  app.all('*', (c) => cwError(c, 404, 'NotFound', 'The requested resource was not found.'));

  function clientIdOk(header: string | undefined): boolean {
    return header !== undefined && header.toLowerCase() === state.seed.clientId.toLowerCase();
  }

  /**
   * API-member keys (Basic) on every path: with them, every call is the API member's, cookies or not — so
   * `/system/myMembers/info` then names the API member, never the technician. Without them, the Hosted API member
   * cookies (reference/specs/connectwise-hosted-api-evidence.md §4: `companyName`, `memberId`, `memberHash` and
   * `memberContext`, all required) on the identity reads and on reading one ticket (which answers 403 for a ticket the
   * member may not open: routes.ts) — never on lists, notes or writes.
   */
  function authenticate(authorization: string | undefined, method: string, path: string, cookie: (name: string) => string | undefined) {
    if (authorization !== undefined) {
      const basic = /^Basic\s+(.+)$/i.exec(authorization);
      if (!basic) return undefined;
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const expected = `${state.seed.companyId}+${state.seed.publicKey}:${state.seed.privateKey}`;
      const [company = '', ...rest] = decoded.split('+');
      const ok = company.toLowerCase() === state.seed.companyId.toLowerCase() && rest.join('+') === expected.slice(expected.indexOf('+') + 1);
      return ok ? state.member(state.seed.apiMember) : undefined;
    }
    const oneTicketRead = method === 'GET' && /^\/service\/tickets\/\d+$/.test(path);
    if (path !== '/system/myMembers/info' && path !== '/system/info' && !oneTicketRead) return undefined;
    const member = state.member(cookie('memberId') ?? '');
    const valid =
      member !== undefined &&
      (cookie('companyName') ?? '').toLowerCase() === state.seed.companyId.toLowerCase() &&
      cookie('memberHash') === member.memberHash &&
      cookie('memberContext') === state.memberContext(member);
    return valid ? member : undefined;
  }

  const running = await listen(app, opts);
  siteHost = new URL(running.url).host;
  return {
    url: running.url,
    companyId: state.seed.companyId,
    publicKey: state.seed.publicKey,
    privateKey: state.seed.privateKey,
    clientId: state.seed.clientId,
    state,
    faults,
    close: running.close,
  };
}
