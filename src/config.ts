import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Every setting comes from the environment (and an optional `.env`, loaded by main.ts). Parsed once into one typed
 * object; a bad value stops start-up with one line per problem. Secret values are never echoed in those lines.
 * Each variable is documented in `.env.example` and the README.
 */

const SECRET_VARIABLES = new Set([
  'TAP_SEAL_KEY',
  'ADMIN_API_TOKEN',
  'ADMIN_PASSWORD_HASH',
  'ENTRA_CLIENT_SECRET',
  'CW_PRIVATE_KEY',
  'CW_BUTTON_SECRET',
  'HALO_CLIENT_SECRET',
  'HALO_BUTTON_SECRET',
]);

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
const int = (min: number, max: number, fallback: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
const bool = (fallback: boolean) =>
  z.preprocess(
    blankToUndefined,
    z
      .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => ['1', 'true', 'yes', 'on'].includes(v)),
  );
/** An http(s) URL without a trailing slash. Plain http is accepted only for loopback hosts (sandbox, tests). */
const baseUrl = (opts: { httpsOnly?: boolean } = {}) =>
  z
    .string()
    .trim()
    .url({ message: 'expected an absolute URL such as https://example.com' })
    .refine(
      (u) => {
        const url = new URL(u);
        if (url.protocol === 'https:') return true;
        return !opts.httpsOnly && url.protocol === 'http:' && isLoopback(url.hostname);
      },
      { message: opts.httpsOnly ? 'expected an https:// URL' : 'expected an https:// URL (http:// only on loopback)' },
    )
    .transform((u) => u.replace(/\/+$/, ''));
const optionalBaseUrl = (opts?: { httpsOnly?: boolean }) => z.preprocess(blankToUndefined, baseUrl(opts).optional());
const tenantId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
  message: 'expected a tenant id (GUID)',
});

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}

