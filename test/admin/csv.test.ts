import { describe, expect, it } from 'vitest';
import { CSV_MAX_BYTES } from '../../src/http/admin/mappings-csv.js';
import { CONTOSO, FABRIKAM, adminHarness, signedIn, type AdminClient } from './helpers.js';

/** The Halo client the files below name (the PSA is asked whether each company id exists). */
const HALO_COMPANIES = [{ id: '55', name: 'Fabrikam', identifier: undefined }];
const HEADER = 'psa,company_id,company_name,tenant,time_zone,activation_hour,default_lifetime_minutes,usable_once,allow_privileged,enabled';

async function upload(client: AdminClient, csv: string, name = 'mappings.csv') {
  await client.get('/admin/mappings');
  const form = new FormData();
  form.set('file', new File([csv], name, { type: 'text/csv' }));
  return client.post('/admin/mappings/import', form);
}

const reportRows = (html: string) =>
  [...html.matchAll(/<tr(?: class="row-error")?><td>(\d+)<\/td>([\s\S]*?)<\/tr>/g)].map((m) => `${m[1]} ${m[2]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()}`);

describe('CSV import', () => {
  it('imports a good file: domains resolved, blanks defaulted, existing mappings replaced', async () => {
    const h = await adminHarness();
    h.psa.halo.companies = HALO_COMPANIES;
    h.map('connectwise', '103', { tenantId: CONTOSO, timeZone: 'UTC' });
    const client = await signedIn(h);
    const res = await upload(
      client,
      [
        HEADER,
        'connectwise,101,Contoso Ltd,contoso.example,Europe/London,7,120,true,false,true',
        `halo,55,Fabrikam,${FABRIKAM},,,,,,`,
        'connectwise,103,Northwind,contoso.example,Asia/Tokyo,9,,no,yes,no',
      ].join('\r\n'),
    );
    expect(res.status).toBe(200);
    expect(client.lastHtml).toContain('Imported 3 mapping(s).');
    expect(h.services.mappings.get('connectwise', '101')).toMatchObject({ tenantId: CONTOSO, tenantDomain: 'contoso.example', timeZone: 'Europe/London', activationHour: 7, defaultLifetimeMinutes: 120, usableOnce: true, allowPrivileged: false, enabled: true });
    expect(h.services.mappings.get('halo', '55')).toMatchObject({ tenantId: FABRIKAM, timeZone: 'UTC', activationHour: 8, defaultLifetimeMinutes: null, usableOnce: true, allowPrivileged: false, enabled: true });
    expect(h.services.mappings.get('connectwise', '103')).toMatchObject({ timeZone: 'Asia/Tokyo', activationHour: 9, usableOnce: false, allowPrivileged: true, enabled: false });
  });

  it('writes nothing when any row is wrong, and reports every row', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    const res = await upload(
      client,
      [
        HEADER,
        'connectwise,101,Contoso Ltd,contoso.example,Europe/London,7,,true,false,true',
        'autotask,102,Fabrikam,fabrikam.example,UTC,8,,true,false,true',
        'connectwise,103,Northwind,nobody.example,UTC,8,,true,false,true',
        'connectwise,104,Tailspin,fabrikam.example,Mars/Base,25,5,maybe,false,true',
        'connectwise,101,Contoso again,contoso.example,UTC,8,,true,false,true',
      ].join('\n'),
    );
    expect(res.status).toBe(400);
    expect(client.lastHtml).toContain('Nothing was imported');
    expect(reportRows(client.lastHtml)).toEqual([
      `2 connectwise Contoso Ltd 101 OK → ${CONTOSO}`,
      '3 autotask Fabrikam 102 psa: expected connectwise or halo',
      '4 connectwise Northwind 103 tenant: no Microsoft Entra tenant answers for nobody.example',
      // Every problem of the row at once: the company the PSA does not have, and each bad cell.
      '5 connectwise Tailspin 104 company_id: ConnectWise has no company with id 104 time_zone: expected an IANA time zone such as Europe/Amsterdam activation_hour: enter a whole hour from 0 to 23 default_lifetime_minutes: enter whole minutes from 10 to 43200, or leave blank for the tenant policy default usable_once: enter true or false',
      '6 connectwise Contoso again 101 company_id: the same company is also on line 2',
    ]);
    expect(h.services.mappings.list()).toHaveLength(0);
  });

  it('rejects a file with unknown or missing columns, or that is not CSV', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await upload(client, 'psa,company,tenant\nconnectwise,101,contoso.example\n');
    expect(client.lastHtml).toContain('Unknown column(s): company.');
    expect(client.lastHtml).toContain('Missing column(s): company_id.');
    await upload(client, `${HEADER}\nconnectwise,101,"unterminated\n`);
    expect(client.lastHtml).toContain('The file is not valid CSV');
    await upload(client, `${HEADER}\n`);
    expect(client.lastHtml).toContain('The file has a header but no rows.');
    expect(h.services.mappings.list()).toHaveLength(0);
  });

  it('refuses a file over the size limit', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    const big = `${HEADER}\n${'connectwise,101,Contoso,contoso.example,UTC,8,,true,false,true\n'.repeat(Math.ceil(CSV_MAX_BYTES / 60) + 10)}`;
    const res = await upload(client, big);
    expect(res.status).toBe(413);
    expect(h.services.mappings.list()).toHaveLength(0);
  });

  it('requires the CSRF token on the upload', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/mappings');
    const form = new FormData();
    form.set('file', new File([`${HEADER}\nconnectwise,101,C,contoso.example,UTC,8,,true,false,true\n`], 'm.csv'));
    const res = await client.post('/admin/mappings/import', form, { csrf: false });
    expect(res.status).toBe(403);
    expect(h.services.mappings.list()).toHaveLength(0);
  });
});

describe('CSV export', () => {
  it('exports every mapping in the import format, and the export imports back unchanged', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso, "the" Ltd', defaultLifetimeMinutes: 90, allowPrivileged: true });
    h.map('halo', '55', { tenantId: FABRIKAM, companyName: '=HYPERLINK("http://evil")', enabled: false });
    h.psa.halo.companies = HALO_COMPANIES;
    const client = await signedIn(h);
    const res = await client.get('/admin/mappings/export.csv');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="tap-mappings-\d{4}-\d{2}-\d{2}\.csv"$/);
    const csv = await res.text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines[1]).toBe(`connectwise,101,"Contoso, ""the"" Ltd",${CONTOSO},Europe/Amsterdam,8,90,false,true,true`);
    // A formula-looking name is kept as text for spreadsheet programs.
    expect(lines[2]).toBe(`halo,55,"'=HYPERLINK(""http://evil"")",${FABRIKAM},Europe/Amsterdam,8,,false,false,false`);

    const before = h.services.mappings.list().map(({ createdAt: _c, updatedAt: _u, ...m }) => m);
    await upload(client, csv);
    expect(client.lastHtml).toContain('Imported 2 mapping(s).');
    expect(h.services.mappings.list().map(({ createdAt: _c, updatedAt: _u, ...m }) => m)).toEqual(before);
  });
});
