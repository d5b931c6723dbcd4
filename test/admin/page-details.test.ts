import { describe, expect, it } from 'vitest';
import { AdminClient, adminHarness, signedIn } from './helpers.js';

/** Small things on the admin pages a new admin trips over. */

const rowsOf = (html: string) => [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());

describe('admin page details', () => {
  it('clamps ?page=99 on the companies list to its last page', async () => {
    const companies = Array.from({ length: 120 }, (_, i) => ({ id: String(1000 + i), name: `Customer ${String(i).padStart(3, '0')}`, identifier: undefined }));
    const h = await adminHarness({ companies });
    const client = await signedIn(h);
    await client.get('/admin/companies?page=99');
    expect(client.lastHtml).toContain('Page 3 of 3 (120 in all)');
    expect(rowsOf(client.lastHtml).slice(1)).toHaveLength(20);
  });

  it('links a company page to that company\'s audit trail, and the link opens the audit filtered to it exactly', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    const href = /<a href="([^"]+)">Audit trail of this company<\/a>/.exec(client.lastHtml)?.[1];
    expect(href).toBe('/admin/audit?company=connectwise%3A101');
    const res = await client.get(href!);
    expect(res.status).toBe(200);
    expect(client.lastHtml).toContain('Showing one company:');
    expect(client.lastHtml).toContain('(ConnectWise, id 101)');
  });

  it('asks before "Refresh from PSA", and tables scroll sideways on narrow screens', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies');
    expect(client.lastHtml).toMatch(/<form method="post" action="\/admin\/companies\/refresh" data-confirm="Read every company from the PSA again now\?[^"]*">/);
    expect(client.lastHtml).toMatch(/<div class="table-scroll"><table class="list">/);
  });

  it('puts the focus in the username, and after a failure reads the error (and the lockout warning) with it', async () => {
    const h = await adminHarness();
    const client = new AdminClient(h);
    await client.get('/admin/sign-in');
    expect(client.lastHtml).toMatch(/<input id="username" name="username" type="text" value="" required="" autocomplete="username" autofocus=""/);
    for (let i = 0; i < 3; i++) await client.post('/admin/sign-in', { username: 'admin', password: 'wrong password' });
    expect(client.lastHtml).toContain('<div class="notice error" id="sign-in-error" role="alert">');
    expect(client.lastHtml).toMatch(/<input id="username"[^>]*autofocus=""[^>]*aria-describedby="sign-in-error"/);
    expect(client.lastHtml).toMatch(/attempts? left before sign-in for this account from your address is paused/);
  });
});
