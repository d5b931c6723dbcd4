import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { CONTOSO, FABRIKAM, adminHarness, signedIn } from './helpers.js';

const RULES = { time_zone: 'Europe/Amsterdam', activation_hour: '8', default_lifetime_minutes: '', usable_once: 'true', enabled: 'true' };

/** Text content of the page's rows, in order (cheap and good enough to assert on). */
const rowsOf = (html: string) => [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());

describe('companies page', () => {
  it('lists every company of each PSA with its mapping state', async () => {
    const h = await adminHarness();
    h.psa.halo.companies = [{ id: '7', name: 'Adatum GmbH', identifier: undefined }];
    h.map('connectwise', '102', { tenantId: FABRIKAM, tenantName: 'Fabrikam Inc', enabled: false });
    const client = await signedIn(h);
    const res = await client.get('/admin/companies');
    expect(res.status).toBe(200);
    const rows = rowsOf(client.lastHtml).slice(1);
    expect(rows).toEqual([
      expect.stringMatching(/^Adatum GmbH HaloPSA Unmapped/),
      expect.stringMatching(/^Contoso Ltd Contoso ConnectWise Unmapped/),
      expect.stringMatching(/^Fabrikam B\.V\. Fabrikam ConnectWise Disabled Fabrikam Inc/),
      expect.stringMatching(/^Northwind Traders Northwind ConnectWise Unmapped/),
    ]);
    expect(client.lastHtml).toContain('0 mapped · 3 unmapped · 1 disabled');
  });

  it('searches and filters by state', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, tenantDomain: 'contoso.example' });
    const client = await signedIn(h);
    await client.get('/admin/companies?q=north');
    expect(rowsOf(client.lastHtml).slice(1)).toEqual([expect.stringMatching(/^Northwind Traders/)]);
    await client.get('/admin/companies?q=contoso.example');
    expect(rowsOf(client.lastHtml).slice(1)).toEqual([expect.stringMatching(/^Contoso Ltd/)]);
    await client.get('/admin/companies?state=unmapped');
    expect(rowsOf(client.lastHtml).slice(1).map((r) => r.split(' ')[0])).toEqual(['Fabrikam', 'Northwind']);
    await client.get('/admin/companies?state=mapped');
    expect(rowsOf(client.lastHtml).slice(1)).toEqual([expect.stringMatching(/^Contoso Ltd/)]);
  });

  it('pages long lists', async () => {
    const companies = Array.from({ length: 120 }, (_, i) => ({ id: String(1000 + i), name: `Customer ${String(i).padStart(3, '0')}`, identifier: undefined }));
    const h = await adminHarness({ companies });
    const client = await signedIn(h);
    await client.get('/admin/companies');
    expect(rowsOf(client.lastHtml).slice(1)).toHaveLength(50);
    expect(client.lastHtml).toContain('Page 1 of 3 (120 in all)');
    await client.get('/admin/companies?page=3');
    expect(rowsOf(client.lastHtml).slice(1)).toHaveLength(20);
    expect(rowsOf(client.lastHtml)[1]).toMatch(/^Customer 100/);
  });

  it('caches the PSA list briefly and re-reads it on Refresh', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies');
    h.psa.connectwise.companies = [...h.psa.connectwise.companies, { id: '104', name: 'Woodgrove Bank', identifier: undefined }];
    await client.get('/admin/companies');
    expect(client.lastHtml).not.toContain('Woodgrove Bank');
    expect((await client.post('/admin/companies/refresh', {})).status).toBe(303);
    await client.get('/admin/companies');
    expect(client.lastHtml).toContain('Woodgrove Bank');
  });

  it('says when a PSA cannot be listed and still shows its mappings', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    h.psa.connectwise.listCompanies = async () => {
      throw new AppError('UPSTREAM_UNAVAILABLE');
    };
    const client = await signedIn(h);
    await client.get('/admin/companies');
    expect(client.lastHtml).toContain('ConnectWise: companies could not be listed.');
    // Never listed is not "missing from the PSA": the error says why the list is short.
    expect(rowsOf(client.lastHtml).slice(1)).toEqual([expect.stringMatching(/^Contoso Ltd ConnectWise Mapped/)]);
  });
});