const envSchema = z.object({
  // --- server
  PORT: int(1, 65535, 8787),
  HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
  PUBLIC_BASE_URL: optionalBaseUrl(),
  LOG_LEVEL: z.preprocess(
    blankToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  DATABASE_PATH: z.preprocess(blankToUndefined, z.string().default('./data/psa-tap-connector.sqlite')),
  SANDBOX: z.preprocess(blankToUndefined, z.enum(['auto', '1', '0', 'true', 'false']).default('auto')),

  // --- secrets held by the connector
  TAP_SEAL_KEY: z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, {
        message: 'expected 32 random bytes, base64-encoded (openssl rand -base64 32)',
      })
      .transform((v) => Buffer.from(v, 'base64'))
      .optional(),
  ),
  ADMIN_API_TOKEN: z.preprocess(
    blankToUndefined,
    z.string().min(24, { message: 'expected at least 24 characters (openssl rand -hex 24)' }).optional(),
  ),
  ADMIN_USERNAME: z.preprocess(blankToUndefined, z.string().default('admin')),
  ADMIN_PASSWORD_HASH: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^scrypt\$/, { message: 'expected a hash made by `npm run admin:hash-password`' })
      .optional(),
  ),
  TRUST_PROXY: bool(false),

  // --- Microsoft Entra / Graph
  ENTRA_CLIENT_ID: z.preprocess(blankToUndefined, z.guid({ message: 'expected an application (client) id GUID' }).optional()),
  ENTRA_CLIENT_SECRET: optionalString,
  ENTRA_CERTIFICATE_PATH: optionalString,
  ENTRA_CERTIFICATE_THUMBPRINT_SHA256: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[0-9a-fA-F:]{64,95}$/, { message: 'expected the SHA-256 thumbprint in hex' })
      .transform((v) => v.replace(/:/g, '').toUpperCase())
      .optional(),
  ),
  ENTRA_AUTHORITY_HOST: z.preprocess(blankToUndefined, baseUrl({ httpsOnly: true }).default('https://login.microsoftonline.com')),
  GRAPH_BASE_URL: z.preprocess(blankToUndefined, baseUrl({ httpsOnly: true }).default('https://graph.microsoft.com')),
  ENTRA_PARTNER_TENANT_ID: z.preprocess(blankToUndefined, tenantId.optional()),

  // --- issuance rules
  IDEMPOTENCY_WINDOW_MINUTES: int(0, 1440, 10),
  NOTE_DELIVERY_DEADLINE_MINUTES: int(5, 10080, 120),
  TAP_POLICY_CACHE_SECONDS: int(0, 86400, 300),
  DEFAULT_TIME_ZONE: z.preprocess(
    blankToUndefined,
    z.string().refine(isIanaZone, { message: 'expected an IANA time zone such as Europe/Amsterdam' }).default('UTC'),
  ),
  DEFAULT_ACTIVATION_HOUR: int(0, 23, 8),

  // --- ConnectWise PSA
  CW_SITE: optionalBaseUrl(),
  CW_COMPANY_ID: optionalString,
  CW_PUBLIC_KEY: optionalString,
  CW_PRIVATE_KEY: optionalString,
  CW_CLIENT_ID: z.preprocess(blankToUndefined, z.guid({ message: 'expected the clientId GUID from developer.connectwise.com' }).optional()),
  CW_CODEBASE: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/?$/, { message: 'expected a codebase such as v2025_1/' })
      .transform((v) => (v.endsWith('/') ? v : `${v}/`))
      .optional(),
  ),
  CW_API_VERSION: z.preprocess(blankToUndefined, z.string().regex(/^\d{4}\.\d+$/, { message: 'expected a version such as 2025.1' }).default('2025.1')),
  CW_BUTTON_SECRET: z.preprocess(blankToUndefined, z.string().min(24, { message: 'expected at least 24 characters' }).optional()),
  CW_UPN_FIELD: optionalString,
  CW_START_DATE_FIELD: optionalString,
  CW_HOSTED_FRAME_ANCESTORS: optionalString,
  CW_ONBOARDING_BOARD: optionalString,
  CW_ONBOARDING_STATUS: optionalString,
  CW_ONBOARDING_TYPE: optionalString,
  CW_DONE_STATUS: optionalString,
  // Pacing (src/psa/pacing.ts). ConnectWise throttles above ~1,000 requests a minute, with Cloudflare in front also
  // throttling (reference connectwise.md, "Limits and errors"): 600 leaves room for other integrations on the same
  // instance and for Cloudflare's own judgement.
  CW_MAX_REQUESTS_PER_MINUTE: int(1, 60_000, 600),

  // --- HaloPSA
  HALO_BASE_URL: optionalBaseUrl(),
  HALO_AUTH_URL: optionalBaseUrl(),
  HALO_TENANT: optionalString,
  HALO_CLIENT_ID: optionalString,
  HALO_CLIENT_SECRET: optionalString,
  HALO_SCOPE: z.preprocess(blankToUndefined, z.string().default('edit:tickets read:customers')),
  HALO_NOTE_OUTCOME_ID: z.preprocess(blankToUndefined, z.coerce.number().int().positive({ message: 'expected a positive outcome id' }).optional()),
  HALO_BUTTON_SECRET: z.preprocess(blankToUndefined, z.string().min(24, { message: 'expected at least 24 characters' }).optional()),
  HALO_UPN_FIELD: optionalString,
  HALO_START_DATE_FIELD: optionalString,
  HALO_ONBOARDING_REQUESTTYPE_ID: z.preprocess(blankToUndefined, z.coerce.number().int().positive().optional()),
  HALO_ONBOARDING_STATUS_ID: z.preprocess(blankToUndefined, z.coerce.number().int().positive().optional()),
  HALO_DONE_STATUS_ID: z.preprocess(blankToUndefined, z.coerce.number().int().positive().optional()),
  // Halo's limit is quoted three ways and none is confirmed (reference halopsa.md, "Limits and errors": 300 per rolling
  // 5 min, 500 per 3 min, 700 per rolling 5 min). 100 a minute is 500 per 5 min (510 with the burst): inside the
  // 500-per-3-min (~167/min) and 700-per-5-min (140/min) figures, with room for other integrations. It is ABOVE the
  // oldest, strictest quote (300 per 5 min = 60/min), so an instance on that quota should set 55 here.
  HALO_MAX_REQUESTS_PER_MINUTE: int(1, 60_000, 100),

  // --- onboarding poller
  POLL_INTERVAL_SECONDS: int(1, 86400, 120),
  ISSUE_LEAD_DAYS: int(0, 60, 3),
  DATE_ORDER: z.preprocess(blankToUndefined, z.enum(['DMY', 'MDY']).default('DMY')),
});

type Env = z.infer<typeof envSchema>;

export type PsaKind = 'connectwise' | 'halo';
export const PSA_KINDS: readonly PsaKind[] = ['connectwise', 'halo'];

export type EntraCredential =
  | { kind: 'secret'; clientSecret: string }
  | { kind: 'certificate'; privateKeyPem: string; thumbprintSha256: string; x5c?: string };

