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

/**
 * One company of a PSA's list with its search text (name, identifier, id in lower case), made on the first search and
 * kept (not at load: the first request after a restart need not pay for it).
 */
export interface ListedCompany {
  psa: PsaKind;
  company: PsaCompany;
  haystack?: string;
}

/** The rows a search selected, made into CompanyRow objects only when asked for (a page is 50 of 20,000). */
export interface RowSelection {
  readonly length: number;
  slice(start: number, end: number): CompanyRow[];
}

export interface CompanyIndex {
  size: number;
  counts: Record<MappingState, number>;
  get(psa: PsaKind, companyId: string): CompanyRow | undefined;
  /** Rows matching the search (case-insensitive: name, identifier or id, tenant name, domain or id), in order. */
  filter(q: string, state: CompanyFilter, psa: PsaKind | undefined): RowSelection;
}

const byName = new Intl.Collator('en', { sensitivity: 'base' });
const exact = new Intl.Collator('en');

/** Name (case- and accent-blind), then PSA, then id: the order the page has always shown. */
const compareBy = (nameA: string, psaA: string, idA: string, nameB: string, psaB: string, idB: string) =>
  byName.compare(nameA, nameB) || exact.compare(psaA, psaB) || exact.compare(idA, idB);
export const compareListed = (a: ListedCompany, b: ListedCompany) => compareBy(a.company.name, a.psa, a.company.id, b.company.name, b.psa, b.company.id);

const keyOf = (psa: string, companyId: string) => `${psa}\u0000${companyId}`;
const lower = (...parts: (string | null | undefined)[]) => parts.filter(Boolean).join('\n').toLowerCase();

export function stateOf(mapping: TenantMapping | undefined): MappingState {
  if (!mapping) return 'unmapped';
  return mapping.enabled ? 'mapped' : 'disabled';
}

const listed = (psa: PsaKind, company: PsaCompany): ListedCompany => ({ psa, company });
const haystackOf = (e: ListedCompany) => (e.haystack ??= `${e.company.name}\n${e.company.identifier ?? ''}\n${e.company.id}`.toLowerCase());

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
 * The company side of the index, built once per version of the company lists: the merged sorted entries and where
 * each company sits. Mappings are laid over it by `buildCompanyIndex`, which is cheap (no sort, no string work per
 * company), so a mapping saved, imported or deleted costs a pass over the mappings, not a rebuild of 20,000 rows.
 */
export interface CompanyBase {
  entries: readonly ListedCompany[];
  /**
   * Where a company sits in `entries`. `nameHint` (a mapping's saved company name, usually the PSA's) finds it by binary
   * search; otherwise a map of every company is built, once. Not building that map up front keeps the first request
   * after a restart short.
   */
  positionOf(psa: PsaKind, companyId: string, nameHint?: string): number | undefined;
}

export function companyBase(entries: readonly ListedCompany[]): CompanyBase {
  let positions: Map<string, number> | undefined;
  const byKey = (psa: PsaKind, companyId: string) => {
    if (!positions) {
      positions = new Map();
      for (let i = 0; i < entries.length; i++) positions.set(keyOf(entries[i]!.psa, entries[i]!.company.id), i);
    }
    return positions.get(keyOf(psa, companyId));
  };
  return {
    entries,
    positionOf(psa, companyId, nameHint) {
      if (nameHint) {
        let lo = 0;
        let hi = entries.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const e = entries[mid]!;
          if (compareBy(e.company.name, e.psa, e.company.id, nameHint, psa, companyId) < 0) lo = mid + 1;
          else hi = mid;
        }
        const found = entries[lo];
        if (found?.psa === psa && found.company.id === companyId) return lo;
      }
      return byKey(psa, companyId);
    },
  };
}

/** An index entry: a listed company, or a mapping the PSA did not list (or not yet). */
type Entry = ListedCompany | { psa: PsaKind; company: undefined; orphan: TenantMapping; haystack: string };

/**
 * The rows for the company lists and the current mappings. `listedPsas` are the PSAs whose list has been read at least
 * once (only there can a mapped company be "missing from the PSA").
 */
export function buildCompanyIndex(
  base: CompanyBase,
  mappings: readonly TenantMapping[],
  sharedTenants: ReadonlySet<string>,
  listedPsas: ReadonlySet<PsaKind>,
): CompanyIndex {
  const byKey = new Map<string, TenantMapping>();
  const mappedAt = new Map<number, TenantMapping>();
  const orphans: Entry[] = [];
  for (const m of mappings) {
    const key = keyOf(m.psa, m.companyId);
    byKey.set(key, m);
    const at = base.positionOf(m.psa, m.companyId, m.companyName);
    if (at === undefined) orphans.push({ psa: m.psa, company: undefined, orphan: m, haystack: lower(m.companyName || m.companyId, m.companyId) });
    else mappedAt.set(at, m);
  }
  // Mappings the PSA did not list stay visible, in name order, so they can still be edited or deleted.
  const nameOf = (e: Entry) => (e.company ? e.company.name : e.orphan.companyName || e.orphan.companyId);
  const idOf = (e: Entry) => (e.company ? e.company.id : e.orphan.companyId);
  const compareEntries = (a: Entry, b: Entry) => compareBy(nameOf(a), a.psa, idOf(a), nameOf(b), b.psa, idOf(b));
  orphans.sort(compareEntries);
  let entries: readonly Entry[] = base.entries;
  let mappingOf = (i: number): TenantMapping | undefined => mappedAt.get(i);
  if (orphans.length > 0) {
    const merged = mergeSorted<Entry>([base.entries, orphans], compareEntries);
    const aligned = merged.map((e) => (e.company ? byKey.get(keyOf(e.psa, e.company.id)) : e.orphan));
    entries = merged;
    mappingOf = (i) => aligned[i];
  }
  const tenantText = new Map<TenantMapping, string>(mappings.map((m) => [m, lower(m.tenantName, m.tenantDomain, m.tenantId)]));

  const counts: Record<MappingState, number> = { mapped: 0, unmapped: entries.length - mappings.length, disabled: 0 };
  for (const m of mappings) counts[stateOf(m)] += 1;

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
  const rowAt = (i: number) => {
    const e = entries[i]!;
    return row(e.psa, idOf(e), e.company, mappingOf(i));
  };
  const selection = (positions: readonly number[] | undefined): RowSelection => ({
    length: positions ? positions.length : entries.length,
    slice: (start, end) => {
      const out: CompanyRow[] = [];
      const stop = Math.min(end, positions ? positions.length : entries.length);
      for (let k = Math.max(0, start); k < stop; k++) out.push(rowAt(positions ? positions[k]! : k));
      return out;
    },
  });

  return {
    size: entries.length,
    counts,
    get(psa, companyId) {
      const key = keyOf(psa, companyId);
      const at = base.positionOf(psa, companyId);
      const mapping = byKey.get(key);
      if (at === undefined && !mapping) return undefined;
      return row(psa, companyId, at === undefined ? undefined : base.entries[at]!.company, mapping);
    },
    filter(q, state, psa) {
      const needle = q.trim().toLowerCase();
      if (!needle && state === 'all' && !psa) return selection(undefined);
      const picked: number[] = [];
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        if (psa && e.psa !== psa) continue;
        const mapping = mappingOf(i);
        if (state !== 'all' && stateOf(mapping) !== state) continue;
        if (needle && !(e.company ? haystackOf(e) : e.haystack).includes(needle) && !(mapping && tenantText.get(mapping)!.includes(needle))) continue;
        picked.push(i);
      }
      return selection(picked);
    },
  };
}
