import type { PartnerCustomer } from '../../entra/port.js';
import { AppError } from '../../errors.js';
import { errorForLog } from '../../logger.js';
import type { Services } from '../../services.js';
import { PSA_LABEL } from './companies-list.js';
import type { CompanyRow } from './company-directory.js';
import { domainsToResolve, normalizeCompanyName, rankTenantSuggestions, type TenantSuggestion } from './suggestions.js';

const PARTNER_CACHE_MS = 5 * 60 * 1000;
const DOMAIN_CACHE_MS = 60 * 60 * 1000;
/** Discovery lookups are unauthenticated calls to login.microsoftonline.com: a few at a time is polite and quick enough. */
const RESOLVE_CONCURRENCY = 6;

export interface SuggestionBatch {
  byCompany: Map<string, TenantSuggestion[]>;
  /** Why a source was unavailable (shown once on the page), e.g. no partner tenant configured. */
  notes: string[];
  /** False when a source failed just now (worth asking again on the next view rather than reusing this batch). */
  complete: boolean;
}

export const rowKey = (r: { psa: string; companyId: string }) => `${r.psa}:${r.companyId}`;

/**
 * Gathers what the ranking needs: the MSP's GDAP customers (names) and, for contact e-mail domains, the tenant in
 * which each domain is verified. OpenID discovery answers that per domain without a token in each customer tenant,
 * which matching against every partner tenant's verified domains would need.
 */
export function createSuggestionSources(services: Services) {
  let partners: { at: number; list: PartnerCustomer[] } | undefined;
  const domains = new Map<string, { at: number; tenantId: string | null }>();
  const now = () => services.now().getTime();

  const partnerCustomers = async (notes: string[], failed: () => void): Promise<PartnerCustomer[]> => {
    const entra = services.entra;
    if (!entra) return [];
    if (!services.config.entra?.partnerTenantId) notes.push('Name matching is off: set ENTRA_PARTNER_TENANT_ID to read your GDAP customers.');
    if (partners && now() - partners.at < PARTNER_CACHE_MS) return partners.list;
    try {
      partners = { at: now(), list: await entra.listPartnerCustomers() };
      return partners.list;
    } catch (error) {
      services.logger.warn({ err: errorForLog(error) }, 'admin: listing partner customers failed');
      failed();
      notes.push(`Partner customers could not be read: ${error instanceof AppError ? error.detail : 'Microsoft Graph did not answer.'}`);
      return [];
    }
  };

  const resolveDomains = async (wanted: string[]): Promise<Map<string, string | null>> => {
    const result = new Map<string, string | null>();
    const todo: string[] = [];
    for (const d of wanted) {
      const hit = domains.get(d);
      if (hit && now() - hit.at < DOMAIN_CACHE_MS) result.set(d, hit.tenantId);
      else todo.push(d);
    }
    const entra = services.entra;
    if (!entra) return result;
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const domain = todo[next++]!;
        try {
          const tenantId = await entra.resolveTenantId(domain);
          domains.set(domain, { at: now(), tenantId });
          result.set(domain, tenantId);
        } catch (error) {
          // One unreachable lookup costs that company one hint, not the whole page.
          services.logger.debug({ domain, err: errorForLog(error) }, 'admin: domain discovery failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, todo.length) }, worker));
    return result;
  };

  return {
    async suggest(rows: CompanyRow[]): Promise<SuggestionBatch> {
      const notes: string[] = [];
      let complete = true;
      if (!services.entra) return { byCompany: new Map(), notes: ['Suggestions need Microsoft Entra settings (ENTRA_CLIENT_ID and a credential).'], complete: true };
      const unmapped = rows.filter((r) => r.state === 'unmapped' && r.company);
      const [partnerList, domainTenants] = await Promise.all([
        partnerCustomers(notes, () => (complete = false)),
        resolveDomains([...new Set(unmapped.flatMap((r) => domainsToResolve(r.company?.emailDomains)))]),
      ]);
      const mappedTenants = new Map<string, string[]>();
      // Named with their PSA: "Already mapped to Contoso Ltd (HaloPSA)".
      for (const m of services.mappings.list()) mappedTenants.set(m.tenantId, [...(mappedTenants.get(m.tenantId) ?? []), `${m.companyName || m.companyId} (${PSA_LABEL[m.psa]})`]);
      const byCompany = new Map<string, TenantSuggestion[]>();
      const partnersNormalized = partnerList.map((p) => ({ ...p, normalizedName: normalizeCompanyName(p.displayName) }));
      for (const r of unmapped) {
        const ranked = rankTenantSuggestions({
          company: { name: r.name, knownTenantId: r.company?.knownTenantId, emailDomains: r.company?.emailDomains },
          partnerCustomers: partnersNormalized,
          domainTenants,
          mappedTenants,
        });
        if (ranked.length) byCompany.set(rowKey(r), ranked);
      }
      return { byCompany, notes, complete };
    },
  };
}

export type SuggestionSources = ReturnType<typeof createSuggestionSources>;
