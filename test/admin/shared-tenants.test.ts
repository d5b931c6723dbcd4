import { describe, expect, it } from 'vitest';
import { CONTOSO, FABRIKAM, adminHarness, signedIn } from './helpers.js';

/** A tenant on two companies is flagged only within one PSA; the same customer in ConnectWise and Halo is normal. */

const RULES = { time_zone: 'Europe/Amsterdam', activation_hour: '8', default_lifetime_minutes: '', usable_once: 'true', enabled: 'true' };
const rowsOf = (html: string) => [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());

describe('a tenant mapped to several companies', () => {
  it('is not flagged when the two companies are in different PSAs', async () => {
    const h = await adminHarness();
    h.psa.halo.companies = [{ id: '7', name: 'Contoso (Halo)', identifier: undefined }];
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    const client = await signedIn(h);
    await client.get('/admin/companies/halo/7');
    await client.post('/admin/companies/halo/7', { tenant: 'contoso.example', ...RULES });
    expect(client.lastHtml).not.toContain('This tenant is also mapped to');
    await client.get('/admin/companies');
    expect(rowsOf(client.lastHtml).filter((r) => r.includes('Tenant mapped to several companies'))).toEqual([]);
  });

  it('is flagged within one PSA, on save and in the list', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    h.map('halo', '7', { tenantId: CONTOSO, companyName: 'Contoso (Halo)' });
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/103');
    await client.post('/admin/companies/connectwise/103', { tenant: 'contoso.example', ...RULES });
    expect(client.lastHtml).toMatch(/This tenant is also mapped to <a href="\/admin\/companies\/connectwise\/101">Contoso Ltd<\/a> \(connectwise\)/);
    expect(client.lastHtml).not.toContain('/admin/companies/halo/7');
    await client.get('/admin/companies');
    const flagged = rowsOf(client.lastHtml).filter((r) => r.includes('Tenant mapped to several companies'));
    expect(flagged.map((r) => r.split(' ')[0])).toEqual(['Contoso', 'Northwind']);
  });
});

describe('suggestions', () => {
  it('say which PSA a suggested tenant is already mapped in', async () => {
    const h = await adminHarness();
    h.map('halo', '7', { tenantId: FABRIKAM, companyName: 'Fabrikam Inc' });
    h.entra.partnerCustomers = [{ tenantId: FABRIKAM, displayName: 'Fabrikam Inc' }];
    const client = await signedIn(h);
    await client.get('/admin/suggestions');
    expect(client.lastHtml).toContain('Already mapped to Fabrikam Inc (HaloPSA)');
  });
});
