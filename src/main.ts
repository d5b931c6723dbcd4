import { existsSync } from 'node:fs';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startConnector, StartupError } from './server.js';

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

  const running = await startConnector(config, sandbox ? { prepare: sandbox.prepare } : {});
  if (sandbox) process.stdout.write(sandbox.banner(running.url));

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
}

main().catch((error: unknown) => {
  if (error instanceof StartupError) {
    process.stderr.write(`psa-tap-connector cannot start: ${error.message}\n`);
  } else {
    process.stderr.write(`psa-tap-connector failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
