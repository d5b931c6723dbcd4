import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { createLogger, prettyLogStream } from './logger.js';
import { startConnector, StartupError, type RunningConnector } from './server.js';
import { describeSetup, formatSetupSummary, logsSettled } from './setup-status.js';

/**
 * Process entry: configuration → (sandbox, when nothing real is configured) → services → HTTP server and workers.
 * SIGTERM/SIGINT stop gracefully: requests in flight finish, passes not yet noted stay sealed in the outbox.
 */
async function main(): Promise<void> {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`psa-tap-connector cannot start: ${error.problems.length} configuration problem(s)\n${error.problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example for every setting.\n`);
      process.exit(1);
    }
    throw error;
  }

  let sandbox: Awaited<ReturnType<typeof import('./sandbox/mode.js').prepareSandboxMode>> | undefined;
  if (config.sandbox) {
    const { prepareSandboxMode } = await import('./sandbox/mode.js');
    sandbox = await prepareSandboxMode(process.env);
    config = sandbox.config;
  }

  // Sandbox mode logs short, readable lines for a person at a terminal; production logs JSON for a collector.
  const logger = sandbox ? createLogger({ level: config.logLevel, destination: prettyLogStream() }) : undefined;
  let running: RunningConnector;
  try {
    running = await startConnector(config, { ...(sandbox ? { prepare: sandbox.prepare } : {}), ...(logger ? { logger } : {}) });
  } catch (error) {
    // The sandbox's servers and temporary folder go even when start-up fails.
    await sandbox?.stop();
    throw error;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.services.logger.info({ signal }, 'signal received');
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    await running.stop();
    await sandbox?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  // What works and what is missing, printed after the first worker cycles have logged so it is not buried; in sandbox
  // mode the banner (URLs, password) comes last of all.
  await logsSettled(running.services.health);
  if (stopping) return;
  // Production keeps stdout to JSON lines for the log collector, so the summary goes to stderr there.
  const summary = formatSetupSummary(describeSetup(config, { mappedCompanies: running.services.mappings.list().length }), running.url, { sandbox: Boolean(sandbox) });
  (sandbox ? process.stdout : process.stderr).write(summary);
  if (sandbox) process.stdout.write(sandbox.banner(running.url));
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) {
    process.stderr.write(`psa-tap-connector cannot start: ${error.message}\n`);
  } else {
    process.stderr.write(`psa-tap-connector failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
