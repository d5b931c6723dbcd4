/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { IssuanceFilter } from '../../db/issuances.js';
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

/** The audit trail. The issuances table has no column for the pass, so nothing here can show one. */
export function auditRoutes(services: Services) {
  const app = new Hono<AdminEnv>();
  app.get('/admin/audit', (c) => {
    const companyRaw = c.req.query('company') ?? '';
    const [psaRaw, companyId] = companyRaw.split(':', 2);
    const mappings = services.mappings.list();
    const company = mappings.find((m) => m.psa === psaRaw && m.companyId === companyId);
    const user = (c.req.query('user') ?? '').trim().slice(0, 200);
    const outcome = OUTCOMES.find((o) => o === c.req.query('outcome'));
    const from = validDate(c.req.query('from'));
    const to = validDate(c.req.query('to'));
    const page = pageNumber(c.req.query('page'));
    const filter: IssuanceFilter = {
      ...(company ? { psa: company.psa, companyId: company.companyId } : {}),
      ...(user ? { user } : {}),
      ...(outcome ? { outcome } : {}),
      // Dates are whole UTC days, matching the UTC times shown in the table.
      ...(from ? { from: `${from}T00:00:00.000Z` } : {}),
      ...(to ? { to: `${to}T23:59:59.999Z` } : {}),
    };
    const { rows, total } = services.issuances.list(filter, { limit: ADMIN_PAGE_SIZE, offset: (page - 1) * ADMIN_PAGE_SIZE });
    const params = { company: company ? companyRaw : undefined, user, outcome, from, to };
    return c.html(
      <Layout title="Audit" session={c.get('session')} section="audit">
        <form method="get" action="/admin/audit" class="filters card" role="search">
          <div class="field">
            <label for="company">Company</label>
            <select id="company" name="company">
              <option value="">All companies</option>
              {mappings.map((m) => (
                <option value={`${m.psa}:${m.companyId}`} selected={m === company}>
                  {`${m.companyName || m.companyId} (${PSA_LABEL[m.psa]})`}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="user">User</label>
            <input id="user" name="user" type="search" value={user} placeholder="UPN contains" />
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
              const zone = mappings.find((m) => m.psa === r.psa && m.companyId === r.companyId)?.timeZone ?? services.config.tap.defaultTimeZone;
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
        <Pager page={page} pageSize={ADMIN_PAGE_SIZE} total={total} href={(p) => `/admin/audit${query({ ...params, page: p })}`} />
      </Layout>,
    );
  });
  return app;
}
