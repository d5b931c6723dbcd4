import { describe, expect, it } from 'vitest';
import { CONSUMER_TENANT_ID, nameSimilarity, normalizeCompanyName, rankTenantSuggestions } from '../../src/http/admin/suggestions.js';
import { CONTOSO, FABRIKAM, adminHarness, signedIn } from './helpers.js';

const T = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('company name normalisation', () => {
  it.each([
    ['Contoso Ltd', 'contoso'],
    ['CONTOSO LIMITED', 'contoso'],
    ['Fabrikam B.V.', 'fabrikam'],
    ['Adatum GmbH & Co. KG', 'adatum'],
    ['Marks and Spencer', 'marks and spencer'],
    ['The Woodgrove Bank, Inc.', 'woodgrove bank'],
    ['Société Générale S.A.', 'societe generale'],
    ['Northwind Traders Pty Ltd', 'northwind traders'],
    ['Ltd', 'ltd'],
  ])('%s → %s', (name, normal) => expect(normalizeCompanyName(name)).toBe(normal));
});

describe('name similarity', () => {
  it('treats legal forms, case and punctuation as the same name', () => {
    expect(nameSimilarity('Contoso Ltd', 'CONTOSO, Inc.')).toBe(1);
    expect(nameSimilarity('Fabrikam B.V.', 'fabrikam bv')).toBe(1);
  });
  it('forgives a typo and a space, not a different company', () => {
    expect(nameSimilarity('Northwind Traders', 'Nortwind Traders')).toBeGreaterThan(0.9);
    expect(nameSimilarity('Fab Rikam', 'Fabrikam')).toBe(1);
    expect(nameSimilarity('Acme', 'Apex')).toBeLessThan(0.72);
  });
  it('scores a longer name that starts with the company name as likely', () => {
    expect(nameSimilarity('Contoso', 'Contoso Pharma Europe')).toBeGreaterThanOrEqual(0.75);
  });
});

describe('rankTenantSuggestions', () => {
  const partners = [
    { tenantId: T(1), displayName: 'Contoso Ltd' },
    { tenantId: T(2), displayName: 'Contoso Pharma' },
    { tenantId: T(3), displayName: 'Fabrikam' },
    { tenantId: T(4), displayName: 'Tailspin Toys' },
  ];

  it('ranks the PSA’s own tenant id first, then a verified e-mail domain, then names', () => {
    const ranked = rankTenantSuggestions({
      company: { name: 'Contoso', knownTenantId: T(9), emailDomains: ['contoso.com'] },
      partnerCustomers: partners,
      domainTenants: new Map([['contoso.com', T(8)]]),
    });
    expect(ranked.map((s) => s.tenantId)).toEqual([T(9), T(8), T(1), T(2)]);
    expect(ranked[0]!.reasons).toEqual([{ kind: 'psa-tenant-id' }]);
    expect(ranked[1]!.reasons).toEqual([{ kind: 'email-domain', domain: 'contoso.com' }]);
    expect(ranked[2]).toMatchObject({ tenantName: 'Contoso Ltd', reasons: [{ kind: 'name', similarity: 1 }] });
  });

  it('combines evidence for one tenant and ranks it above a single signal', () => {
    const ranked = rankTenantSuggestions({
      company: { name: 'Contoso Ltd', emailDomains: ['contoso.com'] },
      partnerCustomers: partners,
      domainTenants: new Map([['contoso.com', T(1)]]),
    });
    expect(ranked[0]).toMatchObject({ tenantId: T(1), tenantName: 'Contoso Ltd' });
    expect(ranked[0]!.reasons.map((r) => r.kind)).toEqual(['email-domain', 'name']);
    expect(ranked[0]!.score).toBeGreaterThan(0.95);
  });

  it('ignores consumer mailboxes and the Microsoft-account tenant', () => {
    const ranked = rankTenantSuggestions({
      company: { name: 'Unrelated', emailDomains: ['gmail.com', 'outlook.com', 'tailspin.example'] },
      partnerCustomers: [],
      domainTenants: new Map([
        ['gmail.com', T(5)],
        ['outlook.com', CONSUMER_TENANT_ID],
        ['tailspin.example', CONSUMER_TENANT_ID],
      ]),
    });
    expect(ranked).toEqual([]);
  });

  it('proposes nothing for a name nobody resembles', () => {
    expect(rankTenantSuggestions({ company: { name: 'Wide World Importers' }, partnerCustomers: partners, domainTenants: new Map() })).toEqual([]);
  });

  it('says which companies a candidate tenant is already mapped to', () => {
    const ranked = rankTenantSuggestions({
      company: { name: 'Fabrikam NV' },
      partnerCustomers: partners,
      domainTenants: new Map(),
      mappedTenants: new Map([[T(3), ['Fabrikam Holding']]]),
    });
    expect(ranked).toEqual([expect.objectContaining({ tenantId: T(3), alreadyMappedTo: ['Fabrikam Holding'] })]);
  });

  it('keeps at most five, best first, in a stable order', () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ tenantId: T(20 + i), displayName: `Contoso ${String.fromCharCode(65 + i)}` }));
    const ranked = rankTenantSuggestions({ company: { name: 'Contoso' }, partnerCustomers: many, domainTenants: new Map() });
    expect(ranked).toHaveLength(5);
    expect(ranked.map((s) => s.tenantName)).toEqual(['Contoso A', 'Contoso B', 'Contoso C', 'Contoso D', 'Contoso E']);
  });
});

describe('suggestions on the pages', () => {
  it('proposes tenants from partner names, contact domains and Halo’s tenant id; accepting maps, nothing else does', async () => {
    const h = await adminHarness();
    h.psa.halo.companies = [{ id: '55', name: 'Tailspin', identifier: undefined, knownTenantId: FABRIKAM }];
    h.entra.partnerCustomers = [
      { tenantId: CONTOSO, displayName: 'Contoso Ltd' },
      { tenantId: FABRIKAM, displayName: 'Fabrikam Inc' },
    ];
    const client = await signedIn(h);
    await client.get('/admin/suggestions');
    const html = client.lastHtml;
    expect(html).toContain('3 of 4 unmapped companies have a suggestion.');
    expect(html).toContain('contacts use contoso.example, a verified domain of this tenant');
    expect(html).toContain('name “Fabrikam Inc” is 100 % similar');
    expect(html).toContain('the PSA already records this tenant id for the company');
    expect(h.services.mappings.list()).toHaveLength(0);

    await client.get('/admin/companies/connectwise/102');
    expect(client.lastHtml).toContain('Suggested tenants');
    const res = await client.post('/admin/companies/connectwise/102/accept', { tenant: FABRIKAM });
    expect(res.status).toBe(200);
    expect(client.lastHtml).toContain('Fabrikam B.V. is now mapped to Fabrikam Inc.');
    expect(h.services.mappings.list()).toHaveLength(1);
    expect(h.services.mappings.get('connectwise', '102')).toMatchObject({ tenantId: FABRIKAM, usableOnce: true, allowPrivileged: false, enabled: true, timeZone: 'UTC' });
  });

  it('explains that name matching needs the partner tenant', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/suggestions');
    expect(client.lastHtml).toContain('set ENTRA_PARTNER_TENANT_ID');
  });
});
