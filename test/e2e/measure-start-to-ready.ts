import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './harness.js';

/**
 * Not a test: measures the time from `npm start` on a machine with no settings (sandbox mode: simulated services,
 * seeded world, fresh temporary database) until GET /readyz answers 200. Prints each run and the median.
 *   npx tsx test/e2e/measure-start-to-ready.ts [runs=3]
 * TSX_DISABLE_CACHE=1 in the environment measures a cold start (every file transformed again).
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);

async function once(): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), ...(process.env.TSX_DISABLE_CACHE ? { TSX_DISABLE_CACHE: '1' } : {}) },
    stdio: 'ignore',
    detached: true, // its own process group: npm, the shell and node stop together
  });
  try {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
      if (res?.status === 200) return performance.now() - started;
      if (performance.now() - started > 60_000) throw new Error('not ready within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

const times: number[] = [];
for (let i = 0; i < runs; i += 1) {
  const ms = await once();
  times.push(ms);
  console.log(`run ${i + 1}: ${Math.round(ms)} ms`);
}
times.sort((a, b) => a - b);
console.log(`median of ${runs}: ${Math.round(times[Math.floor(runs / 2)]!)} ms`);
