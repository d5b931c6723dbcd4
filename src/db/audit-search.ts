import { and, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { PSA_KINDS, type PsaKind } from '../domain.js';
import type { Db } from './index.js';
import { issuances, type IssuanceRow } from './schema.js';

/**
 * The audit's user and company searches, read from `issuance_search` (migration 0005_audit_search): an FTS5 index with
 * the trigram tokenizer over `issuances.user_principal_name` and `company_name`, kept in step by triggers. A phrase of
 * trigrams is a substring match, case-insensitive, found through the index instead of a `LIKE '%…%'` scan of every row.
 */

/** A trigram index cannot find text shorter than one trigram. */
export const SEARCH_MIN_CHARS = 3;
/** Longest search text kept (a UPN is at most 113 characters, a PSA company name well under this). */
export const SEARCH_MAX_CHARS = 200;

/**
 * The text as typed, without control characters (no name holds one, and a NUL would end FTS5's query early), trimmed
 * and cut to SEARCH_MAX_CHARS.
 */
export function cleanSearchText(text: string): string {
  return [...text.replace(/[\u0000-\u001f\u007f]/g, '').trim()].slice(0, SEARCH_MAX_CHARS).join('');
}

/** True when the text is long enough for a substring search (counted in characters, not UTF-16 units). */
export const searchable = (text: string): boolean => [...text].length >= SEARCH_MIN_CHARS;

/**
 * One FTS5 phrase in one column. Inside a double-quoted FTS5 string every character is literal except the double
 * quote, written twice; so `*`, `-`, `NEAR`, `OR`, `:` and parentheses are text to find, never query syntax.
 */
export function ftsPhrase(column: 'user_principal_name' | 'company_name', text: string): string {
  return `{${column}} : "${text.replaceAll('"', '""')}"`;
}

/**
 * `issuances.rowid IN (…)`. When `walkByDate` is set the rowid is hidden from the planner (`+rowid`), so it walks
 * the newest-first index and checks each row against the matches: cheap when the matches are many (a page fills
 * quickly), whereas fetching every match by rowid and sorting them all is cheap only when they are few.
 */
const rowidIn = (matches: SQL, walkByDate: boolean): SQL =>
  walkByDate ? sql`+${issuances}.rowid IN (${matches})` : sql`${issuances}.rowid IN (${matches})`;

const ftsRowids = (match: string): SQL => sql`SELECT rowid FROM issuance_search WHERE issuance_search MATCH ${match}`;

/** PSA company ids are whole numbers in both PSAs: only such text is also looked up as an id. */
const COMPANY_ID = /^\d+$/;

/** Rows whose PSA company id is `text` exactly, in either PSA (index issuances_company). */
const companyIdRowids = (text: string): SQL => {
  const psas = sql.join(PSA_KINDS.map((p) => sql`${p}`), sql`, `);
  return sql`SELECT rowid FROM ${issuances} WHERE ${issuances.psa} IN (${psas}) AND ${issuances.companyId} = ${text}`;
};

/**
 * How the user and company searches are asked: `match`, one FTS5 expression for the index to intersect itself (far
 * cheaper than intersecting two lists of matches), and `rowids`, a company search that is a name part or an id (a
 * number: name matches and id matches together) or an id only (text too short for the index). `nothing` when a user
 * search is too short to ask at all.
 */
function searchTerms(userText: string | undefined, companyText: string | undefined): { match?: string; rowids?: SQL; nothing: boolean } {
  const terms: string[] = [];
  let rowids: SQL | undefined;
  if (userText !== undefined) {
    if (!searchable(userText)) return { nothing: true };
    terms.push(ftsPhrase('user_principal_name', userText));
  }
  if (companyText !== undefined) {
    if (!searchable(companyText)) rowids = companyIdRowids(companyText);
    else if (COMPANY_ID.test(companyText)) rowids = sql`${ftsRowids(ftsPhrase('company_name', companyText))} UNION ALL ${companyIdRowids(companyText)}`;
    else terms.push(ftsPhrase('company_name', companyText));
  }
  return { ...(terms.length ? { match: terms.join(' AND ') } : {}), ...(rowids ? { rowids } : {}), nothing: false };
}

export interface IssuanceFilter {
  psa?: PsaKind;
  companyId?: string;
  /** Part of the user principal name, any case (at least SEARCH_MIN_CHARS characters, else nothing matches). */
  user?: string;
  /**
   * Part of the company name, any case (at least SEARCH_MIN_CHARS characters); text that is a number also matches
   * that PSA company id exactly (an id is looked up whole: part of a number would match unrelated companies).
   */
  company?: string;
  outcome?: IssuanceRow['outcome'];
  from?: string;
  to?: string;
}

export interface IssuancePage {
  limit: number;
  offset: number;
  /** Count matches up to this many (default COUNT_CAP); `totalCapped` says there are more. */
  countUpTo?: number;
}

/** A filtered count stops here: past it the page says "more than", and counting further would read every match. */
export const COUNT_CAP = 10_000;

export interface IssuanceList {
  rows: IssuanceRow[];
  /** Rows matching the filter, or `countUpTo` when `totalCapped`. */
  total: number;
  /** More rows match than `total`. */
  totalCapped: boolean;
}

/** The audit trail, newest first, filtered; each filter is answered from an index. */
export function listIssuances(db: Db, filter: IssuanceFilter, page: IssuancePage): IssuanceList {
  const clean = (text: string | undefined) => (text === undefined ? undefined : cleanSearchText(text) || undefined);
  const search = searchTerms(clean(filter.user), clean(filter.company));
  if (search.nothing) return { rows: [], total: 0, totalCapped: false };
  const plain: SQL[] = [];
  if (filter.psa) plain.push(eq(issuances.psa, filter.psa));
  if (filter.companyId) plain.push(eq(issuances.companyId, filter.companyId));
  if (filter.outcome) plain.push(eq(issuances.outcome, filter.outcome));
  if (filter.from) plain.push(gte(issuances.createdAt, filter.from));
  if (filter.to) plain.push(lte(issuances.createdAt, filter.to));
  const conditions = (walkByDate: boolean, withMatch = true): SQL | undefined => {
    const where = [...plain];
    if (search.rowids) where.push(rowidIn(search.rowids, walkByDate));
    if (search.match && withMatch) where.push(rowidIn(ftsRowids(search.match), walkByDate));
    return where.length ? and(...where) : undefined;
  };
  const cap = page.countUpTo ?? COUNT_CAP;
  const condition = conditions(false);
  let counted: number;
  if (search.match) {
    // One pass driven by the index: each match (up to cap + 1) with its time, so the count stops at the cap and, when
    // it does not, the page is cut from these without asking the table again.
    const rest = conditions(false, false);
    // Nothing else to check: the index alone says whether the matches pass the cap (then the page is walked below).
    const indexOnly = rest ? undefined : db.get<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT rowid FROM issuance_search WHERE issuance_search MATCH ${search.match} LIMIT ${cap + 1})`)?.n;
    const overCap = indexOnly !== undefined && indexOnly > cap;
    const matches = overCap ? [] : db.all<{ id: string; at: string }>(
      sql`SELECT ${issuances.id} AS id, ${issuances.createdAt} AS at FROM issuance_search CROSS JOIN ${issuances} ON ${issuances}.rowid = issuance_search.rowid WHERE issuance_search MATCH ${search.match}${rest ? sql` AND ${rest}` : sql``} LIMIT ${cap + 1}`,
    );
    if (!overCap && matches.length <= cap) {
      matches.sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
      const ids = matches.slice(page.offset, page.offset + page.limit).map((m) => m.id);
      const byId = new Map((ids.length ? db.select().from(issuances).where(inArray(issuances.id, ids)).all() : []).map((r) => [r.id, r]));
      return { rows: ids.map((id) => byId.get(id)).filter((r) => r !== undefined), total: matches.length, totalCapped: false };
    }
    counted = cap + 1;
  } else if (condition) {
    counted = db.get<{ n: number }>(sql`SELECT count(*) AS n FROM (SELECT 1 FROM ${issuances} WHERE ${condition} LIMIT ${cap + 1})`)?.n ?? 0;
  } else {
    // Unfiltered, SQLite counts from the b-tree cheaply.
    counted = db.select({ n: sql<number>`count(*)` }).from(issuances).get()?.n ?? 0;
  }
  const totalCapped = condition !== undefined && counted > cap;
  const rows = db
    .select()
    .from(issuances)
    // Up to the cap, the matches are fetched by rowid and sorted (at most cap rows: bounded). Past it, sorting them all
    // is not, so the newest-first index is walked until the page is full: a few hundred entries when matches are
    // common, at worst every entry (no table row is read for an entry that does not match).
    .where(totalCapped ? conditions(true) : condition)
    .orderBy(desc(issuances.createdAt))
    .limit(page.limit)
    .offset(page.offset)
    .all();
  return { rows, total: totalCapped ? cap : counted, totalCapped };
}

/** At most this many of the newest matching audit rows are read to suggest companies (a bounded look-up per keystroke). */
const SUGGEST_SCAN = 2_000;

export interface CompanySuggestion {
  psa: PsaKind;
  companyId: string;
  companyName: string;
}

/**
 * Companies in the audit whose name contains `text` (the newest SUGGEST_SCAN matching rows, at most `limit` companies),
 * for the audit page's company box. Text too short for the index suggests nothing.
 */
export function suggestAuditCompanies(db: Db, text: string, limit = 20): CompanySuggestion[] {
  const clean = cleanSearchText(text);
  if (!searchable(clean)) return [];
  return db.all<CompanySuggestion>(
    sql`SELECT DISTINCT ${issuances.psa} AS psa, ${issuances.companyId} AS companyId, ${issuances.companyName} AS companyName
        FROM (SELECT rowid FROM issuance_search WHERE issuance_search MATCH ${ftsPhrase('company_name', clean)} ORDER BY rowid DESC LIMIT ${SUGGEST_SCAN}) AS m
        CROSS JOIN ${issuances} ON ${issuances}.rowid = m.rowid
        WHERE ${issuances.psa} IS NOT NULL AND ${issuances.companyId} IS NOT NULL AND ${issuances.companyName} IS NOT NULL
        LIMIT ${limit}`,
  );
}
