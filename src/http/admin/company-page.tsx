/** @jsxImportSource hono/jsx */
import { Hono, type Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { Services } from '../../services.js';
import { ListingNotices, PSA_LABEL, RELOAD_AFTER_SECONDS, StateBadge, companyHref } from './companies-list.js';
import type { CompanyDirectory, CompanyRow } from './company-directory.js';
import { ConnectionResult, SharedTenantWarning } from './connection-result.js';
import type { AdminEnv } from './context.js';
import { CsrfInput, Layout, Notice } from './layout.js';
import { COMPANY_ID, parseRuleFields, psaKindSchema, rawRuleFields, type FieldErrors, type RawRuleFields } from './mapping-fields.js';
import { RulesForm, formValuesOf } from './rules-form.js';
import { saveMapping, testConnection } from './save-mapping.js';
import type { SuggestionSources } from './suggestion-sources.js';
import { SuggestionList } from './suggestions-page.js';

type Ctx = Context<AdminEnv>;

export function notFoundPage(c: Ctx, what: string) {
  return c.html(
    <Layout title="Not found" session={c.get('session')}>
      <Notice kind="error">{what}</Notice>
      <p>
        <a href="/admin/companies">Back to the companies</a>
      </p>
    </Layout>,
    404,
  );
}

const CompanyFacts: FC<{ row: CompanyRow }> = ({ row }) => (
  <dl class="facts card">
    <dt>PSA</dt>
    <dd>{PSA_LABEL[row.psa]}</dd>
    <dt>Company id</dt>
    <dd>
      {row.companyId}
      {row.identifier ? ` · ${row.identifier}` : ''}
    </dd>
    <dt>State</dt>
    <dd>
      <StateBadge row={row} />
      {row.sharedTenant ? <span class="flag">Tenant mapped to several companies</span> : null}
    </dd>
    {row.mapping ? (
      <>
        <dt>Tenant</dt>
        <dd>
          {row.mapping.tenantName ?? '(name not read yet)'} · <code>{row.mapping.tenantId}</code>
        </dd>
      </>
    ) : null}
  </dl>
);

export function companyPageRoutes(services: Services, directory: CompanyDirectory, sources: SuggestionSources) {
  const app = new Hono<AdminEnv>();
  const defaults = { timeZone: services.config.tap.defaultTimeZone, activationHour: services.config.tap.defaultActivationHour };

  /** The company named by the path, or undefined (an unknown PSA or id is simply not found). */
  const target = async (c: Ctx): Promise<CompanyRow | undefined> => {
    const psa = psaKindSchema.safeParse(c.req.param('psa'));
    const companyId = c.req.param('companyId') ?? '';
    if (!psa.success || !COMPANY_ID.test(companyId)) return undefined;
    return directory.find(psa.data, companyId);
  };

  /**
   * No row for the path. While the PSA's company list has never been read (a first listing runs in the background), the
   * company may well exist: say so and reload, rather than a 404 or a wait for the whole listing.
   */
  const missing = async (c: Ctx) => {
    const psa = psaKindSchema.safeParse(c.req.param('psa'));
    const status = psa.success ? (await directory.listing()).psas.find((s) => s.psa === psa.data) : undefined;
    if (!status || status.listedAt || !status.refreshing) return notFoundPage(c, 'No such company in the PSA, and no mapping for it.');
    c.header('Retry-After', String(RELOAD_AFTER_SECONDS));
    return c.html(
      <Layout title="Company" session={c.get('session')} section="companies">
        <ListingNotices psas={[status]} reloadHref={c.req.path} />
        <p>
          <a href="/admin/companies">Back to the companies</a>
        </p>
      </Layout>,
      503,
    );
  };

  const editPage = async (c: Ctx, row: CompanyRow, values: RawRuleFields, errors: FieldErrors, status: 200 | 400 = 200) => {
    const session = c.get('session')!;
    const suggestions = row.state === 'unmapped' ? await sources.suggest([row]) : undefined;
    return c.html(
      <Layout title={row.name} session={session} section="companies">
        <p class="links">
          <a href="/admin/companies">← All companies</a> · <a href={`/admin/audit?company=${encodeURIComponent(`${row.psa}:${row.companyId}`)}`}>Audit trail of this company</a>
        </p>
        <CompanyFacts row={row} />
        {suggestions ? <SuggestionList session={session} row={row} batch={suggestions} /> : null}
        <RulesForm session={session} psa={row.psa} companyId={row.companyId} values={values} errors={errors} mapped={Boolean(row.mapping)} />
        {row.mapping ? (
          <div class="card actions">
            <form method="post" action={`${companyHref(row)}/test`}>
              <CsrfInput session={session} />
              <button type="submit" class="secondary">
                Test connection again
              </button>
            </form>
            <form method="post" action={`${companyHref(row)}/delete`} data-confirm={`Delete the mapping of ${row.name}? Passes will be refused for it.`}>
              <CsrfInput session={session} />
              <button type="submit" class="danger">
                Delete mapping
              </button>
            </form>
          </div>
        ) : null}
      </Layout>,
      status,
    );
  };

  const save = async (c: Ctx, row: CompanyRow, raw: RawRuleFields, booleans: { usable_once: boolean; allow_privileged: boolean; enabled: boolean }) => {
    const parsed = parseRuleFields(raw, { config: services.config, booleans });
    if (!parsed.ok) return editPage(c, row, raw, parsed.errors, 400);
    const result = await saveMapping(services, { psa: row.psa, companyId: row.companyId, companyName: row.company?.name ?? row.name }, parsed.value);
    if (!result.ok) return editPage(c, row, raw, result.errors, 400);
    const updated = (await directory.find(row.psa, row.companyId)) ?? row;
    return c.html(
      <Layout title={row.name} session={c.get('session')} section="companies">
        <Notice kind="ok">{result.created ? `${row.name} is now mapped to ${result.mapping.tenantName ?? result.mapping.tenantId}.` : 'The mapping was saved.'}</Notice>
        <SharedTenantWarning others={result.sharedWith} />
        <ConnectionResult test={result.test} />
        <CompanyFacts row={updated} />
        <p class="links">
          <a href={companyHref(row)}>Edit the rules</a> · <a href="/admin/companies">Back to the companies</a> ·{' '}
          <a href="/admin/companies?state=unmapped">Next unmapped company</a>
        </p>
      </Layout>,
    );
  };

  app.get('/admin/companies/:psa/:companyId', async (c) => {
    const row = await target(c);
    if (!row) return missing(c);
    return editPage(c, row, formValuesOf(row.mapping, defaults), {});
  });

  app.post('/admin/companies/:psa/:companyId', async (c) => {
    const row = await target(c);
    if (!row) return missing(c);
    // Unticked checkboxes are absent from a form post: absent means off.
    return save(c, row, rawRuleFields(await c.req.parseBody()), { usable_once: false, allow_privileged: false, enabled: false });
  });

  /** Accepting a suggestion maps with the default rules; the admin can refine them on the result's edit link. */
  app.post('/admin/companies/:psa/:companyId/accept', async (c) => {
    const row = await target(c);
    if (!row) return missing(c);
    const form = await c.req.parseBody();
    const raw: RawRuleFields = { ...formValuesOf(row.mapping, defaults), tenant: typeof form.tenant === 'string' ? form.tenant : '' };
    return save(c, row, raw, { usable_once: true, allow_privileged: false, enabled: true });
  });

  app.post('/admin/companies/:psa/:companyId/test', async (c) => {
    const row = await target(c);
    if (!row?.mapping) return notFoundPage(c, 'This company is not mapped.');
    const test = await testConnection(services, row.mapping.tenantId);
    return c.html(
      <Layout title={row.name} session={c.get('session')} section="companies">
        <ConnectionResult test={test} />
        <p class="links">
          <a href={companyHref(row)}>Back to {row.name}</a>
        </p>
      </Layout>,
    );
  });

  app.post('/admin/companies/:psa/:companyId/delete', async (c) => {
    const row = await target(c);
    if (!row?.mapping) return notFoundPage(c, 'This company is not mapped.');
    services.mappings.remove(row.psa, row.companyId);
    services.logger.info({ psa: row.psa, companyId: row.companyId, via: 'admin' }, 'mapping deleted');
    return c.redirect('/admin/companies?saved=deleted', 303);
  });

  return app;
}
