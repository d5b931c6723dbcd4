/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { Flag, SandboxPage, sendPage, TicketEntry, TicketFields, TicketListPage, TicketNotFoundPage, ticketIdFrom, type SandboxPsa } from '../ticket-page-layout.js';
import type { ConnectWiseState } from './state.js';

/**
 * The simulated ConnectWise's own screens: a ticket list and a Service Ticket page (fields, status, and every note with
 * its flags, newest first, refreshing). The ticket page answers at the path the real Manage UI opens a ticket at (the
 * admin Audit page links there, src/http/admin/ticket-links.ts), outside the `{codebase}apis/3.0` API.
 */
export const CW_TICKET_PAGE_PATH = '/v4_6_release/services/system_io/Service/fv_sr100_request.rails';
export const CW_TICKET_LIST_PATH = '/sandbox/tickets';

const PSA: SandboxPsa = { product: 'ConnectWise PSA', brand: '#0a3d62', listHref: CW_TICKET_LIST_PATH };

type TicketJson = {
  id: number;
  summary: string;
  board?: { name: string };
  status?: { name: string };
  type?: { name: string };
  company?: { id: number; name: string; identifier: string };
  contact?: { name: string };
  contactEmailAddress?: string;
  customFields: { caption: string; value?: string }[];
  _info: { lastUpdated: string; dateEntered: string };
};

const ticketHref = (id: number) => `${CW_TICKET_PAGE_PATH}?service_recid=${id}`;

export function connectWisePages(state: ConnectWiseState): Hono {
  const app = new Hono();

  app.get(CW_TICKET_LIST_PATH, (c) => {
    const tickets = (state.ticketList() as unknown as TicketJson[]).sort((a, b) => b._info.lastUpdated.localeCompare(a._info.lastUpdated) || b.id - a.id);
    return sendPage(
      c,
      <TicketListPage
        psa={PSA}
        title="Service tickets"
        intro="Most recently updated first. Internal notes count the connector's pass and refusal notes."
        columns={['Ticket', 'Company', 'Board · status', 'Internal notes', 'Updated (UTC)']}
        rows={tickets.map((t) => ({
          id: t.id,
          href: ticketHref(t.id),
          summary: t.summary,
          cells: [t.company?.name ?? '—', `${t.board?.name ?? '—'} · ${t.status?.name ?? '—'}`, String(state.notes(t.id).filter((n) => n.internalAnalysisFlag).length)],
          updated: t._info.lastUpdated.replace('T', ' ').replace('Z', ''),
        }))}
      />,
    );
  });

  app.get(CW_TICKET_PAGE_PATH, (c) => {
    const raw = c.req.query('service_recid') ?? '';
    const id = ticketIdFrom(raw);
    const ticket = id === undefined ? undefined : (state.ticketJson(id) as TicketJson | undefined);
    if (!ticket) return sendPage(c, <TicketNotFoundPage psa={PSA} message={`There is no service ticket ${raw || '(no id)'} in the simulated ConnectWise.`} />, 404);
    const notes = [...state.notes(ticket.id)].reverse();
    const fields = [
      { label: 'Company', value: ticket.company ? `${ticket.company.name} (${ticket.company.identifier}, id ${ticket.company.id})` : '—' },
      { label: 'Contact', value: ticket.contact ? `${ticket.contact.name}${ticket.contactEmailAddress ? ` <${ticket.contactEmailAddress}>` : ''}` : '—' },
      { label: 'Board', value: ticket.board?.name ?? '—' },
      { label: 'Status', value: ticket.status?.name ?? '—', testId: 'status' },
      { label: 'Type', value: ticket.type?.name ?? '—' },
      ...ticket.customFields.map((f) => ({ label: f.caption, value: f.value ?? '—' })),
      { label: 'Entered · updated (UTC)', value: `${ticket._info.dateEntered} · ${ticket._info.lastUpdated}` },
    ];
    return sendPage(
      c,
      <SandboxPage title={`Service Ticket #${ticket.id} — ${ticket.summary}`} {...PSA}>
        <TicketFields fields={fields} />
        <h2>{`Notes (${notes.length}), newest first`}</h2>
        {notes.map((n) => (
          <TicketEntry
            kind="note"
            id={n.id}
            isPrivate={n.internalAnalysisFlag}
            at={n.dateCreated}
            by={n.createdBy}
            flags={
              <>
                <Flag name="Discussion" on={n.detailDescriptionFlag} />
                <Flag name="Internal" on={n.internalAnalysisFlag} />
                <Flag name="Resolution" on={n.resolutionFlag} />
                <Flag name="E-mail sent" on={n.processNotifications} />
              </>
            }
          >
            <pre>{n.text}</pre>
          </TicketEntry>
        ))}
      </SandboxPage>,
    );
  });
  return app;
}
