import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from '../config/index.js';
import { createLogger } from '../logger.js';
import { formatReport, runDoctor, type DoctorDeps } from './index.js';

/**
 * `npm run doctor`: checks the configuration in the environment (and `.env`) against the real ConnectWise, Halo and
 * Entra, read-only. Exit code 0 only when everything configured works; 1 otherwise (2 when the settings do not parse).
 */
async function main(): Promise<number> {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stdout.write(`Configuration\n${error.problems.map((p) => `  ✘ ${p}`).join('\n')}\n\nFix these settings first (see .env.example).\n`);
    return 2;
  }
  // Only warnings and errors from the clients, so the report stays readable.
  const logger = createLogger({ level: 'silent' });
  const result = await runDoctor(config, { logger, mappings: readMappings(config.databasePath) });
  process.stdout.write(formatReport(result));
  return result.ok ? 0 : 1;
}

/**
 * The mappings, read-only and without migrating or locking: the doctor may run next to a running connector. A database
 * that does not exist yet simply has no mappings.
 */
function readMappings(path: string): DoctorDeps['mappings'] {
  if (path === ':memory:' || !existsSync(path)) return [];
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return sqlite
      .prepare('select psa, company_id as companyId, company_name as companyName, tenant_id as tenantId from tenant_mappings order by psa, company_id')
      .all() as DoctorDeps['mappings'];
  } finally {
    sqlite.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`doctor failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
