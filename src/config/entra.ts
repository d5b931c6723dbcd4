import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { baseUrl, blankToUndefined, optionalString, secret, tenantId, type ParsedShape } from './shared.js';

/** The connector's multi-tenant Entra app registration and the Microsoft endpoints it talks to. */
export const entraShape = {
  ENTRA_CLIENT_ID: z.preprocess(blankToUndefined, z.guid({ message: 'expected an application (client) id GUID' }).optional()),
  ENTRA_CLIENT_SECRET: secret(optionalString),
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
  /**
   * The privileged check in a customer tenant without Entra ID P2 / Governance, where Graph refuses the PIM eligibility
   * read (400 AadPremiumLicenseRequired): `no-eligible-roles` (default; such a tenant has no PIM, and Microsoft removes
   * eligible assignments when the licence ends) or `refuse` (fail closed there too: no passes in such tenants).
   */
  ENTRA_PIM_UNLICENSED: z.preprocess(blankToUndefined, z.enum(['no-eligible-roles', 'refuse']).default('no-eligible-roles')),
};

type EntraEnv = ParsedShape<typeof entraShape>;

export type EntraCredential =
  | { kind: 'secret'; clientSecret: string }
  | { kind: 'certificate'; privateKeyPem: string; thumbprintSha256: string; x5c?: string };

export interface EntraConfig {
  clientId: string;
  credential: EntraCredential;
  authorityHost: string;
  graphBaseUrl: string;
  partnerTenantId: string | undefined;
  /** ENTRA_PIM_UNLICENSED: what a refused PIM eligibility read (no P2 licence) means for the privileged check. */
  pimUnlicensed: 'no-eligible-roles' | 'refuse';
  /** PEM of an extra CA to trust for Entra/Graph; given only by sandbox mode (loadConfig's option), never from the environment. */
  trustedCaPem?: string;
}

/** Reads the certificate's private key; kept separate so tests can pass a path to a temp file. */
function readPem(path: string): string {
  return readFileSync(path, 'utf8');
}

export function buildEntra(env: EntraEnv, problems: string[], opts: { trustedCaPem?: string } = {}): EntraConfig | undefined {
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
    pimUnlicensed: env.ENTRA_PIM_UNLICENSED,
    ...(opts.trustedCaPem !== undefined ? { trustedCaPem: opts.trustedCaPem } : {}),
  };
}
