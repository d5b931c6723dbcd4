/**
 * The audit page at scale (issue 14): 100,000 audit rows over 2,000 companies, 10,000 mappings, on a database file.
 * Times the user and company searches (the trigram index, `src/db/audit-search.ts`) and the whole page request as an
 * admin makes it, against the `LIKE '%…%'` scan the user search used to be. Runs in the bench process on the sources.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminHarness, signedIn } from '../test/admin/helpers.js';

export const AUDIT_TARGET_MS = 100;
export const AUDIT_ROWS = 100_000;
export const AUDIT_MAPPINGS = 10_000;
const COMPANIES = 2_000;
const USERS = 20_000;
const RUNS = 7;
const WORDS = ['Contoso', 'Fabrikam', 'Northwind', 'Adatum', 'Litware', 'Tailspin', 'Wingtip', 'Proseware', 'Lucerne', 'Margie'];

export interface AuditMeasure {
  label: string;
  /** Rows matching (the page shows the newest 50). */
  matches: string;
  /** Median of RUNS, ms. */
  ms: number;
}

export interface AuditResults {
  rows: number;
  mappings: number;
  searches: AuditMeasure[];
  pages: AuditMeasure[];
  /** The scan the user search replaced, same text, same database. */
  likeScanMs: number;
  pageKb: number;
}

async function median(work: () => unknown): Promise<number> {
  const samples: number[] = [];
  await work();
  for (let i = 0; i < RUNS; i += 1) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

const companyName = (c: number) => `${WORDS[c % WORDS.length]} ${['Ltd', 'B.V.', 'GmbH', 'Inc'][c % 4]} ${c}`;

export async function auditPage(): Promise<AuditResults> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  try {
    const h = await adminHarness({ env: { DATABASE_PATH: join(dir, 'tap.db') } });
    const sqlite = h.services.storage.sqlite;
    const mapping = sqlite.prepare(
      `INSERT INTO tenant_mappings (psa, company_id, company_name, tenant_id, time_zone, activation_hour, usable_once, allow_privileged, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, 'Europe/Amsterdam', 8, 0, 0, 1, ?, ?)`,
    );
    const row = sqlite.prepare(
      `INSERT INTO issuances (id, psa, ticket_id, company_id, company_name, tenant_id, requested_by, trigger, user_principal_name, start_at, expires_at, outcome, outcome_code, note_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'jdoe', 'button', ?, ?, ?, ?, ?, 'written', ?, ?)`,
    );
    const now = new Date().toISOString();
    sqlite.transaction(() => {
      for (let m = 0; m < AUDIT_MAPPINGS; m += 1) mapping.run(m % 2 ? 'halo' : 'connectwise', String(10_000 + Math.floor(m / 2)), companyName(Math.floor(m / 2)), `00000000-0000-4000-8000-${String(m).padStart(12, '0')}`, now, now);
      const start = Date.now() - 365 * 86_400_000;
      for (let i = 0; i < AUDIT_ROWS; i += 1) {
        const c = (i * 7919) % COMPANIES;
        const at = new Date(start + i * 315_000).toISOString();
        const word = WORDS[c % WORDS.length]!.toLowerCase();
        row.run(`bench-${i}`, c % 2 ? 'halo' : 'connectwise', String(100_000 + i), String(10_000 + c), companyName(c), `00000000-0000-4000-8000-${String(c).padStart(12, '0')}`, `user${(i * 31) % USERS}.starter@${word}${c}.example`, at, at, i % 9 ? 'issued' : 'refused', i % 9 ? 'ISSUED' : 'USER_NOT_FOUND', at, at);
      }
    })();
    sqlite.pragma('optimize');

    const log = h.services.issuances;
    const page = { limit: 50, offset: 0 };
    const searches: AuditMeasure[] = [];
    const measure = async (label: string, filter: Parameters<typeof log.list>[0]) => {
      const found = log.list(filter, page);
      searches.push({ label, matches: found.totalCapped ? `more than ${found.total.toLocaleString('en-US')}` : found.total.toLocaleString('en-US'), ms: await median(() => log.list(filter, page)) });
    };
    await measure('User, part of one UPN (`user1234.st`)', { user: 'user1234.st' });
    await measure('User, text in every UPN (`starter`): the widest search', { user: 'starter' });
    await measure('Company, part of one name (`Ltd 1204`)', { company: 'Ltd 1204' });
    await measure('Company, a word in a tenth of them (`northwind`), refused only', { company: 'northwind', outcome: 'refused' });
    await measure('Company picked exactly (`connectwise:11204`)', { psa: 'connectwise', companyId: '11204' });
    const likeScanMs = await median(() =>
      sqlite.prepare(`SELECT * FROM issuances WHERE user_principal_name LIKE ? ESCAPE '\\' ORDER BY created_at DESC LIMIT 50`).all('%user1234.st%'),
    );

    const client = await signedIn(h);
    const pages: AuditMeasure[] = [];
    let pageKb = 0;
    for (const [label, path] of [
      ['Audit page, no filter', '/admin/audit'],
      ['Audit page, user and company search', '/admin/audit?company=northwind&user=user12'],
    ] as const) {
      const res = await client.get(path);
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      pageKb = Math.max(pageKb, Buffer.byteLength(client.lastHtml) / 1024);
      const counted = /\((more than [\d,]+|\d+) in all/.exec(client.lastHtml)?.[1] ?? /(\d+) shown/.exec(client.lastHtml)?.[1] ?? '?';
      const shown = /^\d+$/.test(counted) ? Number(counted).toLocaleString('en-US') : counted;
      pages.push({ label, matches: shown, ms: await median(async () => (await client.get(path)).text()) });
    }
    h.services.storage.close();
    return { rows: AUDIT_ROWS, mappings: AUDIT_MAPPINGS, searches, pages, likeScanMs, pageKb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const auditWorst = (r: AuditResults): AuditMeasure => [...r.searches, ...r.pages].reduce((a, b) => (b.ms > a.ms ? b : a));

/** The section of docs/benchmarks.md, from the measured figures. */
export function auditSection(r: AuditResults): string[] {
  const worst = auditWorst(r);
  const narrow = r.searches[0]!;
  return [
    '## 7. Audit page',
    '',
    `${r.rows.toLocaleString('en-US')} audit rows over ${COMPANIES.toLocaleString('en-US')} companies and ${USERS.toLocaleString('en-US')} users, ${r.mappings.toLocaleString('en-US')} mappings, on a database file; median of ${RUNS} runs after a warm-up, in the bench process. A search is the page's query: the newest 50 rows and the count (counted up to 10,000, then "more than"). User and company searches read the trigram index \`issuance_search\`; the \`LIKE '%…%'\` the user search used to be reads every row: ${r.likeScanMs.toFixed(1)} ms for the same text as the first line (${narrow.ms.toFixed(1)} ms now). The largest figure is **${worst.ms.toFixed(1)} ms** (${worst.label}); a page is at most ${r.pageKb.toFixed(0)} KB of HTML, with no list of mappings in it.`,
    '',
    '| Search or page | Matching rows | Time |',
    '|---|---|---|',
    ...[...r.searches, ...r.pages].map((m) => `| ${m.label} | ${m.matches} | ${m.ms.toFixed(1)} ms |`),
    '',
  ];
}