export interface ConnectWiseConfig {
  site: string;
  companyId: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
  codebase: string | undefined;
  apiVersion: string;
  buttonSecret: string | undefined;
  upnField: string | undefined;
  startDateField: string | undefined;
  /** Origins allowed to frame the hosted page (CSP frame-ancestors). */
  hostedFrameAncestors: string[];
  onboarding: { board: string; status: string; type: string | undefined } | undefined;
  doneStatus: string | undefined;
  /** Sustained request rate the connector allows itself towards ConnectWise (CW_MAX_REQUESTS_PER_MINUTE). */
  maxRequestsPerMinute: number;
}

export interface HaloConfig {
  baseUrl: string;
  authUrl: string;
  tenant: string | undefined;
  clientId: string;
  clientSecret: string;
  scope: string;
  noteOutcomeId: number;
  buttonSecret: string | undefined;
  upnField: string | undefined;
  startDateField: string | undefined;
  onboarding: { requestTypeId: number; statusId: number | undefined } | undefined;
  doneStatusId: number | undefined;
  /** Sustained request rate the connector allows itself towards Halo (HALO_MAX_REQUESTS_PER_MINUTE). */
  maxRequestsPerMinute: number;
}

export interface Config {
  server: { port: number; host: string; publicBaseUrl: string; trustProxy: boolean };
  logLevel: Env['LOG_LEVEL'];
  databasePath: string;
  /** True when the built-in simulated PSA and Entra servers are to be started (see src/sandbox). */
  sandbox: boolean;
  sealKey: Buffer | undefined;
  admin: { apiToken: string | undefined; username: string; passwordHash: string | undefined };
  entra:
    | {
        clientId: string;
        credential: EntraCredential;
        authorityHost: string;
        graphBaseUrl: string;
        partnerTenantId: string | undefined;
        /** PEM of an extra CA to trust for Entra/Graph; set only by sandbox mode, never from the environment. */
        trustedCaPem?: string;
      }
    | undefined;
  tap: {
    idempotencyWindowMinutes: number;
    noteDeliveryDeadlineMinutes: number;
    policyCacheSeconds: number;
    defaultTimeZone: string;
    defaultActivationHour: number;
  };
  connectwise: ConnectWiseConfig | undefined;
  halo: HaloConfig | undefined;
  polling: { intervalSeconds: number; leadDays: number; dateOrder: 'DMY' | 'MDY' };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/** Reads the certificate's private key; kept separate so tests can pass a path to a temp file. */
function readPem(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Parses the environment into a Config, or throws ConfigError listing every problem (never a secret value). */
export function loadConfig(source: NodeJS.ProcessEnv | Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(source);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      const got = SECRET_VARIABLES.has(name) ? '' : describeValue(source[name]);
      problems.push(`${name}: ${issue.message}${got}`);
    }
    throw new ConfigError(problems);
  }
  const env = parsed.data;

