import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from './harness.js';

/** Configuration problems as `npm start` reports them: all in one round, each naming its variable. */

const REPO = fileURLToPath(new URL('../..', import.meta.url));

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

function npmStart(env: Record<string, string>) {
  const child = spawn('npm', ['start', '--silent'], { cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME: world.dir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { exited, stderr: () => err };
}

describe('configuration problems at start-up', () => {
  it('reports every problem in one round, naming malformed URLs like any other setting', async () => {
    const env = world.env({ overrides: { HALO_BASE_URL: 'x', TAP_SEAL_KEY: undefined, GRAPH_BASE_URL: 'not a url' } });
    const run = npmStart(env);
    expect(await run.exited).toBe(1);
    const err = run.stderr();
    expect(err).not.toContain('Invalid URL');
    expect(err).toMatch(/HALO_BASE_URL: .*\(got "x"\)/);
    expect(err).toMatch(/GRAPH_BASE_URL: /);
    expect(err).toMatch(/TAP_SEAL_KEY: required/);
    expect(err).toContain('3 configuration problem(s)');
  }, 30_000);
});
