import { z } from 'zod';
import { blankToUndefined, int, secret, type ParsedShape } from './shared.js';

/** Where the connector keeps its data, and the secrets it holds itself (seal key, admin credentials). */
export const storageShape = {
  DATABASE_PATH: z.preprocess(blankToUndefined, z.string().default('./data/psa-tap-connector.sqlite')),
  TAP_SEAL_KEY: secret(
    z.preprocess(
      blankToUndefined,
      z
        .string()
        .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, {
          message: 'expected 32 random bytes, base64-encoded (openssl rand -base64 32)',
        })
        .transform((v) => Buffer.from(v, 'base64'))
        .optional(),
    ),
  ),
  ADMIN_API_TOKEN: secret(
    z.preprocess(
      blankToUndefined,
      z.string().min(24, { message: 'expected at least 24 characters (openssl rand -hex 24)' }).optional(),
    ),
  ),
  ADMIN_USERNAME: z.preprocess(blankToUndefined, z.string().default('admin')),
  // Audit rows and dead letters older than this are deleted (about 650 bytes a row); 0 keeps them for ever. An audit row
  // the outbox or the dead letters still name is kept whatever its age (src/retention.ts prunes dead letters first).
  AUDIT_RETENTION_DAYS: int(0, 36_500, 400),
  // The admin companies page shows the last company list read from each PSA (kept in the database) and reads a new one
  // in the background once it is older than this. Listing 10,000 Halo clients takes 100 requests of the Halo budget.
  ADMIN_COMPANY_LIST_MAX_AGE_MINUTES: int(1, 1_440, 15),
  ADMIN_PASSWORD_HASH: secret(
    z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^scrypt\$/, { message: 'expected a hash made by `npm run admin:hash-password`' })
        .optional(),
    ),
  ),
};

type StorageEnv = ParsedShape<typeof storageShape>;

export interface AdminConfig {
  apiToken: string | undefined;
  username: string;
  passwordHash: string | undefined;
  /** Age after which the companies page reads a PSA's company list again, in the background. */
  companyListMaxAgeMinutes: number;
}

export function buildStorage(env: StorageEnv): { databasePath: string; auditRetentionDays: number; sealKey: Buffer | undefined; admin: AdminConfig } {
  return {
    databasePath: env.DATABASE_PATH,
    auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    sealKey: env.TAP_SEAL_KEY,
    admin: {
      apiToken: env.ADMIN_API_TOKEN,
      username: env.ADMIN_USERNAME,
      passwordHash: env.ADMIN_PASSWORD_HASH,
      companyListMaxAgeMinutes: env.ADMIN_COMPANY_LIST_MAX_AGE_MINUTES,
    },
  };
}
