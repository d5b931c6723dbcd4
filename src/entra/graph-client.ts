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
    const answer = await withDeadline(this.timeoutMs, async (signal) => {
      const response = await this.fetch(context.request, { ...init, signal });
      return new BufferedAnswer(response, response.status === 204 || response.status === 304 ? null : await response.arrayBuffer());
    });
    // The SDK reads status, ok, headers and the body (json, text, arrayBuffer, blob, or the stream): all of it here.
    context.response = answer as unknown as Response;
  }
}

/**
 * A Graph answer whose body is already in. Building a second WHATWG Response around the bytes (and reading it back
 * through a stream) cost ~0.1 ms per Graph call, eight calls a button press (docs/benchmarks.md, issue 14); this hands
 * the SDK the same status, headers and bytes. `json()` decodes as Response.json() does (UTF-8, a BOM dropped).
 */
class BufferedAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly url: string;
  readonly type: Response['type'];
  readonly redirected: boolean;
  bodyUsed = false;

  constructor(
    response: Response,
    private readonly bytes: ArrayBuffer | null,
  ) {
    this.status = response.status;
    this.statusText = response.statusText;
    this.ok = response.ok;
    this.headers = response.headers;
    this.url = response.url;
    this.type = response.type;
    this.redirected = response.redirected;
  }

  get body(): ReadableStream<Uint8Array> | null {
    return this.bytes ? new Response(this.bytes).body : null;
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.bytes ? new TextDecoder().decode(this.bytes) : '';
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    return this.bytes ? this.bytes.slice(0) : new ArrayBuffer(0);
  }

  async blob(): Promise<Blob> {
    this.bodyUsed = true;
    return new Blob(this.bytes ? [this.bytes] : [], { type: this.headers.get('content-type') ?? '' });
  }

  clone(): BufferedAnswer {
    return Object.assign(Object.create(BufferedAnswer.prototype) as BufferedAnswer, this, { bodyUsed: false });
  }
}
