/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { cleanSearchText, searchable, SEARCH_MIN_CHARS } from '../../db/audit-search.js';
import type { IssuanceFilter } from '../../db/issuances.js';
import { PSA_KINDS, type PsaKind } from '../../domain.js';
import type { Services } from '../../services.js';
import { PSA_LABEL } from './companies-list.js';
import { ADMIN_PAGE_SIZE, pageNumber, type AdminEnv } from './context.js';
import { Layout, LocalTime, Pager, query } from './layout.js';
import { explainOutcome } from './outcome-explanations.js';
import { ticketUrl } from './ticket-links.js';

// The lifecycle events of a pass (issue 12) are outcomes of their own, each row with its sentence.
const OUTCOMES = ['issued', 'refused', 'failed', 'revoked', 'replaced', 'rescheduled', 'cancelled', 'enrolled', 'expired'] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (v: string | undefined) => (v && DATE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ? v : undefined);

/** `connectwise:19300` / `halo:12`: one company exactly (links from other pages, a picked suggestion). */
function exactCompany(text: string): { psa: PsaKind; companyId: string } | undefined {
  const colon = text.indexOf(':');
  const psa = PSA_KINDS.find((p) => p === text.slice(0, colon));
  const companyId = text.slice(colon + 1).trim();
  return colon > 0 && psa && companyId ? { psa, companyId } : undefined;
}

/** Pages when the matches were counted only up to a cap: "more than N", and a next page while pages come back full. */
const CappedPager: FC<{ page: number; full: boolean; total: number; href: (page: number) => string }> = ({ page, full, total, href }) => (
  <nav class="pager" aria-label="Pages">
    {page > 1 ? <a href={href(page - 1)}>← Previous</a> : <span aria-hidden="true">← Previous</span>}
    <span>{`Page ${page} (more than ${total.toLocaleString('en-US')} in all; narrow the search to count them)`}</span>
    {full ? <a href={href(page + 1)}>Next →</a> : <span aria-hidden="true">Next →</span>}
  </nav>
);