describe('mapping a company', () => {
  it('maps by domain, tests the connection for real and shows the organization and TAP policy', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    const res = await client.post('/admin/companies/connectwise/101', { tenant: 'Contoso.Example', ...RULES });
    expect(res.status).toBe(200);
    const html = client.lastHtml;
    expect(html).toContain('Contoso Ltd is now mapped to Contoso Ltd.');
    expect(html).toContain('contoso.example');
    expect(html).toMatch(/data-testid="tap-policy">.*Enabled.*lifetime 60 min \(1 h\) – 480 min \(8 h\), default 60 min \(1 h\) · one-time use optional/);
    // The connection test reads the tenant as it is now, not the issuance cache.
    expect(h.entra.calls).toEqual(expect.arrayContaining(['resolveTenantId contoso.example', `getOrganization ${CONTOSO} fresh`, `getTapPolicy ${CONTOSO} fresh`]));
    expect(h.services.mappings.get('connectwise', '101')).toMatchObject({
      tenantId: CONTOSO,
      tenantDomain: 'contoso.example',
      tenantName: 'Contoso Ltd',
      companyName: 'Contoso Ltd',
      timeZone: 'Europe/Amsterdam',
      activationHour: 8,
      defaultLifetimeMinutes: null,
      usableOnce: true,
      allowPrivileged: false,
      enabled: true,
    });
    await client.get('/admin/companies?state=mapped');
    expect(rowsOf(client.lastHtml).slice(1)).toEqual([expect.stringMatching(/^Contoso Ltd Contoso ConnectWise Mapped Contoso Ltd contoso\.example/)]);
  });

  it('maps by tenant id and fills in the default verified domain', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/102');
    await client.post('/admin/companies/connectwise/102', { tenant: FABRIKAM.toUpperCase(), ...RULES });
    expect(client.lastHtml).toContain('one-time use forced');
    expect(h.services.mappings.get('connectwise', '102')).toMatchObject({ tenantId: FABRIKAM, tenantDomain: 'fabrikam.example', tenantName: 'Fabrikam Inc' });
    expect(h.entra.calls.some((c) => c.startsWith('resolveTenantId'))).toBe(false);
  });

  it('saves the rules: zone, hour, lifetime, one-time, privileged and enabled', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, tenantDomain: 'contoso.example' });
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    expect(client.lastHtml).toContain('<option value="Pacific/Auckland">Pacific/Auckland</option>');
    expect(client.lastHtml).toContain('Warning: a pass for an account holding an Entra admin role');
    // Unticked boxes are absent from the post: one-time use and enabled go off.
    await client.post('/admin/companies/connectwise/101', { tenant: 'contoso.example', time_zone: 'America/New_York', activation_hour: '6', default_lifetime_minutes: '240', allow_privileged: 'true' });
    expect(h.services.mappings.get('connectwise', '101')).toMatchObject({
      timeZone: 'America/New_York',
      activationHour: 6,
      defaultLifetimeMinutes: 240,
      usableOnce: false,
      allowPrivileged: true,
      enabled: false,
    });
    await client.get('/admin/companies/connectwise/101');
    expect(client.lastHtml).toMatch(/<option value="America\/New_York" selected="">/);
    expect(client.lastHtml).toMatch(/id="allow_privileged" name="allow_privileged" type="checkbox" value="true" checked=""/);
  });

  it('shows validation errors next to the field and saves nothing', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    const res = await client.post('/admin/companies/connectwise/101', { tenant: 'not a domain', time_zone: 'Mars/Olympus', activation_hour: '8', default_lifetime_minutes: 'forever', enabled: 'true' });
    expect(res.status).toBe(400);
    const html = client.lastHtml;
    expect(html).toContain('Nothing was saved');
    // Each message sits in its field's block and is tied to the input for screen readers.
    expect(html).toMatch(/<input id="tenant" name="tenant" type="text" value="not a domain"[^>]*aria-invalid="true" aria-describedby="tenant-hint tenant-error"\/><p class="hint" id="tenant-hint">[^<]*<\/p><p class="field-error" id="tenant-error">expected a domain such as contoso.com<\/p>/);
    expect(html).toMatch(/id="time_zone-error">expected an IANA time zone/);
    expect(html).toMatch(/id="default_lifetime_minutes-error">enter whole minutes from 10 to 43200/);
    expect(html).not.toContain('id="activation_hour-error"');
    expect(h.services.mappings.list()).toHaveLength(0);
  });

  it('says so next to the tenant field when no tenant has the domain', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    const res = await client.post('/admin/companies/connectwise/101', { tenant: 'nobody.example', ...RULES });
    expect(res.status).toBe(400);
    expect(client.lastHtml).toContain('id="tenant-error">no Microsoft Entra tenant answers for nobody.example</p>');
    expect(h.services.mappings.list()).toHaveLength(0);
  });

  it('asks for a tenant when the field is blank, and rejects a lifetime below the API minimum', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    await client.post('/admin/companies/connectwise/101', { ...RULES, tenant: '', default_lifetime_minutes: '5' });
    expect(client.lastHtml).toContain('id="tenant-error">enter the tenant’s domain (contoso.com) or its tenant id</p>');
    expect(client.lastHtml).toContain('id="default_lifetime_minutes-error">enter whole minutes from 10 to 43200');
  });

  it('saves but shows a failed connection test (consent often comes after mapping)', async () => {
    const h = await adminHarness();
    h.entra.getTapPolicy = async () => {
      throw new AppError('ENTRA_ACCESS_DENIED');
    };
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    await client.post('/admin/companies/connectwise/101', { tenant: 'contoso.example', ...RULES });
    expect(client.lastHtml).toContain('Entra access denied: The connector');
    expect(client.lastHtml).not.toContain('Temporary Access Pass method is enabled');
    expect(h.services.mappings.get('connectwise', '101')?.tenantId).toBe(CONTOSO);
  });

  it('flags a tenant mapped to two companies, on save and in the list', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/103');
    await client.post('/admin/companies/connectwise/103', { tenant: 'contoso.example', ...RULES });
    expect(client.lastHtml).toMatch(/This tenant is also mapped to <a href="\/admin\/companies\/connectwise\/101">Contoso Ltd<\/a> \(connectwise\)/);
    await client.get('/admin/companies');
    const flagged = rowsOf(client.lastHtml).filter((r) => r.includes('Tenant mapped to several companies'));
    expect(flagged.map((r) => r.split(' ')[0])).toEqual(['Contoso', 'Northwind']);
  });

  it('deletes a mapping', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO });
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    expect(client.lastHtml).toContain('data-confirm="Delete the mapping of Contoso Ltd?');
    const res = await client.post('/admin/companies/connectwise/101/delete', {});
    expect(res.headers.get('location')).toBe('/admin/companies?saved=deleted');
    expect(h.services.mappings.get('connectwise', '101')).toBeUndefined();
  });

  it('answers 404 for a company neither the PSA nor a mapping knows', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    expect((await client.get('/admin/companies/connectwise/999')).status).toBe(404);
    expect((await client.get('/admin/companies/autotask/101')).status).toBe(404);
  });
});

