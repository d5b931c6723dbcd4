/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { Flag, PAGE_HEADERS, SandboxPage } from '../ticket-page-layout.js';
import type { ConnectWiseState } from './state.js';

/**
 * The simulated ConnectWise's own screens: a ticket list and a Service Ticket page (fields, status, and every note with
 * its flags, newest first, refreshing). The ticket page answers at the path the real Manage UI opens a ticket at (the
 * admin Audit page links there, src/http/admin/ticket-links.ts), outside the `{codebase}apis/3.0` API.
 */
export const CW_TICKET_PAGE_PATH = '/v4_6_release/services/system_io/Service/fv_sr100_request.rails';
export const CW_TICKET_LIST_PATH = '/sandbox/tickets';

const BRAND = '#0a3d62';
const PRODUCT = 'ConnectWise PSA';

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
    return c.html(
      <SandboxPage title="Service tickets" product={PRODUCT} brand={BRAND} listHref={CW_TICKET_LIST_PATH}>
        <p class="muted">Most recently updated first. Internal notes count the connector's pass and refusal notes.</p>
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Ticket</th>
                <th scope="col">Company</th>
                <th scope="col">Board · status</th>
                <th scope="col">Internal notes</th>
                <th scope="col">Updated (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {tickets.map((t) => (
                <tr>
                  <td>
                    <a href={ticketHref(t.id)}>{`#${t.id}`}</a> {t.summary}
                  </td>
                  <td>{t.company?.name ?? '—'}</td>
                  <td>{`${t.board?.name ?? '—'} · ${t.status?.name ?? '—'}`}</td>
                  <td>{String(state.notes(t.id).filter((n) => n.internalAnalysisFlag).length)}</td>
                  <td class="nowrap">{t._info.lastUpdated.replace('T', ' ').replace('Z', '')}</td>
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

  app.get(CW_TICKET_PAGE_PATH, (c) => {
    const raw = c.req.query('service_recid') ?? '';
    const ticket = /^\d{1,12}$/.test(raw) ? (state.ticketJson(Number(raw)) as TicketJson | undefined) : undefined;
    if (!ticket) {
      return c.html(
        <SandboxPage title="Ticket not found" product={PRODUCT} brand={BRAND} listHref={CW_TICKET_LIST_PATH} refresh={false}>
          <p>{`There is no service ticket ${raw || '(no id)'} in the simulated ConnectWise.`}</p>
        </SandboxPage>,
        404,
        PAGE_HEADERS,
      );
    }
    const notes = [...state.notes(ticket.id)].reverse();
    return c.html(
      <SandboxPage title={`Service Ticket #${ticket.id} — ${ticket.summary}`} product={PRODUCT} brand={BRAND} listHref={CW_TICKET_LIST_PATH}>
        <section class="card" aria-label="Ticket fields">
          <dl class="fields">
            <dt>Company</dt>
            <dd>{ticket.company ? `${ticket.company.name} (${ticket.company.identifier}, id ${ticket.company.id})` : '—'}</dd>
            <dt>Contact</dt>
            <dd>{ticket.contact ? `${ticket.contact.name}${ticket.contactEmailAddress ? ` <${ticket.contactEmailAddress}>` : ''}` : '—'}</dd>
            <dt>Board</dt>
            <dd>{ticket.board?.name ?? '—'}</dd>
            <dt>Status</dt>
            <dd data-testid="status">{ticket.status?.name ?? '—'}</dd>
            <dt>Type</dt>
            <dd>{ticket.type?.name ?? '—'}</dd>
            {ticket.customFields.map((f) => (
              <>
                <dt>{f.caption}</dt>
                <dd>{f.value ?? '—'}</dd>
              </>
            ))}
            <dt>Entered · updated (UTC)</dt>
            <dd>{`${ticket._info.dateEntered} · ${ticket._info.lastUpdated}`}</dd>
          </dl>
        </section>
        <h2>{`Notes (${notes.length}), newest first`}</h2>
        {notes.map((n) => (
          <article class={n.internalAnalysisFlag ? 'entry private' : 'entry'} data-note-id={String(n.id)}>
            <div class="meta">
              <strong>{`#${n.id}`}</strong>
              <span class="nowrap">{n.dateCreated}</span>
              <span>{`by ${n.createdBy}`}</span>
              <Flag name="Discussion" on={n.detailDescriptionFlag} />
              <Flag name="Internal" on={n.internalAnalysisFlag} />
              <Flag name="Resolution" on={n.resolutionFlag} />
              <Flag name="E-mail sent" on={n.processNotifications} />
            </div>
            <pre>{n.text}</pre>
          </article>
        ))}
      </SandboxPage>,
      200,
      PAGE_HEADERS,
    );
  });
  return app;
}
