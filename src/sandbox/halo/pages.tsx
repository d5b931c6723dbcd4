/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { Flag, PAGE_HEADERS, SandboxPage } from '../ticket-page-layout.js';
import type { HaloState } from './state.js';

/**
 * The simulated Halo's own screens: a ticket list and a ticket page (fields, status, and every action with its flags,
 * newest first, refreshing). The ticket page answers at `/ticket?id=`, where the admin Audit page links
 * (src/http/admin/ticket-links.ts) — outside `/api` and `/auth`.
 */
export const HALO_TICKET_PAGE_PATH = '/ticket';
export const HALO_TICKET_LIST_PATH = '/sandbox/tickets';

const BRAND = '#3b2a6b';
const PRODUCT = 'HaloPSA';

type TicketJson = {
  id: number;
  summary: string;
  client_id: number;
  client_name: string;
  user_name: string;
  user_email: string;
  status_id: number;
  tickettype_id: number;
  dateoccurred: string;
  lastactiondate: string;
  customfields: { label: string; name: string; display: string }[];
};

export function haloPages(state: HaloState): Hono {
  const app = new Hono();
  const statusName = (id: number) => state.statuses.find((s) => s.id === id)?.name ?? `status ${id}`;
  const typeName = (id: number) => state.requestTypes.find((t) => t.id === id)?.name ?? `type ${id}`;

  app.get(HALO_TICKET_LIST_PATH, (c) => {
    const tickets = (state.ticketList() as unknown as TicketJson[]).sort((a, b) => b.lastactiondate.localeCompare(a.lastactiondate) || b.id - a.id);
    return c.html(
      <SandboxPage title="Tickets" product={PRODUCT} brand={BRAND} listHref={HALO_TICKET_LIST_PATH}>
        <p class="muted">Most recent action first. Private actions include the connector's pass and refusal notes.</p>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Ticket</th>
                <th scope="col">Client</th>
                <th scope="col">Type · status</th>
                <th scope="col">Private actions</th>
                <th scope="col">Last action (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {tickets.map((t) => (
                <tr>
                  <td>
                    <a href={`${HALO_TICKET_PAGE_PATH}?id=${t.id}`}>{`#${t.id}`}</a> {t.summary}
                  </td>
                  <td>{t.client_name || '—'}</td>
                  <td>{`${typeName(t.tickettype_id)} · ${statusName(t.status_id)}`}</td>
                  <td>{String(state.actions(t.id).filter((a) => a.hiddenfromuser).length)}</td>
                  <td class="nowrap">{t.lastactiondate.replace('T', ' ').slice(0, 19)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </SandboxPage>,
      200,
      PAGE_HEADERS,
    );
  });

  app.get(HALO_TICKET_PAGE_PATH, (c) => {
    const raw = c.req.query('id') ?? '';
    const ticket = /^\d{1,12}$/.test(raw) ? (state.ticketJson(Number(raw)) as TicketJson | undefined) : undefined;
    if (!ticket) {
      return c.html(
        <SandboxPage title="Ticket not found" product={PRODUCT} brand={BRAND} listHref={HALO_TICKET_LIST_PATH} refresh={false}>
          <p>{`There is no ticket ${raw || '(no id)'} in the simulated Halo.`}</p>
        </SandboxPage>,
        404,
        PAGE_HEADERS,
      );
    }
    const actions = [...state.actions(ticket.id)].reverse();
    return c.html(
      <SandboxPage title={`Ticket #${ticket.id} — ${ticket.summary}`} product={PRODUCT} brand={BRAND} listHref={HALO_TICKET_LIST_PATH}>
        <section class="card" aria-label="Ticket fields">
          <dl class="fields">
            <dt>Client</dt>
            <dd>{`${ticket.client_name} (id ${ticket.client_id})`}</dd>
            <dt>User</dt>
            <dd>{ticket.user_name ? `${ticket.user_name}${ticket.user_email ? ` <${ticket.user_email}>` : ''}` : '—'}</dd>
            <dt>Ticket type</dt>
            <dd>{typeName(ticket.tickettype_id)}</dd>
            <dt>Status</dt>
            <dd data-testid="status">{statusName(ticket.status_id)}</dd>
            {ticket.customfields.map((f) => (
              <>
                <dt>{f.label}</dt>
                <dd>{f.display || '—'}</dd>
              </>
            ))}
            <dt>Logged · last action (UTC)</dt>
            <dd>{`${ticket.dateoccurred} · ${ticket.lastactiondate}`}</dd>
          </dl>
        </section>
        <h2>{`Actions (${actions.length}), newest first`}</h2>
        {actions.length === 0 ? <p class="muted">No actions yet.</p> : null}
        {actions.map((a) => (
          <article class={a.hiddenfromuser ? 'entry private' : 'entry'} data-action-id={String(a.id)}>
            <div class="meta">
              <strong>{`#${a.id}`}</strong>
              <span class="nowrap">{a.datetime}</span>
              <span>{`by ${a.who}`}</span>
              <span>{`outcome ${a.outcome_id} (${a.outcome})`}</span>
              <Flag name="Private" on={a.hiddenfromuser} />
              <Flag name="E-mail sent" on={a.sendemail} />
              {a.new_status !== undefined ? <span>{`status → ${statusName(a.new_status)}`}</span> : null}
            </div>
            {/* The action's HTML as Halo would show it, in a frame that may run nothing. */}
            <iframe sandbox="" title={`Action ${a.id}`} srcdoc={`<!doctype html><meta charset="utf-8"><style>body{font:15px/1.45 system-ui,sans-serif;margin:.6rem .9rem}</style>${a.note_html}`}></iframe>
          </article>
        ))}
      </SandboxPage>,
      200,
      PAGE_HEADERS,
    );
  });
  return app;
}