describe('untrusted names', () => {
  it('renders company and tenant names with <script> as text', async () => {
    const evil = '<script>alert(1)</script>';
    const h = await adminHarness({ companies: [{ id: '666', name: `Evil ${evil} Corp`, identifier: `"><img src=x onerror=alert(2)>`, emailDomains: [] }] });
    const tenant = '0b6f5a10-6666-4c2a-9d3e-000000000666';
    h.entra.addTenant(tenant, { name: `Tenant ${evil}`, domain: 'evil.example' });
    h.entra.partnerCustomers = [{ tenantId: tenant, displayName: `Evil ${evil} Corp` }];
    const client = await signedIn(h);
    const pages: string[] = [];
    await client.get('/admin/companies');
    pages.push(client.lastHtml);
    await client.get('/admin/suggestions');
    pages.push(client.lastHtml);
    await client.get('/admin/companies/connectwise/666');
    pages.push(client.lastHtml);
    await client.post('/admin/companies/connectwise/666', { tenant: 'evil.example', ...RULES });
    pages.push(client.lastHtml);
    await client.get('/admin/companies');
    pages.push(client.lastHtml);
    for (const html of pages) {
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
    }
    expect(pages[0]).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt; Corp');
    expect(pages[3]).toContain('Tenant &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(pages[4]).toContain('Tenant &lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
