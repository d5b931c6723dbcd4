/**
 * Hostile ticket text (issue 11): the time to read 1 MB of text written to hurt a parser, per shape, the way the
 * poller reads a ticket — the Halo adapter's HTML-to-text, then the labelled lines (UPN, start date) — and the way it
 * reads a ConnectWise ticket (summary and description as sent). Target: the largest under 50 ms.
 * Runs in the bench process on the sources (no upstream involved); shapes in test/faults/hostile-text.ts.
 */
import { htmlToText } from '../src/psa/html-text.js';
import type { PsaTicket } from '../src/psa/port.js';
import { readOnboardingInputs } from '../src/psa/ticket-fields.js';
import { HOSTILE_SHAPES, ONE_MEGABYTE } from '../test/faults/hostile-text.js';

export const HOSTILE_TARGET_MS = 50;
const RUNS = 5;

export interface HostileRow {
  shape: string;
  /** Median of RUNS, ms: HTML-to-text alone, then the whole Halo reading, then the whole raw (ConnectWise) reading. */
  htmlMs: number;
  haloMs: number;
  rawMs: number;
}

const SETTINGS = { upnField: undefined, startDateField: undefined, dateOrder: 'DMY' as const };

function ticket(summary: string): PsaTicket {
  return { psa: 'connectwise', id: '1', summary, description: undefined, companyId: '1', companyName: '', contactName: undefined, contactEmail: undefined, customFields: {}, statusName: undefined, statusId: undefined, boardOrTypeName: undefined, lastUpdated: undefined };
}

async function time(work: () => unknown): Promise<number> {
  const samples: number[] = [];
  await work(); // warm: the first call compiles the code path
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

export async function hostileText(): Promise<HostileRow[]> {
  const rows: HostileRow[] = [];
  for (const shape of HOSTILE_SHAPES) {
    const text = shape.make(ONE_MEGABYTE);
    const htmlMs = await time(() => htmlToText(text));
    const haloMs = await time(() => readOnboardingInputs(ticket('New starter'), SETTINGS, async () => htmlToText(text)));
    const rawMs = await time(() => readOnboardingInputs(ticket(text), SETTINGS, async () => text));
    rows.push({ shape: shape.name, htmlMs, haloMs, rawMs });
  }
  return rows;
}

export function worstOf(rows: readonly HostileRow[]): { shape: string; ms: number } {
  return rows.map((r) => ({ shape: r.shape, ms: Math.max(r.htmlMs, r.haloMs, r.rawMs) })).reduce((a, b) => (b.ms > a.ms ? b : a));
}

/** The section of docs/benchmarks.md, from the measured rows. */
export function hostileTextSection(rows: readonly HostileRow[]): string[] {
  const worst = worstOf(rows);
  return [
    '## 6. Hostile ticket text',
    '',
    `1 MB of each shape, median of ${RUNS} runs after a warm-up, in the bench process. "Halo" is the poller's reading of a Halo ticket (HTML-to-text, then the labelled lines); "raw" reads the text as a ConnectWise summary and description. Only the first 64 KB of any ticket text is read, in one linear pass; the largest is **${worst.ms.toFixed(1)} ms** (${worst.shape}). Before the fix, 100,000 \`<\` took 14 s on this machine and 32 KB of "start date then a long run of dots" 21 s; 1 MB would have taken hours.`,
    '',
    '| Shape | HTML-to-text | Halo reading | Raw reading |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.shape} | ${r.htmlMs.toFixed(1)} ms | ${r.haloMs.toFixed(1)} ms | ${r.rawMs.toFixed(1)} ms |`),
    '',
  ];
}
