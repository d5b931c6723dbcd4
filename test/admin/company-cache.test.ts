import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors.js';
import { formatInstant } from '../../src/http/admin/layout.js';
import type { PsaCompany } from '../../src/psa/port.js';
import type { TestHarness } from '../helpers/services.js';
import { COMPANIES, CONTOSO, FABRIKAM, adminHarness, signedIn, type AdminClient } from './helpers.js';

/**
 * The companies page never waits for a PSA listing (issue 14: a 57 s first load on a large PSA). It shows what it has —
 * the list kept in SQLite, or at first only the mapped companies — and reads the PSA in the background, once per PSA
 * however many tabs ask.
 */

/** Text content of the page's body rows, in order. */
const rowsOf = (html: string) =>
  [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());

/** A listing the test releases (or fails) when it wants. */
function gate() {
  let release!: (companies: PsaCompany[]) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<PsaCompany[]>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  return { promise, release, fail };
}

/** Rejects when `promise` has not settled within `ms`: how "the page answers at once" is asserted. */
function within<T>(promise: Promise<T>, ms = 2_000): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))]);
}

/** Reloads the page until the background read of every PSA is over (what admin.js does in a browser). */
async function untilListed(client: AdminClient, path = '/admin/companies') {
  await vi.waitFor(
    async () => {
      await client.get(path);
      expect(client.lastHtml).not.toMatch(/Reading companies from|Refreshing from/);
    },
    { timeout: 5_000, interval: 20 },
  );
}

/** Counts listCompanies calls on a PSA and answers them with `answer`. */
function countListings(h: TestHarness, psa: 'connectwise' | 'halo', answer: (onProgress: ((read: number) => void) | undefined) => Promise<PsaCompany[]>) {
  const calls = { count: 0 };
  h.psa[psa].listCompanies = (opts?: { onProgress?: (read: number) => void }) => {
    calls.count += 1;
    return answer(opts?.onProgress);
  };
  return calls;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const databaseFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'company-cache-'));
  dirs.push(dir);
  return join(dir, 'connector.sqlite');
};

describe('companies page while a PSA is being read', () => {
  it('answers at once with the mapped companies and says the list is being read, with the count so far', async () => {
    const h = await adminHarness();
    h.map('connectwise', '102', { tenantId: FABRIKAM, tenantName: 'Fabrikam Inc', companyName: 'Fabrikam B.V.' });
    const listing = gate();
    const calls = countListings(h, 'connectwise', (onProgress) => {
      onProgress?.(1_000);
      return listing.promise;
    });
    const client = await signedIn(h);

    const res = await within(client.get('/admin/companies'));
    expect(res.status).toBe(200);
    expect(rowsOf(client.lastHtml)).toEqual([expect.stringMatching(/^Fabrikam B\.V\. ConnectWise Mapped Fabrikam Inc/)]);
    // Not yet read is not "missing from the PSA".
    expect(client.lastHtml).not.toContain('Not listed by the PSA');
    expect(client.lastHtml).toContain('Reading companies from ConnectWise…');
    expect(client.lastHtml).toContain('1000 companies read so far');
    // Something the browser (admin.js) reloads by itself, and a plain link for anyone without script.
    expect(client.lastHtml).toMatch(/data-reload-after="\d+"/);
    expect(client.lastHtml).toMatch(/<a href="\/admin\/companies">Reload<\/a>/);

    // A second tab does not start a second listing.
    await within(client.get('/admin/companies?q=fab'));
    expect(calls.count).toBe(1);

    listing.release(COMPANIES);
    await untilListed(client);
    expect(rowsOf(client.lastHtml).map((r) => r.split(' ')[0])).toEqual(['Contoso', 'Fabrikam', 'Northwind']);
    expect(client.lastHtml).toMatch(/ConnectWise: 3 companies as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(calls.count).toBe(1);
  });

  it('the company page and the suggestions page do not wait for the listing either', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    const listing = gate();
    const calls = countListings(h, 'connectwise', () => listing.promise);
    const client = await signedIn(h);

    const mapped = await within(client.get('/admin/companies/connectwise/101'));
    expect(mapped.status).toBe(200);
    expect(client.lastHtml).toContain('Contoso Ltd');
    expect(client.lastHtml).toContain('Delete mapping');

    // An unmapped company the connector has not read yet: the page says why it cannot show it, and does not wait.
    await within(client.get('/admin/companies/connectwise/103'));
    expect(client.lastHtml).toContain('Reading companies from ConnectWise…');

    const suggestions = await within(client.get('/admin/suggestions'));
    expect(suggestions.status).toBe(200);
    expect(client.lastHtml).toContain('Reading companies from ConnectWise…');
    expect(calls.count).toBe(1);

    listing.release(COMPANIES);
    await untilListed(client);
    const unmapped = await client.get('/admin/companies/connectwise/103');
    expect(unmapped.status).toBe(200);
    expect(client.lastHtml).toContain('Northwind Traders');
  });

  it('Refresh starts one background read and returns at once; pressing it again joins the running one', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await untilListed(client);
    const listing = gate();
    const calls = countListings(h, 'connectwise', () => listing.promise);

    const first = await within(client.post('/admin/companies/refresh', {}));
    expect(first.status).toBe(303);
    await client.get('/admin/companies');
    const second = await within(client.post('/admin/companies/refresh', {}));
    expect(second.status).toBe(303);
    expect(calls.count).toBe(1);

    await client.get('/admin/companies');
    expect(client.lastHtml).toContain('Refreshing from ConnectWise…');
    // The cached rows stay on the page meanwhile.
    expect(rowsOf(client.lastHtml)).toHaveLength(3);

    listing.release([...COMPANIES, { id: '104', name: 'Woodgrove Bank', identifier: undefined }]);
    await untilListed(client);
    expect(rowsOf(client.lastHtml).map((r) => r.split(' ')[0])).toEqual(['Contoso', 'Fabrikam', 'Northwind', 'Woodgrove']);
  });
});

