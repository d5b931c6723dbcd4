import { z } from 'zod';
import { blankToUndefined, int, onboardingSetting, optionalBaseUrl, optionalString, requireGroup, secret, type ParsedShape } from './shared.js';

/** ConnectWise PSA: API member keys, the hosted button, ticket fields, onboarding board and pacing. */
export const connectWiseShape = {
  // As ConnectWise shows it: a bare host (api-na.myconnectwise.net) means https.
  CW_SITE: optionalBaseUrl({ bareHostIsHttps: true }),
  CW_COMPANY_ID: optionalString,
  CW_PUBLIC_KEY: optionalString,
  CW_PRIVATE_KEY: secret(optionalString),
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
  CW_BUTTON_SECRET: secret(z.preprocess(blankToUndefined, z.string().min(24, { message: 'expected at least 24 characters' }).optional())),
  CW_UPN_FIELD: optionalString,
  CW_START_DATE_FIELD: optionalString,
  CW_HOSTED_FRAME_ANCESTORS: optionalString,
  CW_ONBOARDING_BOARD: onboardingSetting(optionalString),
  CW_ONBOARDING_STATUS: onboardingSetting(optionalString),
  CW_ONBOARDING_TYPE: onboardingSetting(optionalString),
  CW_DONE_STATUS: onboardingSetting(optionalString),
  // Pass lifecycle (issue 12): a watched ticket moved to this status (name or id) is cancelled — its pass revoked or
  // its schedule dropped; the enrolment follow-up may move the ticket to the enrolled status.
  CW_CANCELLED_STATUS: optionalString,
  CW_ENROLLED_STATUS: optionalString,
  // Pacing (src/psa/pacing.ts). ConnectWise throttles above ~1,000 requests a minute, with Cloudflare in front also
  // throttling (reference connectwise.md, "Limits and errors"): 600 leaves room for other integrations on the same
  // instance and for Cloudflare's own judgement.
  CW_MAX_REQUESTS_PER_MINUTE: int(1, 60_000, 600),
};

type ConnectWiseEnv = ParsedShape<typeof connectWiseShape>;

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
  /** CW_CANCELLED_STATUS: a status name or id; a followed ticket moved there has its pass revoked. */
  cancelledStatus: string | undefined;
  /** CW_ENROLLED_STATUS: a status name or id the follow-up moves the ticket to once the user enrolled. */
  enrolledStatus: string | undefined;
  /** Sustained request rate the connector allows itself towards ConnectWise (CW_MAX_REQUESTS_PER_MINUTE). */
  maxRequestsPerMinute: number;
}

export function buildConnectWise(env: ConnectWiseEnv, problems: string[]): ConnectWiseConfig | undefined {
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
    cancelledStatus: env.CW_CANCELLED_STATUS,
    enrolledStatus: env.CW_ENROLLED_STATUS,
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
