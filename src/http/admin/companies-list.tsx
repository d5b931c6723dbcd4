/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { PsaKind } from '../../domain.js';
import type { Services } from '../../services.js';
import type { CompanyDirectory, CompanyFilter, CompanyRow, PsaListStatus } from './company-directory.js';
import { ADMIN_PAGE_SIZE, pageNumber, type AdminEnv } from './context.js';
import { CsrfInput, Layout, Notice, Pager, formatInstant, query } from './layout.js';

export const PSA_LABEL: Record<PsaKind, string> = { connectwise: 'ConnectWise', halo: 'HaloPSA' };
const FILTERS: { value: CompanyFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'unmapped', label: 'Unmapped' },
  { value: 'mapped', label: 'Mapped' },
  { value: 'disabled', label: 'Disabled' },
];

export const companyHref = (r: { psa: string; companyId: string }) => `/admin/companies/${r.psa}/${encodeURIComponent(r.companyId)}`;

export const StateBadge: FC<{ row: CompanyRow }> = ({ row }) => (
  <span class={`badge ${row.state}`}>{row.state === 'mapped' ? 'Mapped' : row.state === 'disabled' ? 'Disabled' : 'Unmapped'}</span>
);

export const TenantCell: FC<{ row: CompanyRow }> = ({ row }) =>
  row.mapping ? (
    <>
      <span>{row.mapping.tenantName ?? row.mapping.tenantDomain ?? row.mapping.tenantId}</span>
      {row.mapping.tenantDomain && row.mapping.tenantName ? <span class="sub">{row.mapping.tenantDomain}</span> : null}
      {row.sharedTenant ? (
        <span class="flag" title="More than one company is mapped to this tenant">
          Tenant mapped to several companies
        </span>
      ) : null}
    </>
  ) : (
    <span class="muted">—</span>
  );

const companies = (n: number) => `${n} ${n === 1 ? 'company' : 'companies'}`;

const listedLine = (s: PsaListStatus) => `${PSA_LABEL[s.psa]}: ${s.listedAt ? `${companies(s.count)} as of ${formatInstant(s.listedAt)}` : 'not read yet'}`;

/** Seconds between reloads of a page waiting for a listing (admin.js; a plain link does the same without script). */
export const RELOAD_AFTER_SECONDS = 3;

/**
 * Where each PSA's list stands: being read (first time, or a refresh of the list shown), or failed. Nothing here waited
 * for the PSA: the page says what it shows and reloads itself while a listing runs.
 */
export const ListingNotices: FC<{ psas: PsaListStatus[]; reloadHref: string }> = ({ psas, reloadHref }) => (
  <>
    {psas.map((s) => {
      const label = PSA_LABEL[s.psa];
      const progress = s.refreshing ? `${companies(s.refreshing.read)} read so far.` : '';
      return (
        <>
          {s.refreshing && !s.listedAt ? (
            <Notice kind="info">{`Reading companies from ${label}… ${progress} Until it is done, only the mapped ${label} companies are shown.`}</Notice>
          ) : null}
          {s.refreshing && s.listedAt ? (
            <Notice kind="info">{`Refreshing from ${label}… ${progress} The list below is as of ${formatInstant(s.listedAt)}.`}</Notice>
          ) : null}
          {s.failure && s.listedAt ? (
            <Notice kind="error">{`${label}: refreshing the company list failed at ${formatInstant(s.failure.at)}. ${s.failure.message} The list below is as of ${formatInstant(s.listedAt)}.`}</Notice>
          ) : null}
          {s.failure && !s.listedAt ? (
            <Notice kind="error">{`${label}: companies could not be listed. ${s.failure.message} (tried ${formatInstant(s.failure.at)})`}</Notice>
          ) : null}
        </>
      );
    })}
    {psas.some((s) => s.refreshing) ? (
      <p class="muted small" data-reload-after={String(RELOAD_AFTER_SECONDS)}>
        This page reloads by itself until the list is read. <a href={reloadHref}>Reload</a>
      </p>
    ) : null}
  </>
);

