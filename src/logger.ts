import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

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

/** The request being served, if any: every log line written while serving it carries its request id. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export function createLogger(opts: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: 'psa-tap-connector' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => requestContext.getStore() ?? {},
    },
    opts.destination,
  );
}

/** Error details safe for logs: name, code, status and message, never bodies or headers (which may hold tokens). */
export function errorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; status?: unknown; statusCode?: unknown };
  return {
    name: e.name,
    message: e.message.slice(0, 500),
    ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: e.code } : {}),
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(typeof e.statusCode === 'number' ? { status: e.statusCode } : {}),
  };
}
