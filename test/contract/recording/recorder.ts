import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeBody, SAFE_HEADER_VALUES, type RecordedRequest } from './types.js';

/**
 * Records every HTTP request the connector's own code (anything under src/ except the simulators in src/sandbox)
 * sends through fetch, whoever answers it: a simulator on loopback, a nock interceptor, or nobody.
 *
 * Two taps, because nock 14 replaces `globalThis.fetch` with an @mswjs/interceptors proxy that answers mocked requests
 * without calling the fetch underneath it:
 * - a wrapper around `globalThis.fetch`, installed before any test module loads (sees every request when nock is not
 *   loaded, and is the proxy's "real fetch" when it is);
 * - a listener on the running fetch interceptor's "request" event (sees every request that goes through nock's proxy,
 *   mocked or passed through). A request the listener saw is not recorded again by the wrapper underneath.
 * Requests a test sends itself (probing a simulator, calling the connector) are not the connector's and are skipped:
 * the sender is read from the call stack.
 */

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));
const SRC = join(REPO, 'src') + sep;
const SANDBOX = join(REPO, 'src', 'sandbox') + sep;
const INTERCEPTORS = `${sep}node_modules${sep}@mswjs${sep}interceptors${sep}`;

export interface Origin {
  file?: string;
  test?: string;
}

interface RecorderState {
  dir: string | undefined;
  origin: () => Origin;
  recorded: RecordedRequest[];
  /** Set while the wrapper's inner fetch runs, so the interceptor listener does not record the same request twice. */
  inside: AsyncLocalStorage<boolean>;
  hooked: WeakSet<object>;
  installed: boolean;
}

const state: RecorderState = {
  dir: undefined,
  origin: () => ({}),
  recorded: [],
  inside: new AsyncLocalStorage<boolean>(),
  hooked: new WeakSet(),
  installed: false,
};

/** Requests recorded in this process so far (the contract test checks its own). */
export function recordedRequests(): readonly RecordedRequest[] {
  return state.recorded;
}

/** Index to pass to `recordedSince` to get only what comes after now. */
export function recordingMark(): number {
  return state.recorded.length;
}

export function recordedSince(mark: number): RecordedRequest[] {
  return state.recorded.slice(mark);
}

/**
 * Wraps `globalThis.fetch` (once per process). `dir` receives one JSONL file per process; `origin` names the test
 * running when a request is sent.
 */
export function installRecorder(opts: { dir: string | undefined; origin: () => Origin }): void {
  state.dir = opts.dir;
  state.origin = opts.origin;
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  if (state.installed) return;
  state.installed = true;
  const inner = globalThis.fetch;
  const recordingFetch: typeof fetch = (input, init) => {
    const sender = senderOf(callStack());
    // Through nock's proxy the listener below has recorded it already; from a test it is not the connector's. With no
    // frame of this repository at all (a library calling fetch by itself) it is checked too: better one check too many.
    if (sender.kind !== 'test' && !sender.viaInterceptor && state.inside.getStore() !== true) {
      try {
        void capture(fromFetchArguments(input, init), sender.caller);
      } catch {
        // A request fetch itself will refuse (a bad header) is left for fetch to refuse; recording never throws.
      }
    }
    return state.inside.run(true, () => inner(input, init));
  };
  globalThis.fetch = recordingFetch;
}

/** Adds the listener to nock's running fetch interceptor, if one runs and has not got it yet (call before each test). */
export function attachToFetchInterceptor(): void {
  const instance = (globalThis as Record<symbol, unknown>)[Symbol.for('fetch-interceptor')] as
    | { emitter?: { prependListener?: (event: string, listener: (e: { request: Request }) => Promise<void>) => void } }
    | undefined;
  if (!instance?.emitter?.prependListener || state.hooked.has(instance)) return;
  state.hooked.add(instance);
  instance.emitter.prependListener('request', async ({ request }) => {
    // Called synchronously from the proxy, so the stack still shows who called fetch.
    const sender = senderOf(callStack());
    if (sender.kind === 'test' || state.inside.getStore() === true) return;
    try {
      await capture(fromRequest(request.clone()), sender.caller);
    } catch {
      // Never disturb the request being recorded.
    }
  });
}

/** The current call stack, deep enough to get past fetch wrappers and interceptors to the caller. */
function callStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  try {
    return new Error().stack ?? '';
  } finally {
    Error.stackTraceLimit = limit;
  }
}

interface Sender {
  kind: 'connector' | 'test' | 'unknown';
  viaInterceptor: boolean;
  caller?: string;
}

/** The first frame in this repository outside the recorder decides who sent the request. */
export function senderOf(stack: string): Sender {
  let viaInterceptor = false;
  for (const line of stack.split('\n').slice(1)) {
    const file = frameFile(line);
    if (!file) continue;
    if (file.includes(INTERCEPTORS)) viaInterceptor = true;
    if (!file.startsWith(REPO) || file.startsWith(HERE) || file.includes(`${sep}node_modules${sep}`)) continue;
    const caller = `${file.slice(REPO.length)} ${/at (?:async )?([^\s(]+) \(/.exec(line)?.[1] ?? ''}`.trim();
    const connector = file.startsWith(SRC) && !file.startsWith(SANDBOX);
    return { kind: connector ? 'connector' : 'test', viaInterceptor, caller };
  }
  return { kind: 'unknown', viaInterceptor };
}

function frameFile(line: string): string | undefined {
  const m = /(?:\(|at )((?:file:\/\/)?\/[^()]*?):\d+:\d+\)?\s*$/.exec(line);
  if (!m) return undefined;
  return m[1]!.startsWith('file://') ? fileURLToPath(m[1]!) : m[1]!;
}

interface Pending {
  method: string;
  url: string;
  headers: Headers;
  body: Promise<string | undefined>;
}

function fromFetchArguments(input: string | URL | Request, init: RequestInit | undefined): Pending {
  if (input instanceof Request) {
    const merged = init ? new Request(input.clone(), init) : input.clone();
    return fromRequest(merged);
  }
  const body = init?.body;
  return {
    method: (init?.method ?? 'GET').toUpperCase(),
    url: String(input),
    headers: new Headers(init?.headers),
    body: Promise.resolve(typeof body === 'string' ? body : body == null ? undefined : '[non-string body]'),
  };
}

function fromRequest(request: Request): Pending {
  return {
    method: request.method.toUpperCase(),
    url: request.url,
    headers: request.headers,
    body: request.body ? request.text() : Promise.resolve(undefined),
  };
}

async function capture(pending: Pending, caller: string | undefined): Promise<void> {
  const origin = state.origin();
  const headers: Record<string, string> = {};
  pending.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = SAFE_HEADER_VALUES.has(name.toLowerCase()) ? value : '(sent)';
  });
  // The order of records follows the order of sends: push first, fill the body in when it has been read.
  const record: RecordedRequest = { method: pending.method, url: pending.url, headers, origin: { ...origin, ...(caller ? { caller } : {}) } };
  state.recorded.push(record);
  const text = await pending.body.catch(() => undefined);
  if (text !== undefined && text !== '') record.body = describeBody(text, headers['content-type']);
  if (state.dir) appendFileSync(join(state.dir, `${process.pid}.jsonl`), `${JSON.stringify(record)}\n`);
}
