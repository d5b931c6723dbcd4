import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * pino-pretty serves sandbox mode only: production (JSON lines) does not load it at start-up, where it cost ~40 ms and
 * its dependencies' memory before /readyz (issue 14, start to ready).
 */
describe('the logger module', () => {
  it('does not load pino-pretty until a pretty stream is asked for', () => {
    const script = [
      "const { createRequire } = await import('node:module');",
      "const require = createRequire(process.cwd() + '/');",
      "const { createLogger, prettyLogStream } = await import('./src/logger.ts');",
      "createLogger({ level: 'info' });",
      "const loaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/pino-pretty/'));",
      'const before = loaded();',
      'prettyLogStream({ colorize: false });',
      'console.log(JSON.stringify({ before, after: loaded() }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ before: false, after: true });
  });
});
