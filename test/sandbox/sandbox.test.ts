import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { defaultSeed, startSandbox, CW_COMPANY_IDS, HALO_CLIENT_IDS, TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ now: new Date('2026-11-26T10:00:00Z') });
});
afterAll(() => sb.close());

describe('startSandbox', () => {
  it('listens on loopback with random ports', () => {
    for (const url of [sb.connectwise.url, sb.halo.url, sb.entra.authorityHost, sb.entra.graphBaseUrl]) {
      expect(new URL(url).hostname).toBe('127.0.0.1');
    }
    expect(sb.entra.authorityHost.startsWith('https://')).toBe(true);
    expect(sb.entra.caPem).toContain('BEGIN CERTIFICATE');
  });

  it("produces env variables the connector's config accepts, enabling all three integrations", () => {
    // The seal key is the connector's own secret, not a setting of the simulated services.
    const config = loadConfig({ ...sb.env, TAP_SEAL_KEY: randomBytes(32).toString('base64') });
    expect(config.sandbox).toBe(false);
    expect(config.connectwise).toMatchObject({ site: sb.connectwise.url, companyId: 'tailspin', onboarding: { board: 'Onboarding', status: 'New' } });
    expect(config.halo).toMatchObject({ baseUrl: sb.halo.url, authUrl: `${sb.halo.url}/auth`, noteOutcomeId: 7, onboarding: { requestTypeId: 24, statusId: 1 } });
    expect(config.entra).toMatchObject({ authorityHost: sb.entra.authorityHost, graphBaseUrl: sb.entra.graphBaseUrl, partnerTenantId: TENANT_IDS.partner });
  });
});

describe('default seed', () => {
  const seed = defaultSeed({ now: new Date('2026-03-28T23:30:00Z') });

  it('computes start dates as calendar dates in each customer time zone', () => {
    const start = (id: number) => seed.connectwise.tickets.find((t) => t.id === id)!.customFields!['Start date'];
    // 23:30 UTC on 28 March is already 29 March in Amsterdam (after the DST change), still the 28th in New York.
    expect(start(48101)).toBe('2026-03-30');
    expect(start(48102)).toBe('2026-03-30');
    expect(start(48103)).toBe('2026-04-19');
  });

  it('has three customers mapped in both PSAs, unmapped companies, and the partner listing them', () => {
    expect(seed.mappings).toHaveLength(6);
    expect(seed.mappings.map((m) => m.companyId)).toEqual(expect.arrayContaining([String(CW_COMPANY_IDS.contoso), String(HALO_CLIENT_IDS.fabrikam)]));
    expect(seed.mappings.some((m) => m.companyId === String(CW_COMPANY_IDS.adventureWorks))).toBe(false);
    expect(seed.connectwise.companies).toHaveLength(120);
    const partner = seed.entra.tenants.find((t) => t.id === TENANT_IDS.partner)!;
    expect(partner.delegatedAdminCustomers).toEqual([TENANT_IDS.contoso, TENANT_IDS.fabrikam, TENANT_IDS.northwind, TENANT_IDS.adventureWorks]);
  });

  it('has every kind of user in each customer tenant', () => {
    for (const id of [TENANT_IDS.contoso, TENANT_IDS.fabrikam, TENANT_IDS.northwind]) {
      const t = seed.entra.tenants.find((x) => x.id === id)!;
      expect(t.users.some((u) => u.userType === 'Guest')).toBe(true);
      expect(t.users.some((u) => !u.accountEnabled)).toBe(true);
      expect(t.users.some((u) => (u.memberOf ?? []).some((g) => t.groups.find((x) => x.id === g)?.roles.length))).toBe(true);
    }
  });
});
