import { Hono, type Context } from 'hono';
import type { HaloEnv } from './auth.js';
import { requireScope } from './auth.js';
import type { HaloState } from './state.js';

const READ_TICKETS = ['read:tickets', 'edit:tickets'];
const EDIT_TICKETS = ['edit:tickets'];
const READ_CUSTOMERS = ['read:customers', 'edit:customers'];
const DEFAULT_PAGE_SIZE = 50;
/** reference/halopsa.md: the server caps page_size at 100 while record_count still counts every match. */
const MAX_PAGE_SIZE = 100;

export const haloError = (c: Context, status: 400 | 403 | 404, message: string) =>
  c.json({ ClassName: 'System.Exception', Message: message }, status);

/**
 * Query parameters as Halo reads them: known names case-insensitively; anything else is silently ignored, so a
 * misspelt or undocumented filter (e.g. `tickettype_id`) returns everything — the trap the reference warns about.
 */
function params(c: Context) {
  const all = c.req.queries();
  const get = (name: string) => {
    const key = Object.keys(all).find((k) => k.toLowerCase() === name);
    return key ? all[key]?.[0] : undefined;
  };
  const int = (name: string) => {
    const v = get(name);
    return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
  };
  const bool = (name: string) => (get(name) ?? '').toLowerCase() === 'true';
  return { get, int, bool };
}