/** The audit trail. The issuances table has no column for the pass, so nothing here can show one. */
export function auditRoutes(services: Services) {
  const app = new Hono<AdminEnv>();
  app.get('/admin/audit', (c) => {
    const companyText = cleanSearchText(c.req.query('company') ?? '');
    // `psa:companyId` (what a suggestion or another page's link puts here) picks exactly one company.
    const exact = exactCompany(companyText);
    const exactMapping = exact ? services.mappings.get(exact.psa, exact.companyId) : undefined;
    const user = cleanSearchText(c.req.query('user') ?? '');
    const userTooShort = user !== '' && !searchable(user);
    const outcome = OUTCOMES.find((o) => o === c.req.query('outcome'));
    const from = validDate(c.req.query('from'));
    const to = validDate(c.req.query('to'));
    const page = pageNumber(c.req.query('page'));
    const filter: IssuanceFilter = {
      ...(exact ?? (companyText ? { company: companyText } : {})),
      ...(user ? { user } : {}),
      ...(outcome ? { outcome } : {}),
      // Dates are whole UTC days, matching the UTC times shown in the table.
      ...(from ? { from: `${from}T00:00:00.000Z` } : {}),
      ...(to ? { to: `${to}T23:59:59.999Z` } : {}),
    };
    const { rows, total, totalCapped } = services.issuances.list(filter, { limit: ADMIN_PAGE_SIZE, offset: (page - 1) * ADMIN_PAGE_SIZE });
    const params = { company: companyText, user, outcome, from, to };
    // Each row's customer zone, looked up once per company on this page (not the whole mapping list).
    const zones = new Map<string, string>();
    const zoneOf = (psa: PsaKind | null, companyId: string | null): string => {
      const key = `${psa}:${companyId}`;
      let zone = zones.get(key);
      if (zone === undefined) {
        zone = (psa && companyId ? services.mappings.get(psa, companyId)?.timeZone : undefined) ?? services.config.tap.defaultTimeZone;
        zones.set(key, zone);
      }
      return zone;
    };
    return c.html(
      <Layout title="Audit" session={c.get('session')} section="audit">
        <form method="get" action="/admin/audit" class="filters card" role="search">
          <div class="field">
            <label for="company">Company</label>
            <input id="company" name="company" type="search" value={companyText} placeholder="Name or PSA id" autocomplete="off" aria-describedby="audit-search-help" list="company-suggestions" data-suggest="/admin/audit/companies" />
            <datalist id="company-suggestions" />
          </div>
          <div class="field">
            <label for="user">User</label>
            <input id="user" name="user" type="search" value={user} placeholder="Part of the UPN" aria-describedby="audit-search-help" />
          </div>
          <div class="field">
            <label for="outcome">Outcome</label>
            <select id="outcome" name="outcome">
              <option value="">Any</option>
              {OUTCOMES.map((o) => (
                <option value={o} selected={o === outcome}>
                  {o}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="from">From (UTC)</label>
            <input id="from" name="from" type="date" value={from ?? ''} />
          </div>
          <div class="field">
            <label for="to">To (UTC)</label>
            <input id="to" name="to" type="date" value={to ?? ''} />
          </div>
          <button type="submit">Apply</button>
        </form>
        <p id="audit-search-help" class="muted small">
          {`Company: part of its name, or its PSA id (a number); connectwise:<id> or halo:<id> picks exactly one company. User: part of the user principal name. Searches ignore case and need at least ${SEARCH_MIN_CHARS} characters (shorter company text matches a PSA id only).`}
        </p>
        {exact ? (
          <p class="notice info">
            {`Showing one company: ${exactMapping?.companyName || rows[0]?.companyName || 'unnamed'} (${PSA_LABEL[exact.psa]}, id ${exact.companyId}). `}
            <a href={`/admin/audit${query({ ...params, company: undefined })}`}>All companies</a>
          </p>
        ) : null}
        {userTooShort ? <p class="notice warn" role="status">{`Type at least ${SEARCH_MIN_CHARS} characters of the user's name: shorter text cannot be searched, so nothing is shown.`}</p> : null}
        <p class="muted small">Times are in each customer's time zone; hover for UTC. The date filter is in UTC.</p>
        <div class="table-scroll">
        <table class="list audit">
          <caption class="visually-hidden">Temporary Access Pass requests, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When · asked by</th>
              <th scope="col">Ticket</th>
              <th scope="col">User</th>
              <th scope="col">Pass valid</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colspan={5}>Nothing matches.</td>
              </tr>
            ) : null}
            {rows.map((r) => {
              const href = ticketUrl(services.config, r.psa, r.ticketId);
              // Times in the customer's zone (UTC on hover); rows without a mapping fall back to the default zone.
              const zone = zoneOf(r.psa, r.companyId);
              return (
                <tr>
                  <td>
                    <LocalTime iso={r.createdAt} zone={zone} />
                    <span class="sub">{r.requestedBy ?? '—'}</span>
                    {r.requestedBy?.toLowerCase().includes(r.trigger) ? null : <span class="sub">{r.trigger}</span>}
                  </td>
                  <td>
                    {r.ticketId ? href ? <a href={href} target="_blank" rel="noopener noreferrer">{`#${r.ticketId}`}</a> : `#${r.ticketId}` : '—'}
                    <span class="sub">{[r.companyName, r.psa ? PSA_LABEL[r.psa] : undefined].filter(Boolean).join(' · ')}</span>
                  </td>
                  <td>{r.userPrincipalName ?? '—'}</td>
                  <td>
                    <LocalTime iso={r.startAt} zone={zone} />
                    {r.expiresAt ? (
                      <span class="sub">
                        {'until '}
                        <LocalTime iso={r.expiresAt} zone={zone} />
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <span class={`badge outcome-${r.outcome}`}>{r.outcome}</span>
                    <span class="sub">{r.outcomeCode}</span>
                    {r.outcome === 'issued' ? <span class="sub">{`note ${r.noteStatus}`}</span> : null}
                    <span class="explain">{explainOutcome(r)}</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        </div>
        {totalCapped ? (
          <CappedPager page={page} full={rows.length === ADMIN_PAGE_SIZE} total={total} href={(p) => `/admin/audit${query({ ...params, page: p })}`} />
        ) : (
          <Pager page={page} pageSize={ADMIN_PAGE_SIZE} total={total} href={(p) => `/admin/audit${query({ ...params, page: p })}`} />
        )}
      </Layout>,
    );
  });
  // Suggestions for the company box (admin.js fills its datalist as the admin types): bounded, at most 20 companies.
  app.get('/admin/audit/companies', (c) => {
    const seen = new Set<string>();
    const suggestions: { value: string; label: string }[] = [];
    for (const s of services.issuances.suggestCompanies(c.req.query('q') ?? '')) {
      const value = `${s.psa}:${s.companyId}`;
      if (seen.has(value)) continue;
      seen.add(value);
      suggestions.push({ value, label: `${s.companyName} · ${PSA_LABEL[s.psa]} ${s.companyId}` });
    }
    return c.json(suggestions);
  });
  return app;
}
