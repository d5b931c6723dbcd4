/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { Flag, SandboxPage, sendPage, TicketEntry, TicketFields, TicketListPage, TicketNotFoundPage, ticketIdFrom, type SandboxPsa } from '../ticket-page-layout.js';
import type { HaloState } from './state.js';

/**
 * The simulated Halo's own screens: a ticket list and a ticket page (fields, status, and every action with its flags,
 * newest first, refreshing). The ticket page answers at `/ticket?id=`, where the admin Audit page links
 * (src/http/admin/ticket-links.ts) — outside `/api` and `/auth`.
 */
export const HALO_TICKET_PAGE_PATH = '/ticket';
export const HALO_TICKET_LIST_PATH = '/sandbox/tickets';

const PSA: SandboxPsa = { product: 'HaloPSA', brand: '#3b2a6b', listHref: HALO_TICKET_LIST_PATH };

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
    return sendPage(
      c,
      <TicketListPage
        psa={PSA}
        title="Tickets"
        intro="Most recent action first. Private actions include the connector's pass and refusal notes."
        columns={['Ticket', 'Client', 'Type · status', 'Private actions', 'Last action (UTC)']}
        rows={tickets.map((t) => ({
          id: t.id,
          href: `${HALO_TICKET_PAGE_PATH}?id=${t.id}`,
          summary: t.summary,
          cells: [t.client_name || '—', `${typeName(t.tickettype_id)} · ${statusName(t.status_id)}`, String(state.actions(t.id).filter((a) => a.hiddenfromuser).length)],
          updated: t.lastactiondate.replace('T', ' ').slice(0, 19),
        }))}
      />,
    );
  });

  app.get(HALO_TICKET_PAGE_PATH, (c) => {
    const raw = c.req.query('id') ?? '';
    const id = ticketIdFrom(raw);
    const ticket = id === undefined ? undefined : (state.ticketJson(id) as TicketJson | undefined);
    if (!ticket) return sendPage(c, <TicketNotFoundPage psa={PSA} message={`There is no ticket ${raw || '(no id)'} in the simulated Halo.`} />, 404);
    const actions = [...state.actions(ticket.id)].reverse();
    const fields = [
      { label: 'Client', value: `${ticket.client_name} (id ${ticket.client_id})` },
      { label: 'User', value: ticket.user_name ? `${ticket.user_name}${ticket.user_email ? ` <${ticket.user_email}>` : ''}` : '—' },
      { label: 'Ticket type', value: typeName(ticket.tickettype_id) },
      { label: 'Status', value: statusName(ticket.status_id), testId: 'status' },
      ...ticket.customfields.map((f) => ({ label: f.label, value: f.display || '—' })),
      { label: 'Logged · last action (UTC)', value: `${ticket.dateoccurred} · ${ticket.lastactiondate}` },
    ];
    return sendPage(
      c,
      <SandboxPage title={`Ticket #${ticket.id} — ${ticket.summary}`} {...PSA}>
        <TicketFields fields={fields} />
        <h2>{`Actions (${actions.length}), newest first`}</h2>
        {actions.length === 0 ? <p class="muted">No actions yet.</p> : null}
        {actions.map((a) => (
          <TicketEntry
            kind="action"
            id={a.id}
            isPrivate={a.hiddenfromuser}
            at={a.datetime}
            by={a.who}
            flags={
              <>
                <span>{`outcome ${a.outcome_id} (${a.outcome})`}</span>
                <Flag name="Private" on={a.hiddenfromuser} />
                <Flag name="E-mail sent" on={a.sendemail} />
                {a.new_status !== undefined ? <span>{`status → ${statusName(a.new_status)}`}</span> : null}
              </>
            }
          >
            {/* The action's HTML as Halo would show it, in a frame that may run nothing. */}
            <iframe sandbox="" title={`Action ${a.id}`} srcdoc={`<!doctype html><meta charset="utf-8"><style>body{font:15px/1.45 system-ui,sans-serif;margin:.6rem .9rem}</style>${a.note_html}`}></iframe>
          </TicketEntry>
        ))}
      </SandboxPage>,
    );
  });
  return app;
}
