import type { z } from 'zod';
import { isBackgroundWork } from '../background.js';
import { retryAfterMs } from '../retry-after.js';
import { retryWithBackoff } from '../retry.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createRequestPacer, type RequestPacer, type RequestPriority } from './pacing.js';
import { scrubVendorMessage } from './vendor-message.js';
import { withDeadline } from '../deadline.js';

/**
 * The one HTTP path both PSA adapters use: a timeout, retries with backoff, and the mapping of a failed response to an
 * AppError. Vendor specifics (auth headers, error body shapes, credential hints) stay in each adapter. Every attempt
 * waits for the PSA's pacer first (src/psa/pacing.ts), so the PSA's rate limit is respected before a 429 says so.
 *
 * Retries go through the one retry engine (src/retry.ts, p-retry with the caller's sleep and Retry-After).
 */

export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;
export type Sleep = (ms: number) => Promise<void>;

export interface RetryPolicy {
  maxAttempts: number;
  /** The backoff (src/backoff.ts): the first retry waits this, ± jitter; each next one twice as long, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** ± this fraction at random. */
  jitter?: number;
  /** Total time spent waiting between attempts; past it the last answer stands (a button click must not hang). */
  maxTotalWaitMs: number;
}

/** Waits of 0.5–1 s, 1–2 s, 2–4 s, 4–8 s (750 ms doubling, ± a third), never over 20 s; at most a minute in all. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 750, maxDelayMs: 15_000, jitter: 1 / 3, maxTotalWaitMs: 60_000 };

export interface HttpDeps {
  vendor: 'ConnectWise' | 'HaloPSA';
  fetch: FetchLike;
  sleep: Sleep;
  random: () => number;
  now: () => number;
  logger: Logger;
  policy?: RetryPolicy;
  timeoutMs?: number;
  /** The PSA's token bucket; absent means unpaced (only a caller building HttpDeps by hand). */
  pacer?: RequestPacer;
}

export interface PsaHttpRequest {
  method: 'GET' | 'POST' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * Safe to send again after a 5xx or a network error. True for GET; a note POST is not (a duplicate note would show
   * the pass twice, and the outbox retries it anyway). A 429 is always retried: the request was not processed.
   */
  idempotent?: boolean;
  redirect?: 'follow' | 'manual' | 'error';
  /**
   * Who waits for the answer. Default: 'background' inside a background loop's cycle (src/background.ts), else
   * 'interactive' (a button press, an admin page). Interactive requests are paced ahead of background ones.
   */
  priority?: RequestPriority;
}

export interface PsaHttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** What the request carried that the vendor may quote back (body, authorization): scrubbed from any error detail. */
  sent?: readonly string[];
}

export const defaultSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** What each adapter factory accepts for its network and clock; tests inject them, production takes the defaults. */
export interface TransportOverrides {
  fetch?: FetchLike;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  /** A pacer to use instead of a new one (to share one bucket between two clients of the same PSA). */
  pacer?: RequestPacer;
}

/** Transport for one PSA connector, with its own token bucket at `requestsPerMinute` (one bucket per connector). */
export function buildHttpDeps(
  vendor: HttpDeps['vendor'],
  logger: Logger,
  overrides: TransportOverrides,
  pacing: { requestsPerMinute: number },
): HttpDeps {
  const sleep = overrides.sleep ?? defaultSleep;
  const now = overrides.now ?? Date.now;
  return {
    vendor,
    // Looked up at call time, not captured, so a fetch patched later (nock, a proxy agent) is the one used.
    fetch: overrides.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    sleep,
    random: overrides.random ?? Math.random,
    now,
    logger,
    pacer: overrides.pacer ?? createRequestPacer({ requestsPerMinute: pacing.requestsPerMinute }, { now, sleep }),
  };
}

/** A 429, or a 5xx to a request that may be sent again: worth another attempt, carried as a failure to the engine. */
class RetryableAnswer extends Error {
  constructor(readonly response: PsaHttpResponse) {
    super(`HTTP ${response.status}`);
  }
}

export async function sendWithRetry(deps: HttpDeps, req: PsaHttpRequest): Promise<PsaHttpResponse> {
  const policy = deps.policy ?? DEFAULT_RETRY_POLICY;
  const resendable = req.idempotent ?? req.method === 'GET';
  const path = safePath(req.url);
  const priority = req.priority ?? (isBackgroundWork() ? 'background' : 'interactive');
  const statusOf = (failure: unknown) => (failure instanceof RetryableAnswer ? failure.response.status : undefined);
  try {
    return await retryWithBackoff(
      async () => {
        // Retries draw from the bucket like first attempts: to the PSA they are requests all the same.
        await deps.pacer?.acquire(priority);
        const response = await sendOnce(deps, req);
        if (response.status === 429 || (response.status >= 500 && resendable)) throw new RetryableAnswer(response);
        return response;
      },
      {
        maxAttempts: policy.maxAttempts,
        backoff: { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: policy.jitter ?? 0 },
        maxTotalWaitMs: policy.maxTotalWaitMs,
        sleep: (ms) => (deps.pacer ? deps.pacer.sleep(ms) : deps.sleep(ms)),
        now: () => new Date(deps.now()),
        random: deps.random,
        // A 429 was not processed, so it is always sent again; a network error or a 5xx only when resending is safe.
        transient: (failure) =>
          failure instanceof RetryableAnswer
            ? { retryAfter: failure.response.status === 429 ? failure.response.headers.get('retry-after') : undefined }
            : resendable
              ? {}
              : undefined,
        // A 429 is about the connector as a whole, not this request: every request to this PSA waits it out.
        onFailure: ({ failure, waitMs }) => {
          if (statusOf(failure) === 429) deps.pacer?.holdFor(waitMs);
        },
        onRetry: ({ failure, attempt, waitMs }) =>
          deps.logger.warn({ method: req.method, path, status: statusOf(failure) ?? 'network-error', attempt, waitMs }, `${deps.vendor} request will be retried`),
      },
    );
  } catch (failure) {
    // The last answer stands; a request that never got one is the PSA being unavailable.
    if (failure instanceof RetryableAnswer) return failure.response;
    throw new AppError('UPSTREAM_UNAVAILABLE', `${deps.vendor} did not answer (${networkReason(failure)}); try again shortly.`, { cause: failure });
  }
}

