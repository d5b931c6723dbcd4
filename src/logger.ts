import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/**
 * pino JSON logs. Redaction is the second line of defence: code never passes the pass, a token or a secret to the
 * logger in the first place (see test/security/no-secret-leaks.test.ts, which scans every line).
 */
const REDACT = [
  'pass',
  'temporaryAccessPass',
  '*.temporaryAccessPass',
  '*.*.temporaryAccessPass',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'access_token',
  '*.access_token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-tap-signature"]',
  'clientSecret',
  '*.clientSecret',
  'privateKey',
  '*.privateKey',
  'sealKey',
  'noteText',
  '*.noteText',
];

/** The request being served: its ids, and what it did (told on its one closing line, see `logOutcome`). */
export interface RequestLogContext {
  requestId: string;
  callerRequestId?: string;
  /** Fields `logOutcome` hands to the request's closing line. */
  outcome?: Record<string, unknown>;
  /** The closing line is written: a later outcome (work the request left running) logs a line of its own. */
  closed?: boolean;
}

/**
 * The request being served, if any: every log line written while serving it carries its request id (ours) and the
 * caller's own id when it sent a valid one.
 */
export const requestContext = new AsyncLocalStorage<RequestLogContext>();

/** The ids every line written while serving a request carries (a new object per line: pino merges into it). */
function requestIds(): Record<string, string> {
  const store = requestContext.getStore();
  if (!store) return {};
  return store.callerRequestId ? { requestId: store.requestId, callerRequestId: store.callerRequestId } : { requestId: store.requestId };
}

/**
 * An outcome worth an info line (a pass issued). While a request is served it rides on that request's closing line
 * (app.ts), so a button press logs one info line, not one per step — pino writes synchronously, and each line costs
 * the press. Anywhere else (poller, scheduler) it is a line of its own.
 */
export function logOutcome(logger: Logger, fields: Record<string, unknown>, msg: string): void {
  const store = requestContext.getStore();
  if (store && !store.closed) {
    store.outcome = { ...store.outcome, ...fields, outcome: msg };
    return;
  }
  logger.info(fields, msg);
}

/** The fields of the request's closing line that `logOutcome` gathered; later outcomes log lines of their own. */
export function closeRequestLog(context: RequestLogContext): Record<string, unknown> {
  context.closed = true;
  return context.outcome ?? {};
}

export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'psa-tap-connector' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // A new object: pino merges each line's fields INTO the object the mixin returns, so handing it the shared
      // per-request object made every line carry the fields of all earlier lines of that request.
      mixin: requestIds,
    },
    opts.destination,
  );
}

/**
 * Error details safe for logs: name, code, status and message, never bodies or headers (which may hold tokens). An
 * unexpected error — anything but an AppError, or an AppError coded INTERNAL — keeps its stack (first lines) and its
 * cause, because that is where the bug is; an expected AppError (a refusal, an upstream being down) is its code and
 * sentence only.
 */
export function errorForLog(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; status?: unknown; statusCode?: unknown; extra?: { cause?: unknown } };
  const expected = e.name === 'AppError' && e.code !== 'INTERNAL';
  const cause = e.name === 'AppError' ? e.extra?.cause : e.cause;
  return {
    name: e.name,
    message: e.message.slice(0, 500),
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(typeof e.statusCode === 'number' ? { status: e.statusCode } : {}),
    ...(!expected && e.stack ? { stack: e.stack.split('\n').slice(0, STACK_LINES).join('\n') } : {}),
    ...(!expected && cause !== undefined && depth < 2 ? { cause: errorForLog(cause, depth + 1) } : {}),
  };
}

const STACK_LINES = 16;

/**
 * Sandbox mode's log lines: one short line each ("12:04:31 INFO  TAP issued psa=halo ticketId=2012"), written
 * synchronously so they cannot overtake the start-up banner. Production keeps JSON for log collectors.
 */
export function prettyLogStream(opts: { colorize?: boolean } = {}): DestinationStream {
  // Loaded here, not at start-up: production writes JSON and never needs it (~40 ms and its dependencies before /readyz).
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({
    colorize: opts.colorize ?? process.stdout.isTTY === true,
    singleLine: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss',
    // Ids matter to a log collector, not to someone watching the sandbox; the audit page and ticket pages show them.
    ignore: 'pid,hostname,service,requestId,issuanceId,outboxId,userObjectId,tenantId',
  });
}
