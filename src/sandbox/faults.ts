import type { HttpBindings } from '@hono/node-server';
import type { MiddlewareHandler } from 'hono';

/**
 * Fault injection and a request log, shared by every simulated server. Tests and benchmarks use it to make an upstream
 * throttle (429 + Retry-After), fail (5xx), hang (hold), slow down (delay) or cut the connection (drop) on demand, and
 * to count the calls the connector made.
 */
export interface FaultRule {
  /** Only this HTTP method (any when absent). */
  method?: string;
  /**
   * A string matches the request path exactly or as a trailing run of whole segments, so `/service/tickets/5/notes`
   * matches `/v2025_1/apis/3.0/service/tickets/5/notes`. A RegExp is tested against the full path.
   */
  path: string | RegExp;
  /** How many matching requests this fault applies to; 1 when absent (like nock). Use Infinity for "until removed". */
  times?: number;
  /** Answer with this status and the vendor's error body instead of running the route. */
  status?: number;
  /** Sent as the Retry-After header (seconds or an HTTP date) with `status`. */
  retryAfter?: string;
  /** Overrides the vendor-shaped error body sent with `status`. */
  body?: unknown;
  /** Wait this long before answering (or before running the route when no status is given). */
  delayMs?: number;
  /** Destroy the socket without an answer: the client sees a connection reset. */
  drop?: boolean;
  /** Keep the request waiting until this promise settles, then carry on (with `status`, `drop`, or the route). */
  hold?: Promise<void>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The raw query string without `?` ('' when none). */
  query: string;
  /** 0 when the connection was dropped. */
  status: number;
  /** True when an injected fault answered (or dropped) the request. */
  faulted: boolean;
}

export interface FaultHandle {
  /** Matching requests this fault has affected so far. */
  readonly hits: number;
  remove(): void;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
  hits: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private log: RecordedRequest[] = [];

  add(rule: FaultRule): FaultHandle {
    const active: ActiveRule = { rule, remaining: rule.times ?? 1, hits: 0 };
    this.rules.push(active);
    return {
      get hits() {
        return active.hits;
      },
      remove: () => {
        this.rules = this.rules.filter((r) => r !== active);
      },
    };
  }

  /** Removes every fault that has not run out yet. */
  clear(): void {
    this.rules = [];
  }

  /** Requests seen so far, oldest first; optionally only those matching a method and/or path (same rule as faults). */
  requests(filter: { method?: string; path?: string | RegExp } = {}): RecordedRequest[] {
    return this.log.filter((r) => matches(filter, r.method, r.path));
  }

  /** Forgets the request log and removes every fault. */
  reset(): void {
    this.log = [];
    this.rules = [];
  }

  /** @internal Consumes one use of the first rule that matches, if any. */
  take(method: string, path: string): FaultRule | undefined {
    const active = this.rules.find((r) => r.remaining > 0 && matches(r.rule, method, path));
    if (!active) return undefined;
    active.remaining -= 1;
    active.hits += 1;
    if (active.remaining <= 0) this.rules = this.rules.filter((r) => r !== active);
    return active.rule;
  }

  /** @internal */
  record(entry: RecordedRequest): void {
    this.log.push(entry);
  }
}

function matches(rule: { method?: string; path?: string | RegExp }, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (rule.path === undefined) return true;
  if (rule.path instanceof RegExp) return rule.path.test(path);
  const suffix = rule.path.startsWith('/') ? rule.path : `/${rule.path}`;
  return path === suffix || path.endsWith(suffix);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface FaultLayerOptions {
  faults: FaultInjector;
  /** Fixed simulated latency added to every request (benchmarks). */
  latencyMs?: number;
  /** The vendor's error body for an injected status, so clients parse injected errors like real ones. */
  errorBody: (status: number) => unknown;
}

/** Hono middleware: applies latency and faults, and records every request with the status it got. */
export function faultLayer(opts: FaultLayerOptions): MiddlewareHandler<{ Bindings: HttpBindings }> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const base = { method: c.req.method, path: url.pathname, query: url.search.replace(/^\?/, '') };
    if (opts.latencyMs) await sleep(opts.latencyMs);
    const rule = opts.faults.take(c.req.method, url.pathname);
    if (rule) {
      if (rule.delayMs) await sleep(rule.delayMs);
      if (rule.hold) await rule.hold.catch(() => undefined);
      if (rule.drop) {
        opts.faults.record({ ...base, status: 0, faulted: true });
        c.env.incoming.socket.destroy();
        // Nothing reaches the client; the response below is discarded by the destroyed socket.
        return c.body(null, 500);
      }
      if (rule.status) {
        opts.faults.record({ ...base, status: rule.status, faulted: true });
        const headers: Record<string, string> = rule.retryAfter ? { 'Retry-After': rule.retryAfter } : {};
        return c.json((rule.body ?? opts.errorBody(rule.status)) as object, rule.status as 400, headers);
      }
    }
    await next();
    opts.faults.record({ ...base, status: c.res.status, faulted: false });
  };
}
