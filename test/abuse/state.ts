import fc from 'fast-check';
import { expect } from 'vitest';
import type { TestHarness } from '../helpers/services.js';

/** Everything a refused request must leave as it was: every table the connector writes, and the fakes at the edges. */
export function snapshot(h: TestHarness): string {
  const sqlite = h.services.storage.sqlite;
  const tables = ['tenant_mappings', 'issuances', 'note_outbox', 'used_signatures', 'poll_ledger', 'scheduled_issuances'];
  const rows = Object.fromEntries(tables.map((t) => [t, sqlite.prepare(`select * from ${t} order by rowid`).all()]));
  return JSON.stringify({
    rows,
    passes: h.entra.allPasses(),
    creates: h.entra.calls.filter((c) => c.startsWith('createTap')).length,
    notes: { connectwise: h.psa.connectwise.notes.length, halo: h.psa.halo.notes.length },
  });
}

/** A 4xx answered as problem+json whose status matches the HTTP status, and which carries no stack or SQL. */
export async function expectProblem4xx(res: Response): Promise<{ code: string; status: number }> {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  const text = await res.text();
  const body = JSON.parse(text) as { code: string; status: number; type: string; title: string; detail: string };
  expect(body.status).toBe(res.status);
  expect(body).toMatchObject({ code: expect.any(String), type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(text).not.toMatch(/\bat .+\.(ts|js):\d+|SQLITE_|sqlite_master/);
  return body;
}

/** Strings an attacker tries first: traversal, SQL, markup, templates, header breaks, odd unicode. */
export const HOSTILE = [
  '../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '..\\..\\windows\\win.ini',
  '%00',
  "' OR '1'='1",
  "1; DROP TABLE issuances; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  '${7*7}',
  '{{7*7}}',
  '%0d%0aSet-Cookie: admin=1',
  '\r\nX-Injected: 1',
  '\u0000',
  '\u202egnp.exe',
  '\uFEFF',
  'İstanbul',
  'ﬃ',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '🙂🙃',
  'a'.repeat(5_000),
  '__proto__',
  'constructor',
];

export const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 60 }));

/** Header values a client can actually send (fetch refuses CR, LF and NUL, and anything outside Latin-1). */
export const headerValue = fc.oneof(
  fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic YWRtaW46YWRtaW4=', 'Bearer ' + 'A'.repeat(10_000), "Bearer ' OR 1=1 --", 'Bearer <script>', 'Bearer ../../etc/passwd', 'Token abc'),
  fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 200 }),
).filter(isSendableHeader);

export function isSendableHeader(value: string): boolean {
  try {
    new Headers({ x: value });
    return true;
  } catch {
    return false;
  }
}

/** Bounded runs: the suite takes seconds. */
export const RUNS = { numRuns: 150 } as const;
