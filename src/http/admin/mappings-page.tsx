/** @jsxImportSource hono/jsx */
import { Hono, type Context } from 'hono';
import type { Services } from '../../services.js';
import type { AdminEnv } from './context.js';
import { CsrfInput, Layout, Notice } from './layout.js';
import { CSV_COLUMNS, CSV_MAX_BYTES, CSV_MAX_ROWS, checkImport, mappingsToCsv, type ImportCheck } from './mappings-csv.js';

const ImportReport = ({ check }: { check: ImportCheck }) => (
  <section class="card" aria-labelledby="report-heading">
    <h2 id="report-heading">Import report</h2>
    {check.fileErrors.map((e) => (
      <Notice kind="error">{e}</Notice>
    ))}
    {check.rows.length ? (
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">PSA</th>
            <th scope="col">Company</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {check.rows.map((r) => {
            const errors = Object.entries(r.errors);
            return (
              <tr class={errors.length ? 'row-error' : undefined}>
                <td>{r.line}</td>
                <td>{r.psa}</td>
                <td>
                  {r.companyName || r.companyId}
                  {r.companyName ? <span class="sub">{r.companyId}</span> : null}
                </td>
                <td>
                  {errors.length ? (
                    <ul class="plain bad">
                      {errors.map(([field, message]) => (
                        <li>{`${field}: ${message}`}</li>
                      ))}
                    </ul>
                  ) : (
                    <span class="good">{`OK → ${r.tenantId}`}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    ) : null}
  </section>
);

export function mappingsPageRoutes(services: Services) {
  const app = new Hono<AdminEnv>();

  const page = (c: Context<AdminEnv>, opts: { check?: ImportCheck; written?: number; error?: string; status?: 200 | 400 | 413 } = {}) =>
    c.html(
      <Layout title="Import and export" session={c.get('session')} section="mappings">
        {opts.written !== undefined ? <Notice kind="ok">{`Imported ${opts.written} mapping(s).`}</Notice> : null}
        {opts.check && opts.written === undefined ? <Notice kind="error">Nothing was imported: correct the rows below and upload the file again.</Notice> : null}
        {opts.error ? <Notice kind="error">{opts.error}</Notice> : null}
        {opts.check ? <ImportReport check={opts.check} /> : null}
        <section class="card">
          <h2>Export</h2>
          <p>All mappings as CSV, ready to edit in a spreadsheet and import again.</p>
          <p>
            <a class="button secondary" href="/admin/mappings/export.csv" download="tap-mappings.csv">
              Download mappings.csv
            </a>
          </p>
        </section>
        <form method="post" action="/admin/mappings/import" enctype="multipart/form-data" class="card">
          <h2>Import</h2>
          <p>
            Columns: <code>{CSV_COLUMNS.join(',')}</code>. <code>tenant</code> is a tenant id or a verified domain. Every row is
            checked first; if any row is wrong, nothing is written. Rows for companies already mapped replace their mapping.
          </p>
          <CsrfInput session={c.get('session')!} />
          <div class="field">
            <label for="file">CSV file</label>
            <input id="file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="file-hint" />
            <p class="hint" id="file-hint">{`Up to ${CSV_MAX_BYTES / 1024} KB and ${CSV_MAX_ROWS} rows.`}</p>
          </div>
          <button type="submit">Check and import</button>
        </form>
      </Layout>,
      opts.status ?? 200,
    );

  app.get('/admin/mappings', (c) => page(c));

  app.get('/admin/mappings/export.csv', (c) => {
    const stamp = services.now().toISOString().slice(0, 10);
    return c.body(mappingsToCsv(services.mappings.list()), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="tap-mappings-${stamp}.csv"`,
    });
  });

  app.post('/admin/mappings/import', async (c) => {
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File) || (file.size === 0 && file.name === '')) return page(c, { error: 'Choose a CSV file to import.', status: 400 });
    if (file.size === 0) return page(c, { error: 'The file is empty.', status: 400 });
    if (file.size > CSV_MAX_BYTES) return page(c, { error: `The file is larger than ${CSV_MAX_BYTES / 1024} KB.`, status: 413 });
    const check = await checkImport(services, await file.text());
    if (!check.writes) return page(c, { check, status: 400 });
    // All rows are valid: one transaction writes them all (or, should the database fail, none).
    const written = services.mappings.upsertMany(check.writes);
    services.logger.info({ rows: written, via: 'admin csv' }, 'mappings imported');
    return page(c, { check, written });
  });

  return app;
}
