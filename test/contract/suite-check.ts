import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRequest } from './checker.js';
import { DELIBERATELY_UNDESCRIBED, type Exclusion } from './exclusions.js';
import type { RecordedRequest } from './recording/types.js';

/** The whole run's recorded requests, checked: what the global teardown reports and fails on. */

export interface SuiteResult {
  checked: number;
  excluded: number;
  /** One entry per distinct problem, with where it was seen (first few). */
  failures: { problem: string; request: string; seenIn: string[] }[];
  /** Distinct operations called: "vendor METHOD template" → query names and body fields seen. */
  operations: Map<string, { query: Set<string>; body: Set<string>; count: number }>;
}

export function readRecordings(dir: string): RecordedRequest[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as RecordedRequest),
    );
}

export function isExcluded(req: RecordedRequest, exclusions: readonly Exclusion[] = DELIBERATELY_UNDESCRIBED): boolean {
  return exclusions.some((e) => e.file === req.origin?.file && (!e.test || e.test.test(req.origin?.test ?? '')));
}

export function checkSuite(requests: RecordedRequest[], exclusions: readonly Exclusion[] = DELIBERATELY_UNDESCRIBED): SuiteResult {
  const result: SuiteResult = { checked: 0, excluded: 0, failures: [], operations: new Map() };
  const byProblem = new Map<string, SuiteResult['failures'][number]>();
  for (const req of requests) {
    if (isExcluded(req, exclusions)) {
      result.excluded += 1;
      continue;
    }
    result.checked += 1;
    const verdict = checkRequest(req);
    const url = new URL(req.url);
    const key = verdict.operation ?? `${verdict.vendor} ${req.method} ${url.pathname} (undescribed)`;
    const entry = result.operations.get(key) ?? { query: new Set<string>(), body: new Set<string>(), count: 0 };
    entry.count += 1;
    for (const name of url.searchParams.keys()) entry.query.add(name);
    for (const field of bodyFields(req)) entry.body.add(field);
    result.operations.set(key, entry);
    for (const problem of verdict.problems) {
      const id = `${key}: ${problem}`;
      const failure = byProblem.get(id) ?? { problem, request: `${req.method} ${url.pathname}${url.search}`, seenIn: [] };
      const where = `${req.origin?.file ?? '?'} › ${req.origin?.test ?? '?'}${req.origin?.caller ? ` (sent by ${req.origin.caller})` : ''}`;
      if (failure.seenIn.length < 3 && !failure.seenIn.includes(where)) failure.seenIn.push(where);
      byProblem.set(id, failure);
    }
  }
  result.failures = [...byProblem.values()];
  return result;
}

/** Body field paths as "field", "[].field", "field.sub" (form bodies: the field names). */
export function bodyFields(req: RecordedRequest): string[] {
  const body = req.body;
  if (!body) return [];
  if (body.kind === 'form') return body.fields.map((f) => `${f} (form)`);
  if (body.kind === 'text') return ['(text)'];
  const out: string[] = [];
  const walk = (shape: typeof body.shape, prefix: string) => {
    if (typeof shape === 'string') {
      if (prefix) out.push(`${prefix}: ${shape}`);
      return;
    }
    if ('array' in shape) {
      for (const item of shape.array) walk(item, `${prefix}[]`);
      return;
    }
    for (const [name, child] of Object.entries(shape.object)) {
      // References (status: {id}) are listed with their members.
      walk(child, prefix ? `${prefix}.${name}` : name);
    }
  };
  walk(body.shape, '');
  return [...new Set(out)];
}

export function formatSuiteResult(result: SuiteResult): string {
  const lines = [
    `Vendor contract: ${result.checked} connector requests checked (${result.excluded} excluded by name), ` +
      `${result.operations.size} distinct operations, ${result.failures.length} undescribed.`,
  ];
  for (const f of result.failures) {
    lines.push(`  ✗ ${f.request}`, `      ${f.problem}`, ...f.seenIn.map((s) => `      in ${s}`));
  }
  return lines.join('\n');
}

export function formatOperationList(result: SuiteResult): string {
  return [...result.operations.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, seen]) => {
      const query = seen.query.size ? ` query: ${[...seen.query].sort().join(', ')}` : '';
      const body = seen.body.size ? ` body: ${[...seen.body].sort().join(', ')}` : '';
      return `- ${op} (×${seen.count})${query}${body}`;
    })
    .join('\n');
}