export function companiesListRoutes(services: Services, directory: CompanyDirectory) {
  const app = new Hono<AdminEnv>();
  const enabled = (Object.keys(services.connectors) as PsaKind[]).filter((k) => services.connectors[k]);

  app.get('/admin/companies', async (c) => {
    const q = (c.req.query('q') ?? '').slice(0, 200);
    const filterRaw = c.req.query('state') ?? 'all';
    const filter: CompanyFilter = FILTERS.some((f) => f.value === filterRaw) ? (filterRaw as CompanyFilter) : 'all';
    const psaRaw = c.req.query('psa');
    const psa = enabled.find((k) => k === psaRaw);
    const listing = await directory.listing();
    const rows = listing.filter(q, filter, psa);
    // ?page=99 on a 3-page list shows the last page, not an empty table.
    const page = Math.min(pageNumber(c.req.query('page')), Math.max(1, Math.ceil(rows.length / ADMIN_PAGE_SIZE)));
    const shown = rows.slice((page - 1) * ADMIN_PAGE_SIZE, page * ADMIN_PAGE_SIZE);
    const counts = listing.counts;
    const session = c.get('session')!;
    const saved = c.req.query('saved');
    const here = `/admin/companies${query({ q, state: filter === 'all' ? undefined : filter, psa, page: page > 1 ? page : undefined })}`;
    return c.html(
      <Layout title="Companies" session={session} section="companies">
        {saved ? <Notice kind="ok">{saved === 'deleted' ? 'The mapping was deleted.' : 'Saved.'}</Notice> : null}
        {enabled.length === 0 ? <Notice kind="warn">No PSA is configured: set the ConnectWise or HaloPSA variables and restart.</Notice> : null}
        <ListingNotices psas={listing.psas} reloadHref={here} />
        <p class="summary">{`${counts.mapped} mapped · ${counts.unmapped} unmapped · ${counts.disabled} disabled`}</p>
        <div class="toolbar">
          <form method="get" action="/admin/companies" class="filters" role="search">
            <div class="field">
              <label for="q">Search</label>
              <input id="q" name="q" type="search" value={q} placeholder="Company, identifier or tenant" />
            </div>
            <div class="field">
              <label for="state">Show</label>
              <select id="state" name="state">
                {FILTERS.map((f) => (
                  <option value={f.value} selected={f.value === filter}>
                    {f.label}
                  </option>
                ))}
              </select>
            </div>
            {enabled.length > 1 ? (
              <div class="field">
                <label for="psa">PSA</label>
                <select id="psa" name="psa">
                  <option value="">All</option>
                  {enabled.map((k) => (
                    <option value={k} selected={k === psa}>
                      {PSA_LABEL[k]}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
            <button type="submit">Apply</button>
          </form>
          <form method="post" action="/admin/companies/refresh" data-confirm="Read every company from the PSA again now? It runs in the background — a minute or more on a large PSA — and uses part of the PSA's request budget.">
            <CsrfInput session={session} />
            <button type="submit" class="secondary">
              Refresh from PSA
            </button>
          </form>
        </div>
        <div class="table-scroll">
        <table class="list">
          <caption class="visually-hidden">Companies and their tenant mappings</caption>
          <thead>
            <tr>
              <th scope="col">Company</th>
              {enabled.length > 1 ? <th scope="col">PSA</th> : null}
              <th scope="col">State</th>
              <th scope="col">Tenant</th>
              <th scope="col">
                <span class="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 ? (
              <tr>
                <td colspan={5}>No company matches.</td>
              </tr>
            ) : null}
            {shown.map((r) => (
              <tr>
                <th scope="row">
                  <a href={companyHref(r)}>{r.name}</a>
                  {r.identifier && r.identifier !== r.name ? <span class="sub">{r.identifier}</span> : null}
                  {r.missingFromPsa ? <span class="flag">Not listed by the PSA</span> : null}
                </th>
                {enabled.length > 1 ? <td>{PSA_LABEL[r.psa]}</td> : null}
                <td>
                  <StateBadge row={r} />
                </td>
                <td>
                  <TenantCell row={r} />
                </td>
                <td>
                  <a href={companyHref(r)} class="action" aria-label={`${r.mapping ? 'Edit' : 'Map'} ${r.name}`}>
                    {r.mapping ? 'Edit' : 'Map'}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
        <Pager page={page} pageSize={ADMIN_PAGE_SIZE} total={rows.length} href={(p) => `/admin/companies${query({ q, state: filter === 'all' ? undefined : filter, psa, page: p })}`} />
        <p class="muted small">{listing.psas.map(listedLine).join(' · ')}</p>
      </Layout>,
    );
  });

  // Starts the listing in the background and answers at once; the page shows its progress.
  app.post('/admin/companies/refresh', (c) => {
    directory.refresh();
    return c.redirect('/admin/companies', 303);
  });
  return app;
}
