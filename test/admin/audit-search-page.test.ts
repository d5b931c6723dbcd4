import { describe, expect, it } from 'vitest';
import type { NewIssuance } from '../../src/db/schema.js';
import { CONTOSO, adminHarness, signedIn } from './helpers.js';

let seq = 0;
function issuance(overrides: Partial<NewIssuance>): NewIssuance {
  seq += 1;
  const at = new Date(Date.UTC(2026, 10, 1) + seq * 60_000).toISOString();
  return {
    id: `audit-${seq}`,
    psa: 'connectwise',
    ticketId: String(7000 + seq),
    companyId: '101',
    companyName: 'Contoso Ltd',
    tenantId: CONTOSO,
    requestedBy: 'jdoe',
    trigger: 'button',
    userPrincipalName: 'new.starter@contoso.example',
    outcome: 'issued',
    outcomeCode: 'ISSUED',
    noteStatus: 'written',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

const tickets = (html: string) => [...html.matchAll(/>#(\d+)</g)].map((m) => m[1]).sort();

async function world() {
  const h = await adminHarness();
  // Many mappings: the page must not list them all.
  for (let i = 0; i < 300; i += 1) h.map('connectwise', String(1000 + i), { companyName: `Mapped Customer ${1000 + i}` });
  h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
  h.map('halo', '101', { tenantId: CONTOSO, companyName: 'Contoso Halo Division' });
  const log = h.services.issuances;
  log.insert(issuance({ ticketId: '1', companyId: '101', companyName: 'Contoso Ltd', userPrincipalName: 'Anna.Jansen@contoso.example' }));
  log.insert(issuance({ ticketId: '2', psa: 'halo', companyId: '101', companyName: 'Contoso Halo Division', userPrincipalName: 'piet@contoso.example' }));
  log.insert(issuance({ ticketId: '3', companyId: '1010', companyName: 'Fabrikam B.V.', userPrincipalName: 'anna.smit@fabrikam.example' }));
  log.insert(issuance({ ticketId: '4', companyId: '555', companyName: 'Northwind Traders', userPrincipalName: 'x@northwind.example', outcome: 'refused', outcomeCode: 'COMPANY_NOT_MAPPED' }));
  return { h, client: await signedIn(h) };
}

describe('audit page: company search box and user search (issue 14)', () => {
  it('renders a search box for the company, not a <select> of every mapping', async () => {
    const { client } = await world();
    await client.get('/admin/audit');
    expect(client.lastHtml).toMatch(/<input[^>]*id="company"[^>]*name="company"[^>]*type="search"/);
    expect(client.lastHtml).not.toMatch(/<select[^>]*name="company"/);
    expect(client.lastHtml).not.toContain('Mapped Customer 1150');
    expect(client.lastHtml).toContain('at least 3 characters');
    expect(tickets(client.lastHtml)).toEqual(['1', '2', '3', '4']);
  });

  it('shows the rows of companies whose name contains the text, any case, and of a PSA id typed whole', async () => {
    const { client } = await world();
    await client.get('/admin/audit?company=CONTOSO');
    expect(tickets(client.lastHtml)).toEqual(['1', '2']);
    expect(client.lastHtml).toMatch(/<input[^>]*name="company"[^>]*value="CONTOSO"/);
    await client.get('/admin/audit?company=wind%20tra');
    expect(tickets(client.lastHtml)).toEqual(['4']);
    await client.get('/admin/audit?company=555');
    expect(tickets(client.lastHtml)).toEqual(['4']);
    // "101" is an id of two companies (one per PSA); part of "1010" is not a match.
    await client.get('/admin/audit?company=101');
    expect(tickets(client.lastHtml)).toEqual(['1', '2']);
    await client.get('/admin/audit?company=%22%29%20OR%20*');
    expect(tickets(client.lastHtml)).toEqual([]);
    expect(client.lastHtml).toContain('Nothing matches.');
  });

  it('keeps the exact company filter other pages link to (psa:companyId), naming the company', async () => {
    const { client } = await world();
    await client.get('/admin/audit?company=connectwise:101');
    expect(tickets(client.lastHtml)).toEqual(['1']);
    expect(client.lastHtml).toContain('Contoso Ltd (ConnectWise, id 101)');
    await client.get('/admin/audit?company=halo:101&outcome=issued');
    expect(tickets(client.lastHtml)).toEqual(['2']);
    // A company without a mapping (refused rows) can be picked exactly too.
    await client.get('/admin/audit?company=connectwise:555');
    expect(tickets(client.lastHtml)).toEqual(['4']);
    // Paging keeps the filter.
    const { h } = await world();
    for (let i = 0; i < 55; i += 1) h.services.issuances.insert(issuance({ ticketId: String(100 + i) }));
    const c2 = await signedIn(h);
    await c2.get('/admin/audit?company=connectwise:101');
    expect(c2.lastHtml).toContain('(56 in all)');
    expect(c2.lastHtml).toContain('href="/admin/audit?company=connectwise%3A101&amp;page=2"');
  });

  it('searches users by any part of the UPN, any case; fewer than 3 characters says so and shows nothing', async () => {
    const { client } = await world();
    await client.get('/admin/audit?user=ANNA');
    expect(tickets(client.lastHtml)).toEqual(['1', '3']);
    await client.get('/admin/audit?user=anna&company=contoso');
    expect(tickets(client.lastHtml)).toEqual(['1']);
    await client.get('/admin/audit?user=an');
    expect(tickets(client.lastHtml)).toEqual([]);
    expect(client.lastHtml).toContain('Type at least 3 characters of the user');
  });

  it('suggests at most 20 companies from the audit for the company box, each as an exact psa:id', async () => {
    const { h, client } = await world();
    for (let i = 0; i < 30; i += 1) h.services.issuances.insert(issuance({ psa: 'halo', companyId: String(900 + i), companyName: `Contoso Branch ${i}` }));
    await client.get('/admin/audit');
    expect(client.lastHtml).toMatch(/<input[^>]*list="company-suggestions"[^>]*data-suggest="\/admin\/audit\/companies"/);
    expect(client.lastHtml).toContain('<datalist id="company-suggestions"></datalist>');
    const res = await client.get('/admin/audit/companies?q=NORTHWIND');
    expect(await res.json()).toEqual([{ value: 'connectwise:555', label: 'Northwind Traders · ConnectWise 555' }]);
    const many = (await (await client.get('/admin/audit/companies?q=contoso')).json()) as { value: string }[];
    expect(many).toHaveLength(20);
    expect(new Set(many.map((m) => m.value)).size).toBe(20);
    // Newest first: the branches were written last.
    expect(many[0]).toEqual({ value: 'halo:929', label: 'Contoso Branch 29 · HaloPSA 929' });
    for (const q of ['co', '', '"*', 'NEAR(a b)']) expect(await (await client.get(`/admin/audit/companies?q=${encodeURIComponent(q)}`)).json()).toEqual([]);
    // Only for a signed-in admin.
    const anonymous = await h.app.request('/admin/audit/companies?q=contoso');
    expect(anonymous.status).not.toBe(200);
  });

  it('says "more than 10,000" instead of counting every match', async () => {
    const h = await adminHarness();
    const insert = h.services.storage.sqlite.prepare(
      `INSERT INTO issuances (id, psa, ticket_id, company_id, company_name, trigger, user_principal_name, outcome, outcome_code, created_at, updated_at) VALUES (?, 'connectwise', ?, '101', 'Contoso Ltd', 'button', ?, 'issued', 'ISSUED', ?, ?)`,
    );
    h.services.storage.sqlite.transaction(() => {
      for (let i = 0; i < 10_050; i += 1) {
        const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
        insert.run(`bulk-${i}`, String(i), `user${i}@contoso.example`, at, at);
      }
    })();
    const client = await signedIn(h);
    await client.get('/admin/audit?user=contoso');
    expect(client.lastHtml).toContain('more than 10,000');
    expect(client.lastHtml).toContain('href="/admin/audit?user=contoso&amp;page=2"');
    // Newest first even when the matches are too many to sort.
    expect(client.lastHtml.indexOf('>#10049<')).toBeGreaterThan(0);
    await client.get('/admin/audit');
    expect(client.lastHtml).toContain('(10050 in all)');
  });
});
