import { z } from 'zod';
import { blankToUndefined, int, optionalBaseUrl, type ParsedShape } from './shared.js';

/**
 * TRUST_PROXY: the number of reverse proxies in front of the connector (0 = none, X-Forwarded-For ignored). Each proxy
 * appends the address it got the request from, so the client is the Nth hop from the right; anything further left was
 * written by the caller. The old boolean is answered: "false" still means 0, "true" is refused — it trusted the
 * caller-written first hop, and whether one proxy or two was meant cannot be guessed.
 */
const PROXIES_EXPECTED = 'expected the number of proxies in front of the connector, 0–10';

function trustedProxies() {
  return z.preprocess(
    (v) => {
      const given = blankToUndefined(v);
      return typeof given === 'string' && ['false', 'no', 'off'].includes(given.trim().toLowerCase()) ? '0' : given;
    },
    z
      .string()
      .trim()
      .default('0')
      .refine((v) => !['true', 'yes', 'on'].includes(v.toLowerCase()), {
        message:
          'TRUST_PROXY is now the number of proxies in front of the connector; "true" trusted the caller-written first X-Forwarded-For hop. Behind one reverse proxy write TRUST_PROXY=1 (two proxies: 2; none: 0)',
      })
      .transform((v) => (/^\d{1,2}$/.test(v) ? Number(v) : NaN))
      .pipe(z.number({ message: PROXIES_EXPECTED }).int().min(0, { message: PROXIES_EXPECTED }).max(10, { message: PROXIES_EXPECTED })),
  );
}

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
  TRUST_PROXY: trustedProxies(),
};

type ServerEnv = ParsedShape<typeof serverShape>;
export type LogLevel = ServerEnv['LOG_LEVEL'];

export interface ServerConfig {
  port: number;
  host: string;
  publicBaseUrl: string;
  /** How many reverse proxies stand in front (TRUST_PROXY); the client is that many X-Forwarded-For hops from the right. */
  trustProxy: number;
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
