import { distance } from 'fastest-levenshtein';

/**
 * Ranking of tenant suggestions for an unmapped PSA company. Pure: the caller gathers partner customers and resolves
 * e-mail domains; this decides what to propose and in which order. Nothing here maps anything — the admin accepts.
 */

export type SuggestionReason =
  | { kind: 'psa-tenant-id' }
  | { kind: 'email-domain'; domain: string }
  | { kind: 'name'; tenantName: string; similarity: number };

export interface TenantSuggestion {
  tenantId: string;
  /** Display name from the partner relationship, when known. */
  tenantName: string | undefined;
  /** 0..1, higher first. */
  score: number;
  reasons: SuggestionReason[];
  /** Companies this tenant is already mapped to (a second mapping is allowed but flagged). */
  alreadyMappedTo: string[];
}

export interface SuggestionInput {
  company: { name: string; knownTenantId?: string | undefined; emailDomains?: string[] | undefined };
  /** `normalizedName`: normalizeCompanyName(displayName), when the caller ranks many companies against one list. */
  partnerCustomers: { tenantId: string; displayName: string; normalizedName?: string }[];
  /** E-mail domain → the tenant that has it verified (OpenID discovery), or null when no tenant has it. */
  domainTenants: ReadonlyMap<string, string | null>;
  /** Tenant id → names of companies already mapped to it. */
  mappedTenants?: ReadonlyMap<string, string[]>;
}

/** Similarity below this is noise ("Acme" vs "Apex"); above it the admin should at least see the candidate. */
export const NAME_THRESHOLD = 0.72;
export const MAX_SUGGESTIONS = 5;

/** Mailbox providers: a contact at gmail.com says nothing about the customer's tenant. */
export const CONSUMER_EMAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'hotmail.co.uk', 'live.com', 'msn.com', 'yahoo.com',
  'yahoo.co.uk', 'icloud.com', 'me.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.de', 'gmx.net', 'web.de',
]);
/** The Microsoft-account (consumer) tenant: discovery of outlook.com-style domains answers with it. Never a customer. */
export const CONSUMER_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** Legal-form words that differ between a PSA record and a tenant name without naming a different company. */
const LEGAL_SUFFIXES = new Set([
  'ltd', 'limited', 'inc', 'incorporated', 'llc', 'llp', 'lp', 'plc', 'corp', 'corporation', 'co', 'company', 'bv', 'nv',
  'gmbh', 'ag', 'kg', 'mbh', 'sa', 'sarl', 'sas', 'srl', 'spa', 'pty', 'pte', 'ab', 'as', 'asa', 'oy', 'aps', 'kft', 'sro',
  'vof', 'ug', 'group', 'holding', 'holdings',
]);

