import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toPsaTicket } from '../../src/psa/halo/normalise.js';
import type { PsaTicket } from '../../src/psa/port.js';
import { readOnboardingInputs } from '../../src/psa/ticket-fields.js';
import { HOSTILE_SHAPES, ONE_MEGABYTE } from '../faults/hostile-text.js';

/**
 * Issue 11: a Halo ticket whose details were 100,000 `<` froze the whole process for 34 s (quadratic regexes in the
 * HTML-to-text and the labelled-line reader). Every reading of ticket text must be linear-ish and bounded.
 */

const SETTINGS = { upnField: undefined, startDateField: undefined, dateOrder: 'DMY' as const };

const ticket = (summary: string): PsaTicket => ({
  psa: 'connectwise',
  id: '1',
  summary,
  description: undefined,
  companyId: '10',
  companyName: 'Contoso',
  contactName: undefined,
  contactEmail: undefined,
  customFields: {},
  statusName: undefined,
  statusId: undefined,
  boardOrTypeName: undefined,
  lastUpdated: undefined,
});

function haloTicket(details: string) {
  return toPsaTicket({ id: 2011, summary: 'New starter', details, client_id: 12 });
}

/** The whole reading the poller does on a Halo ticket: the adapter's HTML-to-text, then the labelled lines. */
async function readHaloTicket(details: string) {
  const t = haloTicket(details);
  return readOnboardingInputs(t, SETTINGS, async () => t.description ?? '');
}

/** The reading of a ConnectWise ticket: summary and description as the PSA returned them. */
async function readRawTicket(text: string) {
  return readOnboardingInputs(ticket(text), SETTINGS, async () => text);
}

/**
 * `npm run bench` holds the target (< 50 ms for 1 MB on an idle machine); the suite runs beside seven other test files
 * on two cores, so it allows 250 ms — still some 60 times less than today's 100 KB took before the fix (14 s here).
 */
const BOUND_MS = 250;

/** The best of three timings: a scheduling hiccup on a loaded machine is not the code's time. */
async function elapsedMs(work: () => Promise<unknown> | unknown): Promise<number> {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    await work();
    best = Math.min(best, performance.now() - started);
    if (best > 10 * BOUND_MS) break; // hopeless: do not triple a slow failure
  }
  return best;
}

describe('hostile ticket text cannot stall the process', () => {
  // Load and compile the code paths first (chrono, the tokenizer), so each figure is the reading itself.
  beforeAll(async () => {
    await readHaloTicket('<p>UPN: jane@contoso.example<br>Start date: 1 December 2026</p>');
    await readRawTicket('UPN: jane@contoso.example\nStart date: 1 December 2026');
  });

  it('reproduction: a Halo ticket whose details are 100,000 `<` is read in well under a second (was 34 s)', async () => {
    const ms = await elapsedMs(() => readHaloTicket('<'.repeat(100_000)));
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it.each(HOSTILE_SHAPES.map((s) => [s.name, s] as const))('1 MB of %s: Halo reading and raw reading each within the bound', async (_name, shape) => {
    const text = shape.make(ONE_MEGABYTE);
    // Warm once so the figure is the parse, not the first compilation of the code path.
    await readHaloTicket(shape.make(1_000));
    const halo = await elapsedMs(() => readHaloTicket(text));
    const raw = await elapsedMs(() => readRawTicket(text));
    expect(Math.max(halo, raw)).toBeLessThan(BOUND_MS);
  });

  it('reads only the first 64 KB of a ticket text', async () => {
    const filler = 'x'.repeat(64 * 1024);
    const early = await readRawTicket(`Start date: 2026-12-01\nUPN: jane@contoso.example\n${filler}`);
    expect(early).toMatchObject({ userPrincipalName: 'jane@contoso.example', startDate: { kind: 'date', date: '2026-12-01' } });
    const late = await readRawTicket(`${filler}\nStart date: 2026-12-01\nUPN: jane@contoso.example`);
    expect(late).toMatchObject({ userPrincipalName: undefined, startDate: { kind: 'none' } });
    expect(haloTicket(`<p>${filler}</p><p>UPN: jane@contoso.example</p>`).description).not.toContain('jane@');
  });

  it('still reads the start date when many labels repeat the same day, and still sees a second, different day', async () => {
    const same = await readRawTicket('Start date: 1 December 2026, '.repeat(2_000));
    expect(same.startDate).toMatchObject({ kind: 'date', date: '2026-12-01' });
    const differs = await readRawTicket('Start date: 1 December 2026, Start date: 2 December 2026');
    expect(differs.startDate).toMatchObject({ kind: 'unclear', reason: 'ambiguous' });
  });

  it('quotes at most 100 characters of an unreadable start date back (it goes into a ticket note)', async () => {
    const r = await readRawTicket(`Start date: ${'soon '.repeat(10_000)}`);
    expect(r.startDate).toMatchObject({ kind: 'unclear', reason: 'unparseable' });
    expect(r.startDate.kind === 'unclear' && r.startDate.text.length).toBe(100);
  });

  it('finds the address after a long run of address-like characters', async () => {
    const r = await readRawTicket(`UPN: ${'a'.repeat(5_000)} jane@contoso.example`);
    expect(r.userPrincipalName).toBe('jane@contoso.example');
  });
});

describe('text extraction as a property', () => {
  const htmlish = fc.string({ unit: fc.constantFrom('<', '>', '/', '"', "'", '=', '&', ';', '#', 'a', 'p', 'b', 'r', ' ', '\n', ':', '@', '.', '-', 'script', 'br', 'Start date:', 'UPN:', '&amp;', '&lt;', '<!--', '-->'), maxLength: 400 });

  it('never throws, never grows the text, and leaves no blank-line runs or outer whitespace', () => {
    fc.assert(
      fc.property(htmlish, (html) => {
        const text = haloTicket(html).description!;
        expect(text.length).toBeLessThanOrEqual(html.length);
        expect(text).not.toMatch(/\n{3}/);
        expect(text).toBe(text.trim());
      }),
      { numRuns: 500 },
    );
  });

  it('reading labelled lines never throws on any text', async () => {
    await fc.assert(
      fc.asyncProperty(htmlish, async (text) => {
        const r = await readRawTicket(text);
        expect(['none', 'date', 'unclear']).toContain(r.startDate.kind);
      }),
      { numRuns: 300 },
    );
  });
});