  const entra = buildEntra(env, problems);
  const connectwise = buildConnectWise(env, problems);
  const halo = buildHalo(env, problems);
  const sandboxAsked = env.SANDBOX === '1' || env.SANDBOX === 'true';
  const anythingReal = entra !== undefined || connectwise !== undefined || halo !== undefined;
  if (sandboxAsked && anythingReal) {
    problems.push('SANDBOX: sandbox mode cannot start while real Entra or PSA settings are present; remove SANDBOX or those settings');
  }
  if (env.ENTRA_PARTNER_TENANT_ID && !entra) {
    problems.push('ENTRA_PARTNER_TENANT_ID: needs ENTRA_CLIENT_ID and a credential');
  }
  if ((connectwise || halo) && !env.TAP_SEAL_KEY) {
    problems.push('TAP_SEAL_KEY: required when a PSA is configured — passes waiting for their note are sealed with it (openssl rand -base64 32) (not set)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const sandbox = env.SANDBOX === 'auto' ? !anythingReal : sandboxAsked;
  return {
    server: {
      port: env.PORT,
      host: env.HOST,
      publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${env.PORT}`,
      trustProxy: env.TRUST_PROXY,
    },
    logLevel: env.LOG_LEVEL,
    databasePath: env.DATABASE_PATH,
    sandbox,
    sealKey: env.TAP_SEAL_KEY,
    admin: { apiToken: env.ADMIN_API_TOKEN, username: env.ADMIN_USERNAME, passwordHash: env.ADMIN_PASSWORD_HASH },
    entra,
    tap: {
      idempotencyWindowMinutes: env.IDEMPOTENCY_WINDOW_MINUTES,
      noteDeliveryDeadlineMinutes: env.NOTE_DELIVERY_DEADLINE_MINUTES,
      policyCacheSeconds: env.TAP_POLICY_CACHE_SECONDS,
      defaultTimeZone: env.DEFAULT_TIME_ZONE,
      defaultActivationHour: env.DEFAULT_ACTIVATION_HOUR,
    },
    connectwise,
    halo,
    polling: { intervalSeconds: env.POLL_INTERVAL_SECONDS, leadDays: env.ISSUE_LEAD_DAYS, dateOrder: env.DATE_ORDER },
  };
}

function describeValue(value: string | undefined): string {
  if (value === undefined || value === '') return ' (not set)';
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return ` (got "${shown}")`;
}

function buildEntra(env: Env, problems: string[]): Config['entra'] {
  const anySet =
    env.ENTRA_CLIENT_ID || env.ENTRA_CLIENT_SECRET || env.ENTRA_CERTIFICATE_PATH || env.ENTRA_CERTIFICATE_THUMBPRINT_SHA256;
  if (!anySet) return undefined;
  if (!env.ENTRA_CLIENT_ID) problems.push('ENTRA_CLIENT_ID: required when any ENTRA_* credential is set (not set)');
  let credential: EntraCredential | undefined;
  if (env.ENTRA_CLIENT_SECRET && env.ENTRA_CERTIFICATE_PATH) {
    problems.push('ENTRA_CLIENT_SECRET: set either a client secret or a certificate, not both');
  } else if (env.ENTRA_CLIENT_SECRET) {
    credential = { kind: 'secret', clientSecret: env.ENTRA_CLIENT_SECRET };
  } else if (env.ENTRA_CERTIFICATE_PATH) {
    if (!env.ENTRA_CERTIFICATE_THUMBPRINT_SHA256) {
      problems.push('ENTRA_CERTIFICATE_THUMBPRINT_SHA256: required with ENTRA_CERTIFICATE_PATH (not set)');
    }
    try {
      const pem = readPem(env.ENTRA_CERTIFICATE_PATH);
      const key = pem.match(/-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/);
      if (!key) problems.push(`ENTRA_CERTIFICATE_PATH: the file holds no PEM private key (${env.ENTRA_CERTIFICATE_PATH})`);
      const cert = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
      if (key && env.ENTRA_CERTIFICATE_THUMBPRINT_SHA256) {
        credential = {
          kind: 'certificate',
          privateKeyPem: key[0],
          thumbprintSha256: env.ENTRA_CERTIFICATE_THUMBPRINT_SHA256,
          ...(cert ? { x5c: cert[0] } : {}),
        };
      }
    } catch (error) {
      problems.push(`ENTRA_CERTIFICATE_PATH: cannot read ${env.ENTRA_CERTIFICATE_PATH} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else {
    problems.push('ENTRA_CLIENT_SECRET: set ENTRA_CLIENT_SECRET or ENTRA_CERTIFICATE_PATH + ENTRA_CERTIFICATE_THUMBPRINT_SHA256 (not set)');
  }
  if (!env.ENTRA_CLIENT_ID || !credential) return undefined;
  return {
    clientId: env.ENTRA_CLIENT_ID,
    credential,
    authorityHost: env.ENTRA_AUTHORITY_HOST,
    graphBaseUrl: env.GRAPH_BASE_URL,
    partnerTenantId: env.ENTRA_PARTNER_TENANT_ID,
  };
}

/** A PSA whose settings are all absent is off; one that is half-configured is an error naming each missing variable. */
function requireGroup(names: Record<string, unknown>, label: string, problems: string[]): boolean {
  const missing = Object.entries(names).filter(([, v]) => v === undefined || v === '');
  if (missing.length === Object.keys(names).length) return false;
  for (const [name] of missing) problems.push(`${name}: required to enable ${label} (not set)`);
  return missing.length === 0;
}

function buildConnectWise(env: Env, problems: string[]): ConnectWiseConfig | undefined {
  const required = {
    CW_SITE: env.CW_SITE,
    CW_COMPANY_ID: env.CW_COMPANY_ID,
    CW_PUBLIC_KEY: env.CW_PUBLIC_KEY,
    CW_PRIVATE_KEY: env.CW_PRIVATE_KEY,
    CW_CLIENT_ID: env.CW_CLIENT_ID,
  };
  const optionalSet = env.CW_BUTTON_SECRET || env.CW_ONBOARDING_BOARD || env.CW_ONBOARDING_STATUS;
  if (!requireGroup(required, 'ConnectWise', problems)) {
    if (optionalSet && Object.values(required).every((v) => v === undefined)) {
      problems.push('CW_SITE: ConnectWise settings are present but CW_SITE, CW_COMPANY_ID, CW_PUBLIC_KEY, CW_PRIVATE_KEY and CW_CLIENT_ID are not set');
    }
    return undefined;
  }
  if ((env.CW_ONBOARDING_BOARD === undefined) !== (env.CW_ONBOARDING_STATUS === undefined)) {
    problems.push(`${env.CW_ONBOARDING_BOARD ? 'CW_ONBOARDING_STATUS' : 'CW_ONBOARDING_BOARD'}: polling needs both CW_ONBOARDING_BOARD and CW_ONBOARDING_STATUS (not set)`);
  }
  const site = env.CW_SITE!;
  return {
    site,
    companyId: env.CW_COMPANY_ID!,
    publicKey: env.CW_PUBLIC_KEY!,
    privateKey: env.CW_PRIVATE_KEY!,
    clientId: env.CW_CLIENT_ID!,
    codebase: env.CW_CODEBASE,
    apiVersion: env.CW_API_VERSION,
    buttonSecret: env.CW_BUTTON_SECRET,
    upnField: env.CW_UPN_FIELD,
    startDateField: env.CW_START_DATE_FIELD,
    hostedFrameAncestors: env.CW_HOSTED_FRAME_ANCESTORS
      ? env.CW_HOSTED_FRAME_ANCESTORS.split(/[\s,]+/).filter(Boolean)
      : defaultFrameAncestors(site),
    onboarding:
      env.CW_ONBOARDING_BOARD && env.CW_ONBOARDING_STATUS
        ? { board: env.CW_ONBOARDING_BOARD, status: env.CW_ONBOARDING_STATUS, type: env.CW_ONBOARDING_TYPE }
        : undefined,
    doneStatus: env.CW_DONE_STATUS,
    maxRequestsPerMinute: env.CW_MAX_REQUESTS_PER_MINUTE,
  };
}

/** The CW web UI lives on the API host without its `api-` prefix (api-na.myconnectwise.net → na.myconnectwise.net). */
function defaultFrameAncestors(site: string): string[] {
  const url = new URL(site);
  const origins = new Set([url.origin]);
  if (url.hostname.startsWith('api-')) origins.add(`${url.protocol}//${url.hostname.slice(4)}${url.port ? `:${url.port}` : ''}`);
  return [...origins];
}

function buildHalo(env: Env, problems: string[]): HaloConfig | undefined {
  const required = {
    HALO_BASE_URL: env.HALO_BASE_URL,
    HALO_CLIENT_ID: env.HALO_CLIENT_ID,
    HALO_CLIENT_SECRET: env.HALO_CLIENT_SECRET,
    HALO_NOTE_OUTCOME_ID: env.HALO_NOTE_OUTCOME_ID,
  };
  const optionalSet = env.HALO_BUTTON_SECRET || env.HALO_ONBOARDING_REQUESTTYPE_ID || env.HALO_AUTH_URL;
  if (!requireGroup(required, 'HaloPSA', problems)) {
    if (optionalSet && Object.values(required).every((v) => v === undefined)) {
      problems.push('HALO_BASE_URL: HaloPSA settings are present but HALO_BASE_URL, HALO_CLIENT_ID, HALO_CLIENT_SECRET and HALO_NOTE_OUTCOME_ID are not set');
    }
    return undefined;
  }
  return {
    baseUrl: env.HALO_BASE_URL!,
    authUrl: env.HALO_AUTH_URL ?? `${env.HALO_BASE_URL!}/auth`,
    tenant: env.HALO_TENANT,
    clientId: env.HALO_CLIENT_ID!,
    clientSecret: env.HALO_CLIENT_SECRET!,
    scope: env.HALO_SCOPE,
    noteOutcomeId: env.HALO_NOTE_OUTCOME_ID!,
    buttonSecret: env.HALO_BUTTON_SECRET,
    upnField: env.HALO_UPN_FIELD,
    startDateField: env.HALO_START_DATE_FIELD,
    onboarding: env.HALO_ONBOARDING_REQUESTTYPE_ID
      ? { requestTypeId: env.HALO_ONBOARDING_REQUESTTYPE_ID, statusId: env.HALO_ONBOARDING_STATUS_ID }
      : undefined,
    doneStatusId: env.HALO_DONE_STATUS_ID,
    maxRequestsPerMinute: env.HALO_MAX_REQUESTS_PER_MINUTE,
  };
}

/** Every environment variable the connector reads (documented in .env.example, the README and manifest.json). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);