/** "The Contoso B.V." and "contoso bv" and "Contoso" all become "contoso". */
export function normalizeCompanyName(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    // Dots inside abbreviations go without a space (B.V. → bv); other punctuation separates words.
    .replace(/\./g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  // Compound forms ("GmbH & Co. KG") end in suffixes joined by "and": that "and" goes with them.
  const isSuffix = (i: number) => LEGAL_SUFFIXES.has(words[i]!) || (words[i] === 'and' && i > 1 && LEGAL_SUFFIXES.has(words[i - 1]!));
  while (words.length > 1 && isSuffix(words.length - 1)) words.pop();
  if (words.length > 1 && words[0] === 'the') words.shift();
  return words.join(' ');
}

/** 0..1. Edit distance on normalised names, also compared without spaces ("Fab Rikam" ~ "Fabrikam"). */
export function nameSimilarity(a: string, b: string): number {
  return similarityOfNormalized(normalizeCompanyName(a), normalizeCompanyName(b));
}

/**
 * `atLeast`: the caller only wants similarities of at least this much; a pair that cannot reach it (the edit distance is
 * at least the difference in length) is answered 0 without computing the distance.
 */
function similarityOfNormalized(na: string, nb: string, atLeast = 0): number {
  if (!na || !nb) return 0;
  if (na === nb) return 1;
  // "Contoso" vs "Contoso Pharma Europe": every word of the shorter name leads the longer one. Likely, not certain.
  const [short, long] = na.length <= nb.length ? [na, nb] : [nb, na];
  const prefix = long.startsWith(`${short} `) ? 0.75 + 0.2 * (short.length / long.length) : 0;
  const ca = na.replace(/ /g, '');
  const cb = nb.replace(/ /g, '');
  const bound = (x: number, y: number) => 1 - Math.abs(x - y) / Math.max(x, y);
  if (prefix < atLeast && bound(na.length, nb.length) < atLeast && bound(ca.length, cb.length) < atLeast) return 0;
  const ratio = (x: string, y: string) => 1 - distance(x, y) / Math.max(x.length, y.length);
  const best = Math.max(ratio(na, nb), ca && cb ? ratio(ca, cb) : 0, prefix);
  return Math.round(best * 1000) / 1000;
}

const emailDomainScore = 0.95;

export function rankTenantSuggestions(input: SuggestionInput): TenantSuggestion[] {
  const byTenant = new Map<string, TenantSuggestion>();
  const names = new Map(input.partnerCustomers.map((p) => [p.tenantId.toLowerCase(), p.displayName]));
  const add = (tenantId: string, score: number, reason: SuggestionReason) => {
    const id = tenantId.toLowerCase();
    if (id === CONSUMER_TENANT_ID) return;
    const entry = byTenant.get(id) ?? {
      tenantId: id,
      tenantName: names.get(id),
      score: 0,
      reasons: [],
      alreadyMappedTo: input.mappedTenants?.get(id) ?? [],
    };
    // Two independent signals for one tenant are stronger than either: keep the best and nudge up a little.
    entry.score = entry.reasons.length ? Math.min(1, Math.max(entry.score, score) + 0.02) : score;
    entry.reasons.push(reason);
    byTenant.set(id, entry);
  };

  if (input.company.knownTenantId) add(input.company.knownTenantId, 1, { kind: 'psa-tenant-id' });
  for (const raw of input.company.emailDomains ?? []) {
    const domain = raw.toLowerCase();
    if (CONSUMER_EMAIL_DOMAINS.has(domain)) continue;
    const tenantId = input.domainTenants.get(domain);
    if (tenantId) add(tenantId, emailDomainScore, { kind: 'email-domain', domain });
  }
  // Each name normalised once, not once per pair (20,000 companies × the partner list on the suggestions page).
  const companyName = normalizeCompanyName(input.company.name);
  for (const customer of input.partnerCustomers) {
    const similarity = similarityOfNormalized(companyName, customer.normalizedName ?? normalizeCompanyName(customer.displayName), NAME_THRESHOLD);
    if (similarity >= NAME_THRESHOLD) add(customer.tenantId, similarity * 0.9, { kind: 'name', tenantName: customer.displayName, similarity });
  }
  return [...byTenant.values()]
    .map((s) => ({ ...s, score: Math.round(s.score * 1000) / 1000 }))
    .sort((a, b) => b.score - a.score || (a.tenantName ?? '').localeCompare(b.tenantName ?? '') || a.tenantId.localeCompare(b.tenantId))
    .slice(0, MAX_SUGGESTIONS);
}

/** The e-mail domains worth resolving for a company (consumer mailboxes and junk dropped). */
export function domainsToResolve(emailDomains: string[] | undefined): string[] {
  const out = new Set<string>();
  for (const raw of emailDomains ?? []) {
    const d = raw.trim().toLowerCase();
    if (d && /^[a-z0-9.-]+\.[a-z]{2,}$/.test(d) && !CONSUMER_EMAIL_DOMAINS.has(d)) out.add(d);
  }
  return [...out];
}
