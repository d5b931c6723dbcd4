import { DateTime } from 'luxon';
import type { MappingStore } from '../src/db/mappings.js';
import { defaultSeed, type SandboxSeed } from '../src/sandbox/index.js';
import type { EntraTenant, EntraUser } from '../src/sandbox/entra/server.js';

/**
 * The benchmark world: the default sandbox seed plus `tenants` extra customer tenants, each a ConnectWise company
 * and a Halo client, with `usersPerTenant` users and one service ticket per user in each PSA, and (optionally)
 * onboarding tickets for a poll backlog.
 */
export interface BenchWorld {
  seed: SandboxSeed;
  tenants: BenchTenant[];
}

export interface BenchTenant {
  id: string;
  domain: string;
  cwCompanyId: number;
  haloClientId: number;
  users: string[];
  /** Service-desk tickets naming users[i], per PSA. */
  tickets: { connectwise: number[]; halo: number[] };
}

const guid = (n: number) => `b0000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const portalPolicy = () => ({
  state: 'enabled' as const,
  defaultLifetimeInMinutes: 60,
  defaultLength: 8,
  minimumLifetimeInMinutes: 60,
  maximumLifetimeInMinutes: 480,
  isUsableOnce: false,
  includeTargets: [{ targetType: 'group' as const, id: 'all_users' }],
  excludeTargets: [],
});

export function benchWorld(opts: { tenants: number; usersPerTenant: number; onboardingPerPsa?: number; onboardingCompanies?: number; now?: Date }): BenchWorld {
  const now = opts.now ?? new Date();
  const seed = defaultSeed({ now });
  const stamp = now.toISOString();
  const tenants: BenchTenant[] = [];
  for (let t = 0; t < opts.tenants; t += 1) {
    const domain = `bench${t}.example`;
    const tenant: BenchTenant = { id: guid(t + 1), domain, cwCompanyId: 5_000 + t, haloClientId: 5_000 + t, users: [], tickets: { connectwise: [], halo: [] } };
    const users: EntraUser[] = [];
    for (let u = 0; u < opts.usersPerTenant; u += 1) {
      const upn = `user${u}@${domain}`;
      tenant.users.push(upn);
      users.push(benchUser(t, upn));
      const ticketId = 1_000_000 + t * 1_000 + u;
      tenant.tickets.connectwise.push(ticketId);
      tenant.tickets.halo.push(ticketId);
      seed.connectwise.tickets.push({ id: ticketId, summary: `Reset MFA for ${upn}`, boardId: 1, statusId: 1, typeId: 10, companyId: tenant.cwCompanyId, description: 'Lost phone.', customFields: { 'New user UPN': upn }, lastUpdated: stamp });
      seed.halo.tickets.push({ id: ticketId, summary: `Reset MFA for ${upn}`, details: '<p>Lost phone.</p>', client_id: tenant.haloClientId, status_id: 1, tickettype_id: 3, dateoccurred: stamp, lastactiondate: stamp, customFields: { CFNewUserUPN: upn } });
    }
    const entraTenant: EntraTenant = { id: tenant.id, displayName: `Bench ${t}`, domains: [domain, `bench${t}.onmicrosoft.com`], timeZone: 'Europe/Amsterdam', region: 'EU', tapPolicy: portalPolicy(), groups: [], users };
    seed.entra.tenants.push(entraTenant);
    seed.connectwise.companies.push({ id: tenant.cwCompanyId, identifier: `Bench${t}`, name: `Bench ${t}`, status: { id: 1, name: 'Active' }, types: [{ id: 1, name: 'Client' }], deletedFlag: false });
    seed.halo.clients.push({ id: tenant.haloClientId, name: `Bench ${t}`, inactive: false, toplevel_id: 1, toplevel_name: 'Customers' });
    tenants.push(tenant);
  }
  if (opts.onboardingPerPsa) addOnboardingBacklog(seed, tenants, opts.onboardingPerPsa, opts.onboardingCompanies ?? 100, now);
  return { seed, tenants };
}

function benchUser(t: number, upn: string): EntraUser {
  return { id: guid(1_000_000 + hash(upn)), userPrincipalName: upn, displayName: upn.split('@')[0]!, accountEnabled: true, userType: 'Member', methods: ['password'] };
}

function hash(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 0xffffffffff;
}

/**
 * `count` onboarding tickets per PSA spread over `companies` companies (two per bench tenant). One in ten starts
 * tomorrow (issued in the cycle), the rest in 10–40 days (scheduled, with a note saying when).
 */
function addOnboardingBacklog(seed: SandboxSeed, tenants: BenchTenant[], count: number, companies: number, now: Date): void {
  const day = (d: number) => DateTime.fromJSDate(now).setZone('Europe/Amsterdam').plus({ days: d }).toISODate()!;
  const stamp = new Date(now.getTime() - 3_600_000).toISOString();
  for (let c = 0; c < companies; c += 1) {
    const tenant = tenants[c % tenants.length]!;
    const id = 8_000 + c;
    seed.connectwise.companies.push({ id, identifier: `Onb${c}`, name: `Onboarding Co ${c}`, status: { id: 1, name: 'Active' }, types: [{ id: 1, name: 'Client' }], deletedFlag: false });
    seed.halo.clients.push({ id, name: `Onboarding Co ${c}`, inactive: false, toplevel_id: 1, toplevel_name: 'Customers' });
    void tenant;
  }
  for (let i = 0; i < count; i += 1) {
    const company = 8_000 + (i % companies);
    const tenant = tenants[(i % companies) % tenants.length]!;
    const entra = seed.entra.tenants.find((t) => t.id === tenant.id)!;
    for (const psa of ['connectwise', 'halo'] as const) {
      const upn = `starter-${psa}-${i}@${tenant.domain}`;
      entra.users.push(benchUser(0, upn));
      const start = day(i % 10 === 0 ? 1 : 10 + (i % 30));
      const id = 2_000_000 + i;
      if (psa === 'connectwise') {
        seed.connectwise.tickets.push({ id, summary: `New starter ${i}`, boardId: 23, statusId: 150, typeId: 40, companyId: company, description: 'New starter.', customFields: { 'New user UPN': upn, 'Start date': start }, lastUpdated: stamp });
      } else {
        seed.halo.tickets.push({ id, summary: `New starter ${i}`, details: '<p>New starter.</p>', client_id: company, status_id: 1, tickettype_id: 24, dateoccurred: stamp, lastactiondate: stamp, customFields: { CFNewUserUPN: upn, CFStartDate: start } });
      }
    }
  }
}

export interface BenchMapping {
  psa: 'connectwise' | 'halo';
  companyId: string;
  companyName: string;
  tenantId: string;
  tenantDomain: string;
}

/** Mappings for every bench tenant in both PSAs, and the onboarding companies (two per tenant). */
export function benchMappings(world: BenchWorld, onboardingCompanies = 0): BenchMapping[] {
  const out: BenchMapping[] = [];
  for (const t of world.tenants) {
    out.push({ psa: 'connectwise', companyId: String(t.cwCompanyId), companyName: `Bench ${t.domain}`, tenantId: t.id, tenantDomain: t.domain });
    out.push({ psa: 'halo', companyId: String(t.haloClientId), companyName: `Bench ${t.domain}`, tenantId: t.id, tenantDomain: t.domain });
  }
  for (let c = 0; c < onboardingCompanies; c += 1) {
    const t = world.tenants[c % world.tenants.length]!;
    for (const psa of ['connectwise', 'halo'] as const) out.push({ psa, companyId: String(8_000 + c), companyName: `Onboarding Co ${c}`, tenantId: t.id, tenantDomain: t.domain });
  }
  return out;
}

export function applyMappings(mappings: Pick<MappingStore, 'upsert'>, list: BenchMapping[]): void {
  for (const m of list) {
    mappings.upsert(m.psa, m.companyId, {
      companyName: m.companyName,
      tenantId: m.tenantId,
      tenantDomain: m.tenantDomain,
      tenantName: m.companyName,
      timeZone: 'Europe/Amsterdam',
      activationHour: 8,
      defaultLifetimeMinutes: null,
      usableOnce: false,
      allowPrivileged: false,
      enabled: true,
    });
  }
}