describe('suggestions kept for paging', () => {
  it('a company mapped since the last view is no longer proposed', async () => {
    const h = await adminHarness();
    h.entra.partnerCustomers = [
      { tenantId: CONTOSO, displayName: 'Contoso Ltd' },
      { tenantId: FABRIKAM, displayName: 'Fabrikam Inc' },
    ];
    const client = await signedIn(h);
    await client.get('/admin/suggestions');
    expect(client.lastHtml).toContain('2 of 3 unmapped companies have a suggestion.');
    await client.get('/admin/suggestions?page=1');
    expect(client.lastHtml).toContain('2 of 3 unmapped companies have a suggestion.');
    await client.post('/admin/companies/connectwise/102/accept', { tenant: FABRIKAM });
    await client.get('/admin/suggestions');
    expect(client.lastHtml).toContain('1 of 2 unmapped companies have a suggestion.');
    expect(client.lastHtml).not.toContain('aria-label="Fabrikam B.V."');
  });
});

describe('the company list kept in SQLite', () => {
  it('after a restart the last list is shown at once with its time, without asking the PSA', async () => {
    const path = databaseFile();
    const before = await adminHarness({ env: { DATABASE_PATH: path } });
    before.psa.halo.companies = [{ id: '7', name: 'Adatum GmbH', identifier: undefined, knownTenantId: CONTOSO, emailDomains: ['adatum.example'] }];
    await untilListed(await signedIn(before));
    before.services.storage.close();

    const after = await adminHarness({ env: { DATABASE_PATH: path } });
    const cw = countListings(after, 'connectwise', () => new Promise<PsaCompany[]>(() => {}));
    const halo = countListings(after, 'halo', () => new Promise<PsaCompany[]>(() => {}));
    const client = await signedIn(after);
    await within(client.get('/admin/companies'));
    expect(rowsOf(client.lastHtml).map((r) => r.split(' ')[0])).toEqual(['Adatum', 'Contoso', 'Fabrikam', 'Northwind']);
    expect(client.lastHtml).not.toMatch(/Reading companies from|Refreshing from/);
    expect(client.lastHtml).toMatch(/ConnectWise: 3 companies as of \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · HaloPSA: 1 company as of/);
    expect(cw.count + halo.count).toBe(0);
    // What the suggestions need survives the restart too (Halo's known tenant id).
    await within(client.get('/admin/companies/halo/7'));
    expect(client.lastHtml).toContain('the PSA already records this tenant id for the company');
    after.services.storage.close();
  });

  it('a stale list is shown while exactly one background read replaces it', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    const client = await signedIn(h);
    await untilListed(client);
    h.clock.now = new Date(h.clock.now.getTime() + 16 * 60_000);
    const listing = gate();
    const calls = countListings(h, 'connectwise', () => listing.promise);
    countListings(h, 'halo', async () => []);

    await within(Promise.all([client.get('/admin/companies'), client.get('/admin/companies?page=1'), client.get('/admin/companies?state=unmapped')]));
    await within(client.get('/admin/companies'));
    expect(calls.count).toBe(1);
    expect(client.lastHtml).toContain('Refreshing from ConnectWise…');
    expect(rowsOf(client.lastHtml).map((r) => r.split(' ')[0])).toEqual(['Contoso', 'Fabrikam', 'Northwind']);

    listing.release([{ id: '105', name: 'Alpine Ski House', identifier: undefined }]);
    await untilListed(client);
    // A mapped company the new list no longer holds stays, flagged.
    expect(rowsOf(client.lastHtml)).toEqual([expect.stringMatching(/^Alpine Ski House ConnectWise Unmapped/), expect.stringMatching(/^Contoso Ltd Not listed by the PSA ConnectWise Mapped/)]);
    expect(calls.count).toBe(1);
  });

  it('a failed refresh keeps the rows it had and says what failed and when', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    const client = await signedIn(h);
    await untilListed(client);
    const failedAt = new Date(h.clock.now.getTime() + 20 * 60_000);
    h.clock.now = failedAt;
    const calls = countListings(h, 'connectwise', async () => {
      throw new AppError('UPSTREAM_UNAVAILABLE', 'ConnectWise did not answer.');
    });

    await client.get('/admin/companies');
    await untilListed(client);
    expect(calls.count).toBe(1);
    expect(client.lastHtml).toContain(`ConnectWise: refreshing the company list failed at ${formatInstant(failedAt.toISOString())}. ConnectWise did not answer.`);
    expect(rowsOf(client.lastHtml)).toEqual([
      expect.stringMatching(/^Contoso Ltd Contoso ConnectWise Mapped/),
      expect.stringMatching(/^Fabrikam B\.V\./),
      expect.stringMatching(/^Northwind Traders/),
    ]);
    // Not retried on every page view: a failing PSA is not hammered.
    await client.get('/admin/companies');
    expect(calls.count).toBe(1);
  });
});

