/** @jsxImportSource hono/jsx */
import { and, eq, inArray } from 'drizzle-orm';
import { Hono } from 'hono';
import type { Db } from '../../db/index.js';
import { pollLedger, scheduledIssuances } from '../../db/schema.js';
import type { PsaKind } from '../../domain.js';
import type { Services } from '../../services.js';
import { PSA_LABEL } from './companies-list.js';
import type { AdminEnv } from './context.js';
import { Layout, LocalTime } from './layout.js';
import { ticketUrl } from './ticket-links.js';

/** Onboarding tickets still in progress, by what they wait for. */
const WAITING = ['scheduled', 'waiting_user', 'needs_input'] as const;
type Waiting = (typeof WAITING)[number];

const STATE_LABEL: Record<Waiting, { label: string; next: string }> = {
  scheduled: { label: 'Scheduled', next: 'The pass is created then, valid from the start date.' },
  waiting_user: { label: 'Waiting for the account', next: 'The connector looks for the account again then.' },
  needs_input: { label: 'Needs input', next: 'Looked at again as soon as the ticket is edited.' },
};

export interface OnboardingRow {
  psa: PsaKind;
  ticketId: string;
  state: Waiting;
  detail: string | null;
  companyId: string | null;
  userPrincipalName: string | null;
  startAt: string | null;
  /** When the connector acts next; null for tickets waiting on a person. */
  nextActionAt: string | null;
  attempts: number;
  updatedAt: string;
}

/** The poller's ledger joined with the scheduler's rows: one row per onboarding ticket still waiting. */
export function listOnboardingQueue(db: Db): OnboardingRow[] {
  const rows = db
    .select({
      psa: pollLedger.psa,
      ticketId: pollLedger.ticketId,
      state: pollLedger.state,
      detail: pollLedger.detail,
      updatedAt: pollLedger.updatedAt,
      companyId: scheduledIssuances.companyId,
      userPrincipalName: scheduledIssuances.userPrincipalName,
      startAt: scheduledIssuances.startAt,
      issueAt: scheduledIssuances.issueAt,
      attempts: scheduledIssuances.attempts,
    })
    .from(pollLedger)
    .leftJoin(scheduledIssuances, and(eq(scheduledIssuances.psa, pollLedger.psa), eq(scheduledIssuances.ticketId, pollLedger.ticketId), eq(scheduledIssuances.state, 'pending')))
    .where(inArray(pollLedger.state, [...WAITING]))
    .all();
  const order: Record<Waiting, number> = { needs_input: 0, waiting_user: 1, scheduled: 2 };
  return rows
    .map((r) => ({
      psa: r.psa,
      ticketId: r.ticketId,
      state: r.state as Waiting,
      detail: r.detail,
      companyId: r.companyId,
      userPrincipalName: r.userPrincipalName,
      startAt: r.startAt,
      nextActionAt: r.state === 'needs_input' ? null : r.issueAt,
      attempts: r.attempts ?? 0,
      updatedAt: r.updatedAt,
    }))
    .sort((a, b) => order[a.state] - order[b.state] || (a.nextActionAt ?? a.updatedAt).localeCompare(b.nextActionAt ?? b.updatedAt));
}

/** "Onboarding": scheduled, waiting-for-account and needs-input tickets with their next action time and a ticket link. */
export function onboardingRoutes(services: Services) {
  const app = new Hono<AdminEnv>();
  app.get('/admin/onboarding', (c) => {
    const rows = listOnboardingQueue(services.storage.db);
    const mappings = services.mappings.list();
    const mappingOf = (psa: PsaKind, companyId: string | null) => (companyId ? mappings.find((m) => m.psa === psa && m.companyId === companyId) : undefined);
    const counts = WAITING.map((s) => `${rows.filter((r) => r.state === s).length} ${STATE_LABEL[s].label.toLowerCase()}`).join(' · ');
    return c.html(
      <Layout title="Onboarding" session={c.get('session')} section="onboarding">
        <p class="summary">{counts}</p>
        <p class="muted small">Times are in each customer's time zone; hover for UTC.</p>
        <div class="table-scroll">
          <table class="list">
            <caption class="visually-hidden">Onboarding tickets waiting for the connector or for a person</caption>
            <thead>
              <tr>
                <th scope="col">Ticket</th>
                <th scope="col">State</th>
                <th scope="col">User</th>
                <th scope="col">Pass valid from</th>
                <th scope="col">Next action</th>
              </tr>
            </thead>
            <tbody>
              {rows.length === 0 ? (
                <tr>
                  <td colspan={5}>No onboarding ticket is waiting.</td>
                </tr>
              ) : null}
              {rows.map((r) => {
                const mapping = mappingOf(r.psa, r.companyId);
                const zone = mapping?.timeZone ?? services.config.tap.defaultTimeZone;
                const href = ticketUrl(services.config, r.psa, r.ticketId);
                return (
                  <tr>
                    <td>
                      {href ? (
                        <a href={href} target="_blank" rel="noopener noreferrer">{`#${r.ticketId}`}</a>
                      ) : (
                        `#${r.ticketId}`
                      )}
                      <span class="sub">{[mapping?.companyName, PSA_LABEL[r.psa]].filter(Boolean).join(' · ')}</span>
                    </td>
                    <td>
                      <span class={`badge onboarding-${r.state}`}>{STATE_LABEL[r.state].label}</span>
                      {/* A scheduled row's ledger detail is its issue time, shown (in local time) under Next action. */}
                      {r.detail && r.state !== 'scheduled' ? <span class="sub">{r.detail}</span> : null}
                    </td>
                    <td>{r.userPrincipalName ?? '—'}</td>
                    <td>
                      <LocalTime iso={r.startAt} zone={zone} />
                    </td>
                    <td>
                      {r.nextActionAt ? <LocalTime iso={r.nextActionAt} zone={zone} /> : 'when the ticket changes'}
                      <span class="sub">{STATE_LABEL[r.state].next}</span>
                      {r.attempts > 0 ? <span class="sub">{`${r.attempts} attempt${r.attempts === 1 ? '' : 's'} so far`}</span> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </Layout>,
    );
  });
  return app;
}
