import { z } from 'zod';
import { blankToUndefined, bool, int, optionalBaseUrl, type ParsedShape } from './shared.js';

/** Where and how the HTTP server listens, and how it logs. */
export const serverShape = {
  PORT: int(1, 65535, 8787),
  HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  PUBLIC_BASE_URL: optionalBaseUrl(),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  SANDBOX: z.preprocess(blankToUndefined, z.enum(['auto', '1', '0', 'true', 'false']).default('auto')),
  TRUST_PROXY: bool(false),
};

type ServerEnv = ParsedShape<typeof serverShape>;
export type LogLevel = ServerEnv['LOG_LEVEL'];

export interface ServerConfig {
  port: number;
  host: string;
  publicBaseUrl: string;
  trustProxy: boolean;
}

/** `port` overrides PORT (0 = any free port, for tests and the bench; the variable itself insists on 1–65535). */
export function buildServer(env: ServerEnv, opts: { port?: number } = {}): { server: ServerConfig; logLevel: LogLevel } {
  const port = opts.port ?? env.PORT;
  return {
    server: {
      port,
      host: env.HOST,
      // Derived from PORT, not from the override: a random port is not known before listening.
      publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${env.PORT}`,
      trustProxy: env.TRUST_PROXY,
    },
    logLevel: env.LOG_LEVEL,
  };
}
