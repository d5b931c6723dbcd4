/**
 * The connector as its own process, so its memory is measured alone: `BENCH_CONNECTOR` holds the environment, the
 * sandbox CA and the mappings. Reports its URL over IPC, samples its RSS every 10 ms, answers 'report' with the
 * peak, stops on 'stop'.
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config/index.js';
import { startConnector } from '../src/server.js';
import { applyMappings, type BenchMapping } from './world.js';

const spec = JSON.parse(readFileSync(process.env.BENCH_CONNECTOR!, 'utf8')) as { env: Record<string, string>; caPem: string; mappings: BenchMapping[] };
const config = loadConfig(spec.env, { trustedCaPem: spec.caPem, port: 0 });

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 10);
const running = await startConnector(config, { prepare: (s) => applyMappings(s.mappings, spec.mappings) });
process.send!({ type: 'ready', url: running.url });
process.on('message', (m: { type: string }) => {
  onMessage(m).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
async function onMessage(m: { type: string }): Promise<void> {
  if (m.type === 'report') process.send!({ type: 'report', peakRss: Math.max(peakRss, process.memoryUsage().rss), rss: process.memoryUsage().rss });
  if (m.type === 'reset-peak') peakRss = process.memoryUsage().rss;
  if (m.type === 'stop') {
    clearInterval(sampler);
    await running.stop();
    process.exit(0);
  }
}