async function sendOnce(deps: HttpDeps, req: PsaHttpRequest): Promise<PsaHttpResponse> {
  // The deadline covers the body too, and its timer goes as soon as the body is in.
  return withDeadline(deps.timeoutMs ?? 30_000, async (signal) => {
    const response = await deps.fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      redirect: req.redirect ?? 'follow',
      signal,
    });
    const sent = [req.body, req.headers.Authorization ?? req.headers.authorization].filter((v): v is string => !!v);
    return { status: response.status, headers: response.headers, text: await response.text(), sent };
  });
}

function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timed out';
  return 'connection failed';
}

/** Path only, for logs: query strings can be long and the origin adds nothing. */
export function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(invalid url)';
  }
}

export interface FailureContext {
  vendor: HttpDeps['vendor'];
  /** The vendor's own message, already extracted from its error body (scrubbed here before it is used). */
  message: string | undefined;
  /** The vendor's error code (`invalid_client`, a resultCode, a ClassName), kept beside the status. */
  vendorCode?: string | undefined;
  /** What an admin should check on 401. */
  credentialHint: string;
  /** What an admin should check on 403. */
  permissionHint: string;
  /** Values that must never appear in a detail, even if the vendor echoes them. */
  secrets: readonly string[];
  now: number;
}

/**
 * A non-2xx answer as an AppError whose detail is one short sentence: the status, the vendor's error code and its
 * message scrubbed of every secret and of anything quoted from the request (never headers, bodies or credentials).
 * The detail is logged and stored (`note_outbox.last_error`), so nothing the vendor echoes may reach it.
 */
export function errorFromResponse(response: PsaHttpResponse, ctx: FailureContext): AppError {
  const message = ctx.message ? clip(scrubVendorMessage(ctx.message, { secrets: ctx.secrets, sent: response.sent ?? [] })) : '';
  const said = message ? ` ${ctx.vendor} said: "${message}"` : '';
  const { status } = response;
  const code = ctx.vendorCode ? `, ${scrubVendorMessage(ctx.vendorCode, { secrets: ctx.secrets, sent: response.sent ?? [] })}` : '';
  if (status === 401) {
    return new AppError('PSA_ERROR', `${ctx.vendor} rejected the connector's credentials (HTTP 401${code}); ${ctx.credentialHint}.${said}`);
  }
  if (status === 403) {
    return new AppError('PSA_ERROR', `${ctx.vendor} denied the request (HTTP 403${code}); ${ctx.permissionHint}.${said}`);
  }
  if (status === 429) {
    const ms = retryAfterMs(response.headers.get('retry-after'), new Date(ctx.now));
    const seconds = ms === undefined ? 60 : Math.max(1, Math.ceil(ms / 1000));
    return new AppError('UPSTREAM_THROTTLED', `${ctx.vendor} is throttling the connector; try again in about ${seconds} s.`, {
      retryAfterSeconds: seconds,
    });
  }
  if (status >= 500) {
    return new AppError('UPSTREAM_UNAVAILABLE', `${ctx.vendor} failed to answer (HTTP ${status}${code}); try again shortly.${said}`);
  }
  return new AppError('PSA_ERROR', `${ctx.vendor} rejected the request (HTTP ${status}${code}).${said}`);
}

export function clip(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Parses a 2xx body we depend on; a shape we cannot use is a PSA_ERROR naming what was expected, not a crash later. */
export function parseBody<T>(vendor: HttpDeps['vendor'], text: string, schema: z.ZodType<T>, what: string): T {
  const json = tryParseJson(text);
  if (json === undefined) {
    throw new AppError('PSA_ERROR', `${vendor} answered with something other than JSON for ${what}; check the configured URL.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (at ${issue.path.join('.')})` : '';
    throw new AppError('PSA_ERROR', `${vendor} returned an unexpected ${what}${where}.`);
  }
  return parsed.data;
}

/** Query string with `encodeURIComponent` plus the characters it leaves alone (CW asks for `' * ( ) !` encoded too). */
export function encodeQuery(params: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(params)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([k, v]) => `${strictEncode(k)}=${strictEncode(String(v))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** True for a ticket id the PSAs can hold (both number tickets with positive integers). */
export function isTicketId(value: string): boolean {
  return /^[1-9]\d{0,15}$/.test(value);
}