/** Paging only when `pageinate=true` (Halo's spelling); otherwise every row, with no page fields. */
function paged<T>(c: Context, rows: T[], key: 'tickets' | 'clients' | 'actions'): Response {
  const p = params(c);
  if (!p.bool('pageinate')) return c.json({ record_count: rows.length, [key]: rows });
  const pageSize = Math.min(Math.max(p.int('page_size') ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  const pageNo = Math.max(p.int('page_no') ?? 1, 1);
  return c.json({
    page_no: pageNo,
    page_size: pageSize,
    record_count: rows.length,
    [key]: rows.slice((pageNo - 1) * pageSize, pageNo * pageSize),
  });
}

/** Fields of Halo's Actions schema the sandbox knows (halopsa-api-extract.json), with their JSON types. */
const ACTION_FIELDS: Record<string, 'integer' | 'string' | 'boolean'> = {
  ticket_id: 'integer',
  outcome_id: 'integer',
  outcome: 'string',
  note: 'string',
  note_html: 'string',
  private_note: 'string',
  hiddenfromuser: 'boolean',
  sendemail: 'boolean',
  new_status: 'integer',
  new_status_name: 'string',
};

/**
 * An action with a field the schema lacks, or of the wrong type, is refused. Halo itself may ignore an unknown field
 * (UNCONFIRMED) — which would make a misspelt `hiddenfromuser` publish the note to the end user — so the sandbox refuses
 * it, and the adapter's tests catch the typo.
 */
function actionFieldFault(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'Each action must be a JSON object.';
  for (const [name, value] of Object.entries(item)) {
    const type = ACTION_FIELDS[name];
    if (!type) return `Could not find member '${name}' on object of type 'Actions'.`;
    if (value === null) continue;
    const ok = type === 'integer' ? Number.isInteger(value) : typeof value === type;
    if (!ok) return `Error converting value ${JSON.stringify(value)} to type '${type}'. Path '[0].${name}'.`;
  }
  return undefined;
}

export function haloApiRoutes(state: HaloState): Hono<HaloEnv> {
  const api = new Hono<HaloEnv>();

  api.get('/Tickets', requireScope(READ_TICKETS), (c) => {
    const p = params(c);
    let rows = state.ticketList();
    const eq = (field: string, value: number | undefined) => {
      if (value !== undefined) rows = rows.filter((t) => t[field] === value);
    };
    eq('tickettype_id', p.int('requesttype_id'));
    eq('status_id', p.int('status_id'));
    eq('client_id', p.int('client_id'));
    if (p.bool('open_only')) rows = rows.filter((t) => !state.isClosedStatus(t.status_id as number));
    const search = p.get('search')?.toLowerCase();
    if (search) rows = rows.filter((t) => `${t.summary} ${t.details}`.toLowerCase().includes(search));
    // `datesearch` names the date column; Halo spells the occurred date `dateoccured` (one r).
    // `lastupdatefromdate` (in Halo's API description): tickets changed at or after that UTC time, as the connector's change
    // feed asks (src/psa/halo/connector.ts). A value that is not a date is ignored, as Halo ignores what it cannot read.
    const updatedFrom = Date.parse(`${(p.get('lastupdatefromdate') ?? '').replace(/Z$/, '')}Z`);
    if (!Number.isNaN(updatedFrom) && state.honoursLastUpdateFilter) rows = rows.filter((t) => Date.parse(`${t.lastactiondate as string}Z`) >= updatedFrom);
    const column = { dateoccured: 'dateoccurred', lastactiondate: 'lastactiondate' }[(p.get('datesearch') ?? '').toLowerCase()];
    if (column) {
      const start = Date.parse(p.get('startdate') ?? '');
      const end = Date.parse(p.get('enddate') ?? '');
      const at = (t: Record<string, unknown>) => Date.parse(`${t[column] as string}Z`);
      if (!Number.isNaN(start)) rows = rows.filter((t) => at(t) >= start);
      if (!Number.isNaN(end)) rows = rows.filter((t) => at(t) <= end);
    }
    const order = p.get('order');
    if (order && rows[0] && order in rows[0]) {
      const sign = p.bool('orderdesc') ? -1 : 1;
      rows = [...rows].sort((a, b) => ((a[order] as string | number) < (b[order] as string | number) ? -1 : 1) * sign);
    }
    // List rows carry custom fields only when asked for by id (reference "Tickets"); whether Halo adds them otherwise is
    // unconfirmed, so the sandbox takes the stricter reading and leaves them out.
    const include = p.get('include_custom_fields');
    const ids = new Set((include ?? '').split(',').filter((s) => s.trim() !== '').map((s) => Number(s.trim())));
    rows = rows.map(({ customfields, ...t }) => (include ? { ...t, customfields: (customfields as { id: number }[]).filter((f) => ids.has(f.id)) } : t));
    return paged(c, rows, 'tickets');
  });

  api.get('/Tickets/:id', requireScope(READ_TICKETS), (c) => {
    const ticket = /^\d+$/.test(c.req.param('id')) ? state.ticketJson(Number(c.req.param('id'))) : undefined;
    if (!ticket) return haloError(c, 404, `Ticket ${c.req.param('id')} not found.`);
    // `includedetails=true` adds the "extra objects" (Halo's spec); whether custom fields come without it is
    // unconfirmed, so here they do not (reference/specs/README.md).
    if (!params(c).bool('includedetails')) delete ticket.customfields;
    return c.json(ticket);
  });

  api.get('/Client', requireScope(READ_CUSTOMERS), (c) => {
    const p = params(c);
    let rows = state.clients.filter((x) => p.bool('includeinactive') || !x.inactive);
    const search = p.get('search')?.toLowerCase();
    if (search) rows = rows.filter((x) => x.name.toLowerCase().includes(search));
    return paged(c, rows, 'clients');
  });

  api.get('/Actions', requireScope(READ_TICKETS), (c) => {
    const p = params(c);
    const ticketId = p.int('ticket_id');
    const ticketIds = ticketId !== undefined ? [ticketId] : state.ticketList().map((t) => t.id as number);
    let rows = ticketIds.flatMap((id) => state.actions(id));
    if (p.bool('excludeprivate')) rows = rows.filter((a) => !a.hiddenfromuser);
    return paged(c, rows, 'actions');
  });

  api.post('/Actions', requireScope(EDIT_TICKETS), async (c) => {
    const body = await c.req.json().catch(() => undefined);
    // reference/halopsa.md: POST bodies are JSON arrays, even for one action.
    if (!Array.isArray(body)) return haloError(c, 400, 'The request body must be a JSON array of actions.');
    const valid: { input: Record<string, unknown>; ticketId: number; outcome: { id: number; outcome: string } }[] = [];
    for (const item of body as Record<string, unknown>[]) {
      const fault = actionFieldFault(item);
      if (fault) return haloError(c, 400, fault);
      const ticketId = Number(item?.ticket_id);
      if (!item || !Number.isInteger(ticketId) || ticketId <= 0) return haloError(c, 400, 'A ticket_id must be entered for this Action');
      if (!state.hasTicket(ticketId)) return haloError(c, 400, `Ticket ${ticketId} does not exist.`);
      const outcome = state.outcomes.find(
        (o) => (item.outcome_id !== undefined && o.id === Number(item.outcome_id)) || (typeof item.outcome === 'string' && o.outcome.toLowerCase() === item.outcome.toLowerCase()),
      );
      if (!outcome) return haloError(c, 400, 'An Outcome must be entered for this Action');
      if (item.new_status !== undefined && !state.statuses.some((s) => s.id === Number(item.new_status))) {
        return haloError(c, 400, `Status ${String(item.new_status)} does not exist.`);
      }
      valid.push({ input: item, ticketId, outcome });
    }
    const created = valid.map(({ input, ticketId, outcome }) =>
      state.addAction({
        ticket_id: ticketId,
        outcome_id: outcome.id,
        outcome: outcome.outcome,
        note_html: typeof input.note_html === 'string' ? input.note_html : typeof input.note === 'string' ? input.note : '',
        hiddenfromuser: input.hiddenfromuser === true,
        // Halo sends the e-mail unless told not to; the connector must send false.
        sendemail: input.sendemail !== false,
        new_status: input.new_status !== undefined ? Number(input.new_status) : undefined,
        who: 'API',
      }),
    );
    return c.json(created.length === 1 ? created[0] : created, 201);
  });

  api.all('*', (c) => haloError(c, 404, 'No HTTP resource was found that matches the request URI.'));
  return api;
}
