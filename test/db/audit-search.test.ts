import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/db/index.js';
import { createIssuanceLog, type IssuanceFilter } from '../../src/db/issuances.js';
import type { NewIssuance } from '../../src/db/schema.js';

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');
const opened: Storage[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

function storage(path = ':memory:'): Storage {
  const s = openStorage(path);
  opened.push(s);
  return s;
}

const NAMES = ['Contoso Ltd', 'Fabrikam B.V.', 'Northwind Traders', 'Adatum GmbH', 'Litware Inc', 'Tailspin Toys', 'Wingtip Müller & Söhne', 'Proseware "Quoted" (Ltd)'];

function row(i: number, overrides: Partial<NewIssuance> = {}): NewIssuance {
  const company = i % NAMES.length;
  const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  return {
    id: `row-${i}`,
    psa: i % 2 ? 'halo' : 'connectwise',
    ticketId: String(5000 + i),
    companyId: String(100 + company),
    companyName: NAMES[company]!,
    trigger: 'button',
    // Mixed case, as Graph and technicians write them.
    userPrincipalName: `${i % 3 ? 'New.Starter' : 'j.DOE'}${i}@Tenant${company}.example`,
    outcome: i % 5 ? 'issued' : 'refused',
    outcomeCode: i % 5 ? 'ISSUED' : 'USER_NOT_FOUND',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

function seeded(n: number, path?: string) {
  const s = storage(path);
  const log = createIssuanceLog(s.db);
  const rows = Array.from({ length: n }, (_, i) => row(i));
  s.sqlite.transaction(() => rows.forEach((r) => log.insert(r)))();
  return { s, log, rows };
}

const all = (log: ReturnType<typeof createIssuanceLog>, filter: IssuanceFilter) => log.list(filter, { limit: 100_000, offset: 0 });

/** Every SELECT the issuance log prepares while `act` runs, with the values it was run with. */
function statementsDuring(s: Storage, act: () => void): { source: string; args: unknown[] }[] {
  const seen: { source: string; args: unknown[] }[] = [];
  const prepare = s.sqlite.prepare;
  s.sqlite.prepare = ((source: string) => {
    const statement = prepare.call(s.sqlite, source);
    if (!/^\s*select/i.test(source)) return statement;
    for (const method of ['all', 'get', 'iterate'] as const) {
      const original = (statement as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!;
      (statement as unknown as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
        seen.push({ source, args });
        return original.apply(this, args);
      };
    }
    return statement;
  }) as typeof s.sqlite.prepare;
  try {
    act();
  } finally {
    s.sqlite.prepare = prepare;
  }
  return seen;
}

const planOf = (s: Storage, source: string, args: unknown[]) =>
  (s.sqlite.prepare(`EXPLAIN QUERY PLAN ${source}`).all(...(args as never[])) as { detail: string }[]).map((r) => r.detail);

describe('audit search (trigram index, issue 14)', () => {
  it('a user search and a company search read the index: no statement scans the issuances table', () => {
    const { s, log } = seeded(400);
    for (const filter of [{ user: 'starter12' }, { company: 'wind trad' }, { company: '103' }, { user: 'doe3', company: 'contoso', outcome: 'refused' as const }]) {
      const statements = statementsDuring(s, () => log.list(filter, { limit: 50, offset: 0 }));
      expect(statements.length).toBeGreaterThan(0);
      const plans = statements.map(({ source, args }) => planOf(s, source, args));
      for (const plan of plans) expect(plan.filter((step) => /^SCAN issuances\b/.test(step)), `${JSON.stringify(filter)}: ${plan.join(' | ')}`).toEqual([]);
      expect(plans.some((plan) => plan.some((step) => step.includes('issuance_search VIRTUAL TABLE')))).toBe(true);
    }
  });

  it('finds substrings case-insensitively, across many rows, the same rows a plain substring test finds, newest first', () => {
    const { log, rows } = seeded(3000);
    const expectFound = (filter: IssuanceFilter, keep: (r: NewIssuance) => boolean) => {
      const wanted = rows.filter(keep).sort((a, b) => (a.createdAt! < b.createdAt! ? 1 : -1)).map((r) => r.id);
      const found = all(log, filter);
      expect(found.rows.map((r) => r.id)).toEqual(wanted);
      expect(found.total).toBe(wanted.length);
      return wanted.length;
    };
    const has = (value: string | null | undefined, part: string) => (value ?? '').toLowerCase().includes(part.toLowerCase());
    expect(expectFound({ user: 'STARTER1' }, (r) => has(r.userPrincipalName, 'starter1'))).toBeGreaterThan(500);
    expect(expectFound({ user: '7@tenant' }, (r) => has(r.userPrincipalName, '7@tenant'))).toBeGreaterThan(100);
    expect(expectFound({ user: 'j.doe2997@tenant5.EXAMPLE' }, (r) => r.id === 'row-2997')).toBe(1);
    expect(expectFound({ company: 'wind' }, (r) => has(r.companyName, 'wind'))).toBe(375);
    expect(expectFound({ company: 'müller & sö' }, (r) => has(r.companyName, 'müller & sö'))).toBe(375);
    // A PSA company id matches exactly (any length), alongside names.
    expect(expectFound({ company: '103' }, (r) => r.companyId === '103')).toBe(375);
    expect(expectFound({ company: 'ltd', user: 'doe', outcome: 'refused' }, (r) => has(r.companyName, 'ltd') && has(r.userPrincipalName, 'doe') && r.outcome === 'refused')).toBeGreaterThan(10);
    // Past the first page, rows continue in order.
    const second = log.list({ user: 'starter' }, { limit: 50, offset: 50 }).rows.map((r) => r.id);
    expect(second).toEqual(rows.filter((r) => has(r.userPrincipalName, 'starter')).reverse().slice(50, 100).map((r) => r.id));
  });

  it('many matches, sorted or read by walking the newest-first index, come back in the same order, whatever order rows were written in', () => {
    const s = storage();
    const log = createIssuanceLog(s.db);
    const rows = Array.from({ length: 8400 }, (_, i) => row(i));
    // Written out of time order (an import, a clock step): the order shown is created_at, not insertion.
    const shuffled = rows.map((r, i) => ({ r, k: (i * 7919) % 8400 })).sort((a, b) => a.k - b.k).map((x) => x.r);
    s.sqlite.transaction(() => shuffled.forEach((r) => log.insert(r)))();
    const newestFirst = [...rows].reverse();
    for (const [filter, keep] of [
      [{ user: 'tenant' }, () => true],
      [{ company: 'ltd' }, (r: NewIssuance) => r.companyName!.toLowerCase().includes('ltd')],
    ] as const) {
      const wanted = newestFirst.filter(keep).map((r) => r.id);
      expect(wanted.length).toBeGreaterThan(2000);
      for (const offset of [0, 50, 1000]) {
        // Counted to the end (matches sorted), and counted only to 2,000 (the index walked newest first): same rows.
        expect(log.list(filter, { limit: 50, offset }).rows.map((r) => r.id)).toEqual(wanted.slice(offset, offset + 50));
        expect(log.list(filter, { limit: 50, offset, countUpTo: 2000 }).rows.map((r) => r.id)).toEqual(wanted.slice(offset, offset + 50));
      }
      expect(log.list(filter, { limit: 50, offset: 0 })).toMatchObject({ total: wanted.length, totalCapped: false });
      expect(log.list(filter, { limit: 50, offset: 0, countUpTo: 2000 })).toMatchObject({ total: 2000, totalCapped: true });
    }
  });

  it('shorter than 3 characters: a user search matches nothing, a company search only a PSA id exactly', () => {
    const { log } = seeded(100);
    expect(all(log, { user: 'j.' })).toEqual({ rows: [], total: 0, totalCapped: false });
    expect(all(log, { company: 'co' }).total).toBe(0);
    const s = storage();
    const small = createIssuanceLog(s.db);
    small.insert(row(1, { id: 'id-7', companyId: '7', companyName: 'Seven Ltd' }));
    small.insert(row(2, { id: 'id-77', companyId: '77', companyName: 'Seventy-seven Ltd' }));
    expect(all(small, { company: '7' }).rows.map((r) => r.id)).toEqual(['id-7']);
  });

  it('hostile search text never errors and never widens the match', () => {
    const { log, s } = seeded(200);
    const quoted = createIssuanceLog(s.db);
    quoted.insert(row(900, { id: 'quoted', userPrincipalName: 'o"brien*(x)@contoso.example', companyName: 'A OR B NEAR(C) -D' }));
    const hostile = ['"', '""', '" OR "', '*', 'starter*', '-starter', 'NEAR(starter doe)', 'starter OR doe', 'starter AND doe', '(starter)', 'NOT doe', '^starter', 'user_principal_name:starter', '{company_name}:contoso', 'star\u0000ter', '\u0000\u0000\u0000', '%', '_ta', "'; DROP TABLE issuances; --", 'a'.repeat(5000)];
    for (const text of hostile) {
      for (const filter of [{ user: text }, { company: text }]) {
        const result = all(log, filter);
        // Whatever matched really contains the text (minus the NUL that no name can hold), case-insensitively.
        const needle = text.replaceAll('\u0000', '').trim().toLowerCase();
        for (const r of result.rows) {
          const haystack = ('user' in filter ? r.userPrincipalName : r.companyName)?.toLowerCase() ?? '';
          expect(haystack.includes(needle) || ('company' in filter && r.companyId === text), `${JSON.stringify(filter)} matched ${haystack}`).toBe(true);
        }
      }
    }
    expect(all(log, { user: 'starter*' }).total).toBe(0);
    expect(all(log, { user: 'starter OR doe' }).total).toBe(0);
    expect(all(log, { user: 'star\u0000ter' }).total).toBe(all(log, { user: 'starter' }).total);
    expect(all(log, { user: 'o"brien*(x)' }).rows.map((r) => r.id)).toEqual(['quoted']);
    expect(all(log, { company: 'or b near(c) -d' }).rows.map((r) => r.id)).toEqual(['quoted']);
    expect(all(log, { company: '"quoted" (ltd)' }).total).toBe(25);
  });

  it('pruned rows disappear from the search; updated rows are found by their new values only', () => {
    const s = storage();
    const log = createIssuanceLog(s.db);
    log.insert(row(1, { id: 'old', userPrincipalName: 'leaver@contoso.example', createdAt: '2024-01-01T00:00:00.000Z' }));
    log.insert(row(2, { id: 'new', userPrincipalName: 'stayer@contoso.example', createdAt: '2026-11-01T00:00:00.000Z' }));
    expect(all(log, { user: 'leaver' }).rows.map((r) => r.id)).toEqual(['old']);
    expect(log.prune(new Date('2025-01-01T00:00:00.000Z'))).toBe(1);
    expect(all(log, { user: 'leaver' }).total).toBe(0);
    expect(all(log, { user: 'contoso.example' }).rows.map((r) => r.id)).toEqual(['new']);

    log.update('new', { userPrincipalName: 'renamed@fabrikam.example', companyName: 'Fabrikam B.V.' });
    expect(all(log, { user: 'stayer' }).total).toBe(0);
    expect(all(log, { user: 'RENAMED@fab' }).rows.map((r) => r.id)).toEqual(['new']);
    expect(all(log, { company: 'fabrikam' }).rows.map((r) => r.id)).toEqual(['new']);
    expect(all(log, { company: 'contoso' }).total).toBe(0);
    // Other columns change without touching the index.
    log.update('new', { outcome: 'revoked' });
    expect(all(log, { user: 'renamed' }).rows.map((r) => r.outcome)).toEqual(['revoked']);
    expect(s.sqlite.prepare(`INSERT INTO issuance_search(issuance_search, rank) VALUES ('integrity-check', 1)`).run().changes).toBeGreaterThanOrEqual(0);
  });

  it('a VACUUM keeps the index pointing at the right rows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-search-'));
    const { s, log, rows } = seeded(300, join(dir, 'tap.db'));
    s.sqlite.prepare(`DELETE FROM issuances WHERE CAST(substr(id, 5) AS INTEGER) % 4 = 0`).run();
    s.sqlite.exec('VACUUM');
    const kept = rows.filter((_, i) => i % 4 !== 0).reverse();
    expect(all(log, { user: 'starter29' }).rows.map((r) => r.userPrincipalName)).toEqual(kept.filter((r) => r.userPrincipalName!.includes('Starter29')).map((r) => r.userPrincipalName));
    expect(all(log, { company: 'northwind' }).rows.map((r) => r.id)).toEqual(kept.filter((r) => r.companyName === 'Northwind Traders').map((r) => r.id));
    s.sqlite.prepare(`INSERT INTO issuance_search(issuance_search, rank) VALUES ('integrity-check', 1)`).run();
  });

  it('a database at the previous migration, with audit rows, is migrated and its rows are searchable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-migrate-'));
    const previous = join(dir, 'migrations');
    mkdirSync(join(previous, 'meta'), { recursive: true });
    const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    const upTo = journal.entries.findIndex((e) => e.tag.endsWith('_audit_search'));
    expect(upTo).toBeGreaterThan(0);
    const before = journal.entries.slice(0, upTo);
    for (const e of before) copyFileSync(join(MIGRATIONS, `${e.tag}.sql`), join(previous, `${e.tag}.sql`));
    writeFileSync(join(previous, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: before }));

    const path = join(dir, 'tap.db');
    const old = new Database(path);
    migrate(drizzle(old), { migrationsFolder: previous });
    expect(old.prepare(`SELECT name FROM sqlite_master WHERE name = 'issuance_search'`).get()).toBeUndefined();
    const insert = old.prepare(`INSERT INTO issuances (id, psa, ticket_id, company_id, company_name, trigger, user_principal_name, outcome, outcome_code, created_at, updated_at) VALUES (?, 'connectwise', '1', '101', ?, 'button', ?, 'issued', 'ISSUED', ?, ?)`);
    insert.run('before-1', 'Contoso Ltd', 'Old.Timer@contoso.example', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
    insert.run('before-2', 'Fabrikam B.V.', 'someone@fabrikam.example', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z');
    old.close();

    const s = storage(path);
    const log = createIssuanceLog(s.db);
    expect(all(log, { user: 'old.TIMER' }).rows.map((r) => r.id)).toEqual(['before-1']);
    expect(all(log, { company: 'brikam b.' }).rows.map((r) => r.id)).toEqual(['before-2']);
    log.insert(row(3, { id: 'after', userPrincipalName: 'old.timer2@contoso.example' }));
    expect(all(log, { user: 'old.timer' }).rows.map((r) => r.id).sort()).toEqual(['after', 'before-1']);
  });

  it('counts matches up to a cap and says when there are more', () => {
    const { log } = seeded(30);
    expect(log.list({ user: 'tenant' }, { limit: 5, offset: 0 })).toMatchObject({ total: 30, totalCapped: false });
    expect(log.list({ user: 'tenant' }, { limit: 5, offset: 0, countUpTo: 20 })).toMatchObject({ total: 20, totalCapped: true });
    expect(log.list({ user: 'tenant' }, { limit: 5, offset: 0, countUpTo: 20 }).rows).toHaveLength(5);
    // With another filter the index cannot count alone; the cap holds all the same, and the page is still newest first.
    const issued = log.list({ user: 'tenant', outcome: 'issued' }, { limit: 5, offset: 0, countUpTo: 10 });
    expect(issued).toMatchObject({ total: 10, totalCapped: true });
    expect(issued.rows.map((r) => r.id)).toEqual(['row-29', 'row-28', 'row-27', 'row-26', 'row-24']);
  });
});
