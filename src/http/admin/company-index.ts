import type { PsaKind } from '../../domain.js';
import type { TenantMapping } from '../../db/mappings.js';
import type { PsaCompany } from '../../psa/port.js';

/**
 * The companies page's row index, built once per (company lists, mappings) version and reused by every request: a
 * page is a slice, a search a scan of precomputed lowercase text. Pure; company-directory.ts decides when to rebuild.
 *
 * Sorting is the expensive part (issue 14: 317 ms per render with 20,000 rows, mostly `localeCompare` with options,
 * which builds a collator per call). A PSA's list is sorted once when it is read (or loaded already sorted from
 * SQLite); a rebuild after a mapping change merges the sorted lists and the few mappings the PSA did not list.
 */

export type MappingState = 'mapped' | 'unmapped' | 'disabled';
export type CompanyFilter = 'all' | MappingState;

export interface CompanyRow {
  psa: PsaKind;
  companyId: string;
  name: string;
  identifier: string | undefined;
  company: PsaCompany | undefined;
  mapping: TenantMapping | undefined;
  state: MappingState;
  /** The mapping's tenant is also mapped to another company of the same PSA. */
  sharedTenant: boolean;
  /** Mapped, but the PSA's last list did not hold the company (renamed away or deleted). False while never listed. */
  missingFromPsa: boolean;
}

/** One company of a PSA's list with its search text (name, identifier, id in lower case), computed once per read. */
export interface ListedCompany {
  psa: PsaKind;
  company: PsaCompany;
  haystack: string;
}

export interface CompanyIndex {
  rows: readonly CompanyRow[];
  counts: Record<MappingState, number>;
  get(psa: PsaKind, companyId: string): CompanyRow | undefined;
  /** Rows matching the search (case-insensitive: name, identifier or id, tenant name, domain or id), in order. */
  filter(q: string, state: CompanyFilter, psa: PsaKind | undefined): readonly CompanyRow[];
}

const byName = new Intl.Collator('en', { sensitivity: 'base' });
const exact = new Intl.Collator('en');

/** Name (case- and accent-blind), then PSA, then id: the order the page has always shown. */
const compareBy = (nameA: string, psaA: string, idA: string, nameB: string, psaB: string, idB: string) =>
  byName.compare(nameA, nameB) || exact.compare(psaA, psaB) || exact.compare(idA, idB);
export const compareListed = (a: ListedCompany, b: ListedCompany) => compareBy(a.company.name, a.psa, a.company.id, b.company.name, b.psa, b.company.id);
const compareRows = (a: CompanyRow, b: CompanyRow) => compareBy(a.name, a.psa, a.companyId, b.name, b.psa, b.companyId);

const keyOf = (psa: string, companyId: string) => `${psa}\u0000${companyId}`;
const lower = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join('\n').toLowerCase();

export function stateOf(mapping: TenantMapping | undefined): MappingState {
  if (!mapping) return 'unmapped';
  return mapping.enabled ? 'mapped' : 'disabled';
}

const listed = (psa: PsaKind, company: PsaCompany): ListedCompany => ({ psa, company, haystack: lower(company.name, company.identifier, company.id) });

/** A PSA's list, sorted; an id listed twice keeps its first entry. Run once per read from the PSA. */
export function sortCompanies(psa: PsaKind, companies: readonly PsaCompany[]): ListedCompany[] {
  const seen = new Set<string>();
  const out: ListedCompany[] = [];
  for (const c of companies) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    out.push(listed(psa, c));
  }
  return out.sort(compareListed);
}

/** A list already in order (as saved): only the search text is computed. */
export function presorted(psa: PsaKind, companies: readonly PsaCompany[]): ListedCompany[] {
  return companies.map((c) => listed(psa, c));
}

/** Merges sorted lists into one sorted list (linear; no re-sort). */
export function mergeSorted<T>(lists: readonly (readonly T[])[], compare: (a: T, b: T) => number): T[] {
  let merged: T[] = [...(lists[0] ?? [])];
  for (const next of lists.slice(1)) {
    const out: T[] = new Array<T>(merged.length + next.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < merged.length && j < next.length) out[k++] = compare(merged[i]!, next[j]!) <= 0 ? merged[i++]! : next[j++]!;
    while (i < merged.length) out[k++] = merged[i++]!;
    while (j < next.length) out[k++] = next[j++]!;
    merged = out;
  }
  return merged;
}

/**
 * The rows for the merged, sorted company lists and the current mappings. `listedPsas` are the PSAs whose list has been
 * read at least once (only there can a mapped company be "missing from the PSA").
 */
export function buildCompanyIndex(
  companies: readonly ListedCompany[],
  mappings: readonly TenantMapping[],
  sharedTenants: ReadonlySet<string>,
  listedPsas: ReadonlySet<PsaKind>,
): CompanyIndex {
  const unmatched = new Map(mappings.map((m) => [keyOf(m.psa, m.companyId), m]));
  const fromPsa: { row: CompanyRow; haystack: string }[] = new Array(companies.length);
  const row = (psa: PsaKind, companyId: string, company: PsaCompany | undefined, mapping: TenantMapping | undefined): CompanyRow => ({
    psa,
    companyId,
    name: company?.name ?? (mapping?.companyName || companyId),
    identifier: company?.identifier,
    company,
    mapping,
    state: stateOf(mapping),
    sharedTenant: mapping ? sharedTenants.has(`${psa}:${mapping.tenantId}`) : false,
    missingFromPsa: !company && listedPsas.has(psa),
  });
  const withMapping = (haystack: string, m: TenantMapping | undefined) => (m ? `${haystack}\n${lower(m.tenantName, m.tenantDomain, m.tenantId)}` : haystack);
  for (let i = 0; i < companies.length; i++) {
    const { psa, company, haystack } = companies[i]!;
    const key = keyOf(psa, company.id);
    const mapping = unmatched.get(key);
    if (mapping) unmatched.delete(key);
    fromPsa[i] = { row: row(psa, company.id, company, mapping), haystack: withMapping(haystack, mapping) };
  }
  // Mappings the PSA did not list (or not yet) stay visible so they can still be edited or deleted.
  const orphans = [...unmatched.values()]
    .map((m) => {
      const r = row(m.psa, m.companyId, undefined, m);
      return { row: r, haystack: withMapping(lower(r.name, m.companyId), m) };
    })
    .sort((a, b) => compareRows(a.row, b.row));
  const all = orphans.length ? mergeSorted([fromPsa, orphans], (a, b) => compareRows(a.row, b.row)) : fromPsa;

  const rows = all.map((e) => e.row);
  const haystacks = all.map((e) => e.haystack);
  const byKey = new Map<string, number>();
  const counts: Record<MappingState, number> = { mapped: 0, unmapped: 0, disabled: 0 };
  rows.forEach((r, i) => {
    byKey.set(keyOf(r.psa, r.companyId), i);
    counts[r.state] += 1;
  });
  return {
    rows,
    counts,
    get: (psa, companyId) => {
      const i = byKey.get(keyOf(psa, companyId));
      return i === undefined ? undefined : rows[i];
    },
    filter(q, state, psa) {
      const needle = q.trim().toLowerCase();
      if (!needle && state === 'all' && !psa) return rows;
      const out: CompanyRow[] = [];
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        if (psa && r.psa !== psa) continue;
        if (state !== 'all' && r.state !== state) continue;
        if (needle && !haystacks[i]!.includes(needle)) continue;
        out.push(r);
      }
      return out;
    },
  };
}