describe('10,000 companies per PSA', () => {
  const manyCompanies = (prefix: string, n: number): PsaCompany[] =>
    Array.from({ length: n }, (_, i) => {
      // Ids out of name order and names in mixed case, so neither the PSA's order nor a case-sensitive sort would pass.
      const k = (i * 7_919) % n;
      return { id: String(100_000 + i), name: `${k % 2 ? prefix.toLowerCase() : prefix} ${String(k).padStart(5, '0')}`, identifier: `${prefix.slice(0, 2).toUpperCase()}${k}` };
    });

  it('sorts, searches, filters and pages the 20,000 rows correctly', async () => {
    const h = await adminHarness({ companies: manyCompanies('Customer', 10_000) });
    h.psa.halo.companies = manyCompanies('Client', 10_000);
    h.map('connectwise', '100002', { tenantId: CONTOSO, tenantName: 'Contoso Ltd', tenantDomain: 'contoso.example' });
    h.map('halo', '100003', { tenantId: FABRIKAM, tenantName: 'Fabrikam Inc', enabled: false });
    const client = await signedIn(h);
    await untilListed(client);

    expect(client.lastHtml).toContain('Page 1 of 400 (20000 in all)');
    expect(client.lastHtml).toContain('1 mapped · 19998 unmapped · 1 disabled');
    const first = rowsOf(client.lastHtml);
    expect(first).toHaveLength(50);
    expect(first[0]).toMatch(/^Client 00000 CL0 HaloPSA/);
    expect(first[1]).toMatch(/^client 00001 CL1 HaloPSA/);

    await client.get('/admin/companies?page=400');
    const last = rowsOf(client.lastHtml);
    expect(last).toHaveLength(50);
    expect(last[49]).toMatch(/^customer 09999 CU9999 ConnectWise/);

    await client.get('/admin/companies?q=CUSTOMER%200999');
    expect(rowsOf(client.lastHtml).map((r) => r.split(' ').slice(0, 2).join(' ').toLowerCase())).toEqual(
      Array.from({ length: 10 }, (_, i) => `customer 0999${i}`),
    );
    // The tenant's domain finds the mapped company.
    await client.get('/admin/companies?q=contoso.example');
    expect(rowsOf(client.lastHtml)).toEqual([expect.stringMatching(/ConnectWise Mapped Contoso Ltd contoso\.example/)]);
    await client.get('/admin/companies?state=disabled');
    expect(rowsOf(client.lastHtml)).toEqual([expect.stringMatching(/HaloPSA Disabled Fabrikam Inc/)]);
    await client.get('/admin/companies?psa=halo&page=200');
    expect(client.lastHtml).toContain('Page 200 of 200 (10000 in all)');
    expect(rowsOf(client.lastHtml).every((r) => r.includes('HaloPSA'))).toBe(true);

    // A mapping saved after the list was built shows at once, in its place.
    h.map('halo', '100004', { tenantId: CONTOSO, tenantName: 'Contoso Ltd' });
    await client.get('/admin/companies?state=mapped');
    expect(client.lastHtml).toContain('2 mapped · 19997 unmapped · 1 disabled');
    expect(rowsOf(client.lastHtml).map((r) => r.split(' ').slice(0, 2).join(' '))).toEqual(['Client 01676', 'Customer 05838']);
    h.services.mappings.remove('connectwise', '100002');
    await client.get('/admin/companies');
    expect(client.lastHtml).toContain('1 mapped · 19998 unmapped · 1 disabled');
  });
});
