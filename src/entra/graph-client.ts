import { Client, GraphClientError, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { AppError } from '../errors.js';
import type { Fetch } from './http.js';
import { assertTenantId } from './paths.js';
import type { TokenProvider } from './token-provider.js';
import { withDeadline } from '../deadline.js';

/** Graph answers within 60 s or gives up itself (reference/entra-graph.md); a little longer covers the network. */
const DEFAULT_TIMEOUT_MS = 65_000;

export interface GraphClientOptions {
  /** e.g. https://graph.microsoft.com (any https origin, optionally with a path; `/v1.0` is appended). */
  graphBaseUrl: string;
  tokens: TokenProvider;
  fetch: Fetch;
  timeoutMs?: number;
}

/**
 * Graph clients, one per tenant, each with our own middleware chain: attach the tenant's bearer token, then call the
 * injected fetch. No RetryHandler: the SDK's default one retries POSTs too, which would replay a TAP create
 * (reference/entra-graph.md, Throttling); reads are retried by read-retry.ts instead. A custom chain also avoids the
 * SDK's rule of sending tokens only to known Graph hosts, so GRAPH_BASE_URL may point at the sandbox.
 */
export function createGraphClients(opts: GraphClientOptions): (tenantId: string) => Client {
  const baseUrl = opts.graphBaseUrl.replace(/\/+$/, '');
  const clients = new Map<string, Client>();
  return (tenantId) => {
    assertTenantId(tenantId);
    let client = clients.get(tenantId);
    if (!client) {
      const middleware = [
        new BearerToken(tenantId, opts.tokens, baseUrl),
        new FetchHandler(opts.fetch, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      ];
      client = Client.initWithMiddleware({ middleware, baseUrl, defaultVersion: 'v1.0' });
      clients.set(tenantId, client);
    }
    return client;
  };
}

/**
 * Errors thrown by a middleware are turned into GraphErrors by the SDK — except GraphClientError, so ours travel
 * inside one and graph-errors.ts unwraps them.
 */
function carry(error: AppError): GraphClientError {
  const wrapper = new GraphClientError(error.message);
  wrapper.customError = error;
  return wrapper;
}

class BearerToken implements Middleware {
  private next: Middleware | undefined;

  constructor(
    private readonly tenantId: string,
    private readonly tokens: TokenProvider,
    private readonly baseUrl: string,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    // The token goes to GRAPH_BASE_URL only, whatever URL an @odata.nextLink may name.
    if (url !== this.baseUrl && !url.startsWith(`${this.baseUrl}/`)) {
      throw carry(new AppError('INTERNAL', `Refused to send a Graph token for tenant ${this.tenantId} to another host.`));
    }
    let token: string;
    try {
      token = await this.tokens.getToken(this.tenantId);
    } catch (error) {
      throw carry(error instanceof AppError ? error : new AppError('INTERNAL', undefined, { cause: error }));
    }
    const headers = new Headers(context.options?.headers);
    headers.set('Authorization', `Bearer ${token}`);
    context.options = { ...context.options, headers };
    if (!this.next) throw new Error('BearerToken must not be the last middleware');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

class FetchHandler implements Middleware {
  constructor(
    private readonly fetch: Fetch,
    private readonly timeoutMs: number,
  ) {}

  async execute(context: Context): Promise<void> {
    const init = { ...context.options } as RequestInit;
    if (init.signal) {
      context.response = await this.fetch(context.request, init);
      return;
    }
    // One deadline for the answer and its body; the body is read here so the timer can go as soon as it is in.
    context.response = await withDeadline(this.timeoutMs, async (signal) => {
      const response = await this.fetch(context.request, { ...init, signal });
      const body = await response.arrayBuffer();
      return new Response(response.status === 204 || response.status === 304 ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
    });
  }
}
