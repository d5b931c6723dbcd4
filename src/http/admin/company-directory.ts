import type { PsaKind } from '../../domain.js';
import type { TenantMapping } from '../../db/mappings.js';
import { AppError } from '../../errors.js';
import { errorForLog } from '../../logger.js';
import type { PsaCompany } from '../../psa/port.js';
import type { Services } from '../../services.js';

/** How long a PSA's company list is reused. Long enough to page and search without re-listing 2,000 companies. */
export const COMPANY_CACHE_MS = 5 * 60 * 1000;

export type MappingState = 'mapped' | 'unmapped' | 'disabled';

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
  /** Mapped, but the PSA no longer lists the company (renamed away, deleted, or the PSA did not answer). */
  missingFromPsa: boolean;
}

export interface CompanyListing {
  rows: CompanyRow[];
  /** Per PSA that could not be listed: a sentence for the page. */
  errors: Partial<Record<PsaKind, string>>;
  fetchedAt: Partial<Record<PsaKind, string>>;
}

export interface CompanyDirectory {
  listing(): Promise<CompanyListing>;
  find(psa: PsaKind, companyId: string): Promise<CompanyRow | undefined>;
  /** Forgets the cached lists (the Refresh button). */
  refresh(): void;
}

export function stateOf(mapping: TenantMapping | undefined): MappingState {
  if (!mapping) return 'unmapped';
  return mapping.enabled ? 'mapped' : 'disabled';
}

export function createCompanyDirectory(services: Services): CompanyDirectory {
  const cache = new Map<PsaKind, { at: number; companies: PsaCompany[] }>();
  const inFlight = new Map<PsaKind, Promise<PsaCompany[]>>();

  const companiesOf = async (psa: PsaKind): Promise<PsaCompany[]> => {
    const cached = cache.get(psa);
    if (cached && services.now().getTime() - cached.at < COMPANY_CACHE_MS) return cached.companies;
    // Two tabs opening the page together share one listing call rather than paging the PSA twice.
    let running = inFlight.get(psa);
    if (!running) {
      running = services.connectors[psa]!.listCompanies()
        .then((companies) => {
          cache.set(psa, { at: services.now().getTime(), companies });
          return companies;
        })
        .finally(() => inFlight.delete(psa));
      inFlight.set(psa, running);
    }
    return running;
  };

  const listing = async (): Promise<CompanyListing> => {
    const psas = (Object.keys(services.connectors) as PsaKind[]).filter((k) => services.connectors[k]);
    const errors: CompanyListing['errors'] = {};
    const fetchedAt: CompanyListing['fetchedAt'] = {};
    const lists = await Promise.all(
      psas.map(async (psa) => {
        try {
          const companies = await companiesOf(psa);
          fetchedAt[psa] = new Date(cache.get(psa)?.at ?? services.now().getTime()).toISOString();
          return { psa, companies };
        } catch (error) {
          services.logger.warn({ psa, err: errorForLog(error) }, 'admin: listing companies failed');
          errors[psa] = error instanceof AppError ? error.detail : 'The PSA did not answer.';
          return { psa, companies: [] as PsaCompany[] };
        }
      }),
    );
    const mappings = new Map(services.mappings.list().map((m) => [`${m.psa}\u0000${m.companyId}`, m]));
    const shared = services.mappings.sharedTenants();
    const rows: CompanyRow[] = [];
    const row = (psa: PsaKind, company: PsaCompany | undefined, mapping: TenantMapping | undefined, companyId: string): CompanyRow => ({
      psa,
      companyId,
      name: company?.name ?? mapping?.companyName ?? companyId,
      identifier: company?.identifier,
      company,
      mapping,
      state: stateOf(mapping),
      sharedTenant: mapping ? shared.has(`${psa}:${mapping.tenantId}`) : false,
      missingFromPsa: !company,
    });
    for (const { psa, companies } of lists) {
      for (const company of companies) {
        const key = `${psa}\u0000${company.id}`;
        rows.push(row(psa, company, mappings.get(key), company.id));
        mappings.delete(key);
      }
    }
    // Mappings the PSA did not list stay visible so they can still be edited or deleted.
    for (const mapping of mappings.values()) rows.push(row(mapping.psa, undefined, mapping, mapping.companyId));
    rows.sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.psa.localeCompare(b.psa) || a.companyId.localeCompare(b.companyId));
    return { rows, errors, fetchedAt };
  };

  return {
    listing,
    async find(psa, companyId) {
      return (await listing()).rows.find((r) => r.psa === psa && r.companyId === companyId);
    },
    refresh: () => cache.clear(),
  };
}

export type CompanyFilter = 'all' | MappingState;

/** Case-insensitive search over what an admin would type: name, PSA identifier or id, tenant name or domain. */
export function filterCompanies(rows: CompanyRow[], q: string, filter: CompanyFilter, psa: PsaKind | undefined): CompanyRow[] {
  const needle = q.trim().toLowerCase();
  return rows.filter((r) => {
    if (psa && r.psa !== psa) return false;
    if (filter !== 'all' && r.state !== filter) return false;
    if (!needle) return true;
    const haystack = [r.name, r.identifier, r.companyId, r.mapping?.tenantName, r.mapping?.tenantDomain, r.mapping?.tenantId];
    return haystack.some((v) => v?.toLowerCase().includes(needle));
  });
}
