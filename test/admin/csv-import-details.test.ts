import { describe, expect, it } from 'vitest';
import { CONTOSO, adminHarness, signedIn, type AdminClient } from './helpers.js';

/** CSV import as spreadsheets really save it, and a report that names every problem of a row at once. */

const HEADER = 'psa,company_id,company_name,tenant,time_zone,activation_hour,default_lifetime_minutes,usable_once,allow_privileged,enabled';

async function upload(client: AdminClient, csv: string, name = 'mappings.csv') {
  await client.get('/admin/mappings');
  const form = new FormData();
  form.set('file', new File([csv], name, { type: 'text/csv' }));
  return client.post('/admin/mappings/import', form);
}
const reportRows = (html: string) =>
  [...html.matchAll(/<tr(?: class="row-error")?><td>(\d+)<\/td>([\s\S]*?)<\/tr>/g)].map((m) => `${m[1]} ${m[2]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim()}`);

describe('CSV import details', () => {
  it('reads a semicolon-separated file (Excel in comma-decimal locales)', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    const res = await upload(client, [HEADER.replaceAll(',', ';'), 'connectwise;101;"Contoso; Ltd";contoso.example;Europe/Amsterdam;8;;true;false;true'].join('\r\n'));
    expect(res.status).toBe(200);
    expect(client.lastHtml).toContain('Imported 1 mapping(s).');
    expect(h.services.mappings.get('connectwise', '101')).toMatchObject({ tenantId: CONTOSO, companyName: 'Contoso; Ltd' });
  });

  it('says "The file is empty." for an empty file, and asks for a file when none was chosen', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    expect((await upload(client, '')).status).toBe(400);
    expect(client.lastHtml).toContain('The file is empty.');
    await upload(client, '\r\n\r\n');
    expect(client.lastHtml).toContain('The file is empty.');
    await client.get('/admin/mappings');
    const form = new FormData();
    form.set('file', new File([], '', { type: 'application/octet-stream' }));
    await client.post('/admin/mappings/import', form);
    expect(client.lastHtml).toContain('Choose a CSV file to import.');
  });

  it('names every problem of a row at once, the unknown domain included, and company ids the PSA does not have', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await upload(client, [HEADER, 'connectwise,101,Contoso,nobody.example,Mars/Base,8,,true,false,true', 'connectwise,999,Ghost,contoso.example,UTC,8,,true,false,true', 'halo,7,Adatum,contoso.example,UTC,8,,true,false,true'].join('\n'));
    expect(reportRows(client.lastHtml)).toEqual([
      '2 connectwise Contoso 101 tenant: no Microsoft Entra tenant answers for nobody.example time_zone: expected an IANA time zone such as Europe/Amsterdam',
      '3 connectwise Ghost 999 company_id: ConnectWise has no company with id 999',
      `4 halo Adatum 7 company_id: HaloPSA has no company with id 7`,
    ]);
    expect(h.services.mappings.list()).toHaveLength(0);
  });

  it('refuses rows for a PSA this connector is not configured for', async () => {
    const h = await adminHarness({ env: { HALO_BASE_URL: undefined, HALO_CLIENT_ID: undefined, HALO_CLIENT_SECRET: undefined, HALO_NOTE_OUTCOME_ID: undefined, HALO_BUTTON_SECRET: undefined, HALO_UPN_FIELD: undefined } });
    delete (h.services.connectors as Record<string, unknown>).halo;
    const client = await signedIn(h);
    await upload(client, [HEADER, 'halo,7,Adatum,contoso.example,UTC,8,,true,false,true'].join('\n'));
    expect(reportRows(client.lastHtml)).toEqual(['2 halo Adatum 7 psa: HaloPSA is not configured on this connector']);
  });
});
