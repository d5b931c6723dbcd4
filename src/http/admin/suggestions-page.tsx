/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import type { Services } from '../../services.js';
import { ListingNotices, PSA_LABEL, companyHref } from './companies-list.js';
import type { CompanyDirectory, CompanyListing, CompanyRow } from './company-directory.js';
import { ADMIN_PAGE_SIZE, pageNumber, type AdminEnv } from './context.js';
import { CsrfInput, Layout, Notice, Pager, query } from './layout.js';
import type { AdminSession } from './sessions.js';
import { rowKey, type SuggestionBatch, type SuggestionSources } from './suggestion-sources.js';
import type { SuggestionReason, TenantSuggestion } from './suggestions.js';

const reasonText = (r: SuggestionReason) =>
  r.kind === 'psa-tenant-id'
    ? 'the PSA already records this tenant id for the company'
    : r.kind === 'email-domain'
      ? `contacts use ${r.domain}, a verified domain of this tenant`
      : `name “${r.tenantName}” is ${Math.round(r.similarity * 100)} % similar`;

/** One candidate with its evidence and an Accept button. Accepting posts the tenant id; nothing is mapped otherwise. */
const SuggestionItem: FC<{ session: AdminSession; row: CompanyRow; s: TenantSuggestion }> = ({ session, row, s }) => (
  <li class="suggestion">
    <div>
      <strong>{s.tenantName ?? s.tenantId}</strong>
      {s.tenantName ? <span class="sub">{s.tenantId}</span> : null}
      <ul class="reasons">
        {s.reasons.map((r) => (
          <li>{reasonText(r)}</li>
        ))}
      </ul>
      {s.alreadyMappedTo.length ? <span class="flag">{`Already mapped to ${s.alreadyMappedTo.join(', ')}`}</span> : null}
    </div>
    <form method="post" action={`${companyHref(row)}/accept`}>
      <CsrfInput session={session} />
      <input type="hidden" name="tenant" value={s.tenantId} />
      <button type="submit" aria-label={`Map ${row.name} to ${s.tenantName ?? s.tenantId}`}>
        Accept
      </button>
    </form>
  </li>
);

export const SuggestionList: FC<{ session: AdminSession; row: CompanyRow; batch: SuggestionBatch }> = ({ session, row, batch }) => {
  const list = batch.byCompany.get(rowKey(row)) ?? [];
  return (
    <section class="card" aria-labelledby="suggestions-heading">
      <h2 id="suggestions-heading">Suggested tenants</h2>
      {batch.notes.map((n) => (
        <p class="muted">{n}</p>
      ))}
      {list.length ? (
        <ul class="suggestions">
          {list.map((s) => (
            <SuggestionItem session={session} row={row} s={s} />
          ))}
        </ul>
      ) : (
        <p>No likely tenant found. Enter the customer's domain below.</p>
      )}
    </section>
  );
};

/**
 * Ranking every unmapped company against the partner list takes seconds at 10,000 companies per PSA: the ranked list is
 * kept for paging while the companies and mappings are unchanged, for as long as the partner list itself is kept.
 */
export const SUGGESTIONS_REUSE_MS = 5 * 60 * 1000;

interface RankedSuggestions {
  version: string;
  at: number;
  batch: SuggestionBatch;
  unmapped: number;
  withSuggestions: CompanyRow[];
}

export function suggestionsPageRoutes(services: Services, directory: CompanyDirectory, sources: SuggestionSources) {
  const app = new Hono<AdminEnv>();
  let last: RankedSuggestions | undefined;

  const ranked = async (): Promise<{ listing: CompanyListing; ranked: RankedSuggestions }> => {
    const listing = await directory.listing();
    const now = services.now().getTime();
    if (last?.version === listing.version && now - last.at < SUGGESTIONS_REUSE_MS) return { listing, ranked: last };
    const candidates = listing.filter('', 'unmapped', undefined);
    const unmapped = candidates.slice(0, candidates.length).filter((r) => r.company);
    const batch = await sources.suggest(unmapped);
    const withSuggestions = unmapped.filter((r) => batch.byCompany.has(rowKey(r)));
    // Best evidence first, so the admin can work down the list and stop when the matches get weak.
    withSuggestions.sort((a, b) => batch.byCompany.get(rowKey(b))![0]!.score - batch.byCompany.get(rowKey(a))![0]!.score);
    const result = { version: listing.version, at: now, batch, unmapped: unmapped.length, withSuggestions };
    last = batch.complete ? result : undefined;
    return { listing, ranked: result };
  };

  app.get('/admin/suggestions', async (c) => {
    const session = c.get('session')!;
    const page = pageNumber(c.req.query('page'));
    const { listing, ranked: r } = await ranked();
    const { batch, withSuggestions } = r;
    const shown = withSuggestions.slice((page - 1) * ADMIN_PAGE_SIZE, page * ADMIN_PAGE_SIZE);
    return c.html(
      <Layout title="Suggestions" session={session} section="suggestions">
        <p>
          Tenants proposed for unmapped companies, from your partner (GDAP) customers by name, from the domains of the companies'
          contacts, and from tenant ids the PSA already holds. Nothing is mapped until you accept.
        </p>
        <ListingNotices psas={listing.psas} reloadHref={`/admin/suggestions${query({ page: page > 1 ? page : undefined })}`} />
        {batch.notes.map((n) => (
          <Notice kind="info">{n}</Notice>
        ))}
        <p class="summary">{`${withSuggestions.length} of ${r.unmapped} unmapped companies have a suggestion.`}</p>
        {shown.map((row) => (
          <section class="card" aria-label={row.name}>
            <h2>
              <a href={companyHref(row)}>{row.name}</a> <span class="sub">{PSA_LABEL[row.psa]}</span>
            </h2>
            <ul class="suggestions">
              {batch.byCompany.get(rowKey(row))!.map((s) => (
                <SuggestionItem session={session} row={row} s={s} />
              ))}
            </ul>
          </section>
        ))}
        <Pager page={page} pageSize={ADMIN_PAGE_SIZE} total={withSuggestions.length} href={(p) => `/admin/suggestions${query({ page: p })}`} />
      </Layout>,
    );
  });
  return app;
}
