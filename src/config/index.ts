import { z } from 'zod';
import { buildConnectWise, connectWiseShape, type ConnectWiseConfig } from './connectwise.js';
import { buildEntra, entraShape, type EntraConfig } from './entra.js';
import { buildHalo, haloShape, type HaloConfig } from './halo.js';
import { buildLifecycle, lifecycleShape, type PollingConfig, type TapRulesConfig } from './lifecycle.js';
import { buildServer, serverShape, type LogLevel, type ServerConfig } from './server.js';
import { isSecret, variableMeta } from './shared.js';
import { buildStorage, storageShape, type AdminConfig } from './storage.js';

/**
 * Every setting comes from the environment (and an optional `.env`, loaded by main.ts). Parsed once into one typed,
 * read-only object; a bad value stops start-up with one line per problem. Secret values are never echoed in those
 * lines. Each concern (server, storage/secrets, Entra, ConnectWise, Halo, pass lifecycle/polling) keeps its variables
 * and their builder in its own file here; each variable is documented in `.env.example` and the README.
 */

export type { ConnectWiseConfig } from './connectwise.js';
export type { EntraConfig, EntraCredential } from './entra.js';
export type { HaloConfig } from './halo.js';
export type { PollingConfig, TapRulesConfig } from './lifecycle.js';
export type { LogLevel, ServerConfig } from './server.js';
export type { AdminConfig } from './storage.js';
export { isIanaZone, isLoopback } from './shared.js';

const envSchema = z.object({
  ...serverShape,
  ...storageShape,
  ...entraShape,
  ...lifecycleShape,
  ...connectWiseShape,
  ...haloShape,
});

/** Every environment variable the connector reads (documented in .env.example, the README and manifest.json). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** The variables marked `secret()` in their schema: their values never appear in a problem line. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set(
  Object.entries(envSchema.shape)
    .filter(([, schema]) => isSecret(schema))
    .map(([name]) => name),
);

/** The variables marked `onboardingSetting()`: the unattended poller's settings (tests leave them out to test the button alone). */
export const ONBOARDING_VARIABLES: readonly string[] = Object.entries(envSchema.shape)
  .filter(([, schema]) => variableMeta(schema).onboarding === true)
  .map(([name]) => name);

export interface Config {
  server: ServerConfig;
  logLevel: LogLevel;
  databasePath: string;
  /** AUDIT_RETENTION_DAYS: audit rows and dead letters older than this many days are pruned; 0 keeps them for ever. */
  auditRetentionDays: number;
  /** True when the built-in simulated PSA and Entra servers are to be started (see src/sandbox). */
  sandbox: boolean;
  sealKey: Buffer | undefined;
  admin: AdminConfig;
  entra: EntraConfig | undefined;
  tap: TapRulesConfig;
  connectwise: ConnectWiseConfig | undefined;
  halo: HaloConfig | undefined;
  polling: PollingConfig;
}

/** What a caller adds that does not come from the environment. */
export interface LoadConfigOptions {
  /**
   * The settings point at the simulated servers this process started (sandbox mode): the config says so, and the
   * simulated Entra's CA (`caPem`) is trusted by the connector's Entra/Graph clients only, never process-wide.
   */
  sandbox?: { caPem: string };
  /** Only the simulated Entra's CA, for tests and the bench that point real-mode settings at the sandbox servers. */
  trustedCaPem?: string;
  /** Listen on this port instead of PORT; 0 picks any free port (tests, bench). */
  port?: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a Config, or throws ConfigError listing every problem (never a secret value). */
export function loadConfig(
  source: NodeJS.ProcessEnv | Record<string, string | undefined>,
  opts: LoadConfigOptions = {},
): Readonly<Config> {
  const parsed = envSchema.safeParse(source);
  const problems: string[] = [];
  // A variable with a bad value is reported once, here; the checks across variables below still run (with it left
  // out), so every problem is named in one round instead of one layer per restart.
  const invalid = new Set<string>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      const got = SECRET_VARIABLES.has(name) ? '' : describeValue(source[name]);
      invalid.add(name);
      problems.push(`${name}: ${issue.message}${got}`);
    }
  }
  const rest = parsed.success ? parsed : envSchema.safeParse(Object.fromEntries(Object.entries(source).filter(([k]) => !invalid.has(k))));
  if (!rest.success) throw new ConfigError(problems);
  const env = rest.data;
  const crossProblems: string[] = [];

  const trustedCaPem = opts.sandbox?.caPem ?? opts.trustedCaPem;
  const entra = buildEntra(env, crossProblems, trustedCaPem !== undefined ? { trustedCaPem } : {});
  const connectwise = buildConnectWise(env, crossProblems);
  const halo = buildHalo(env, crossProblems);
  const sandboxAsked = env.SANDBOX === '1' || env.SANDBOX === 'true';
  const anythingReal = entra !== undefined || connectwise !== undefined || halo !== undefined;
  if (sandboxAsked && anythingReal) {
    crossProblems.push('SANDBOX: sandbox mode cannot start while real Entra or PSA settings are present; remove SANDBOX or those settings');
  }
  if (env.ENTRA_PARTNER_TENANT_ID && !entra) {
    crossProblems.push('ENTRA_PARTNER_TENANT_ID: needs ENTRA_CLIENT_ID and a credential');
  }
  // A PSA whose settings are present counts even when one of them is malformed (and so left out above).
  const psaIntended = connectwise !== undefined || halo !== undefined || PSA_VARIABLES.some((k) => typeof source[k] === 'string' && source[k].trim() !== '');
  if (psaIntended && !env.TAP_SEAL_KEY && !invalid.has('TAP_SEAL_KEY')) {
    crossProblems.push('TAP_SEAL_KEY: required when a PSA is configured — passes waiting for their note are sealed with it (openssl rand -base64 32) (not set)');
  }
  // A cross-variable line about a variable already reported as malformed would only repeat it ("… (not set)").
  problems.push(...crossProblems.filter((p) => !invalid.has(p.slice(0, p.indexOf(':')))));
  if (problems.length > 0) throw new ConfigError(problems);

  const sandbox = opts.sandbox !== undefined || (env.SANDBOX === 'auto' ? !anythingReal : sandboxAsked);
  return {
    ...buildServer(env, opts.port !== undefined ? { port: opts.port } : {}),
    ...buildStorage(env),
    sandbox,
    entra,
    ...buildLifecycle(env),
    connectwise,
    halo,
  };
}

/** The settings that switch a PSA on (their builders name each one missing). */
const PSA_VARIABLES = ['CW_SITE', 'CW_COMPANY_ID', 'CW_PUBLIC_KEY', 'CW_PRIVATE_KEY', 'CW_CLIENT_ID', 'HALO_BASE_URL', 'HALO_CLIENT_ID', 'HALO_CLIENT_SECRET', 'HALO_NOTE_OUTCOME_ID'];

function describeValue(value: string | undefined): string {
  if (value === undefined || value === '') return ' (not set)';
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return ` (got "${shown}")`;
}
