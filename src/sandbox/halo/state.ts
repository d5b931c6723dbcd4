import type { Clock } from '../http.js';

/** Seed data and in-memory state of the simulated HaloPSA. Shapes follow reference/halopsa.md. */

export interface HaloCustomFieldDef {
  id: number;
  name: string;
  label: string;
  /** Halo's numeric field type; the sandbox uses 0 = text and 4 = date (numbering UNCONFIRMED). */
  type: 0 | 4;
}
export interface HaloTicketSeed {
  id: number;
  summary: string;
  /** HTML, as Halo stores it. */
  details: string;
  client_id: number;
  user_id?: number;
  user_name?: string;
  user_email?: string;
  status_id: number;
  tickettype_id: number;
  /** ISO-8601 UTC. */
  dateoccurred: string;
  lastactiondate?: string;
  /** By field name; dates as YYYY-MM-DD. */
  customFields?: Record<string, string | undefined>;
}
export interface HaloClient {
  id: number;
  name: string;
  inactive: boolean;
  toplevel_id: number;
  toplevel_name: string;
}
export interface HaloSeed {
  clientId: string;
  clientSecret: string;
  statuses: { id: number; name: string; closed: boolean }[];
  requestTypes: { id: number; name: string }[];
  outcomes: { id: number; outcome: string }[];
  clients: HaloClient[];
  customFieldDefs: HaloCustomFieldDef[];
  tickets: HaloTicketSeed[];
}
export interface HaloAction {
  /** Numbered per ticket (reference: key actions by ticket_id and id). */
  id: number;
  ticket_id: number;
  outcome_id: number;
  outcome: string;
  note_html: string;
  hiddenfromuser: boolean;
  sendemail: boolean;
  new_status: number | undefined;
  datetime: string;
  who: string;
}

interface TicketRecord extends Omit<HaloTicketSeed, 'customFields' | 'lastactiondate' | 'dateoccurred'> {
  customFields: Map<number, string>;
  dateoccurred: Date;
  lastactiondate: Date;
}

/** Halo returns UTC timestamps without a zone designator: `2026-11-20T18:04:26.123`. */
export const haloTimestamp = (d: Date): string => d.toISOString().slice(0, 23);

export class HaloState {
  readonly statuses;
  readonly requestTypes;
  readonly outcomes;
  readonly clients: HaloClient[];
  readonly customFieldDefs: HaloCustomFieldDef[];
  private readonly tickets = new Map<number, TicketRecord>();
  private readonly actionsByTicket = new Map<number, HaloAction[]>();
  /**
   * Whether `lastupdatefromdate` filters the ticket list. Halo's OpenAPI names it without describing it (typed `bool`),
   * so an instance that ignores it — and then, as with any parameter it does not know, lists every ticket — is a real
   * possibility (docs/verify-on-a-real-instance.md H7); tests switch this off to be that instance.
   */
  honoursLastUpdateFilter = true;

  constructor(readonly seed: HaloSeed, private readonly clock: Clock) {
    this.statuses = structuredClone(seed.statuses);
    this.requestTypes = structuredClone(seed.requestTypes);
    this.outcomes = structuredClone(seed.outcomes);
    this.clients = structuredClone(seed.clients);
    this.customFieldDefs = structuredClone(seed.customFieldDefs);
    for (const t of seed.tickets) this.addTicket(t);
  }

  addTicket(seed: HaloTicketSeed): void {
    const { customFields = {}, lastactiondate, dateoccurred, ...rest } = seed;
    const values = new Map<number, string>();
    for (const [name, value] of Object.entries(customFields)) {
      const def = this.customFieldDefs.find((d) => d.name === name || d.label === name);
      if (!def) throw new Error(`Unknown custom field "${name}" in Halo ticket ${seed.id} seed`);
      if (value !== undefined && value !== '') values.set(def.id, value);
    }
    this.tickets.set(seed.id, {
      ...rest,
      customFields: values,
      dateoccurred: new Date(dateoccurred),
      lastactiondate: new Date(lastactiondate ?? dateoccurred),
    });
    this.actionsByTicket.set(seed.id, []);
  }

  hasTicket(id: number): boolean {
    return this.tickets.has(id);
  }

  ticketList(): Record<string, unknown>[] {
    return [...this.tickets.keys()].sort((a, b) => a - b).map((id) => this.ticketJson(id)!);
  }

  ticketJson(id: number): Record<string, unknown> | undefined {
    const t = this.tickets.get(id);
    if (!t) return undefined;
    const client = this.clients.find((c) => c.id === t.client_id);
    return {
      id: t.id,
      summary: t.summary,
      details: t.details,
      client_id: t.client_id,
      client_name: client?.name ?? '',
      site_id: t.client_id * 10,
      site_name: 'Main',
      user_id: t.user_id ?? 0,
      user_name: t.user_name ?? '',
      user_email: t.user_email ?? '',
      status_id: t.status_id,
      tickettype_id: t.tickettype_id,
      dateoccurred: haloTimestamp(t.dateoccurred),
      lastactiondate: haloTimestamp(t.lastactiondate),
      customfields: this.customFieldDefs.map((def) => {
        const raw = t.customFields.get(def.id);
        if (raw === undefined) return { id: def.id, name: def.name, label: def.label, type: def.type, value: '', display: '' };
        if (def.type === 4) {
          // Dates: a midnight timestamp as value; display in the instance's locale (a UK-style instance here).
          const [y, m, d] = raw.split('-');
          return { id: def.id, name: def.name, label: def.label, type: def.type, value: `${raw}T00:00:00`, display: `${d}/${m}/${y}` };
        }
        return { id: def.id, name: def.name, label: def.label, type: def.type, value: raw, display: raw };
      }),
    };
  }

  isClosedStatus(statusId: number): boolean {
    return this.statuses.find((s) => s.id === statusId)?.closed ?? false;
  }

  /** Actions of a ticket, oldest first, including private ones (what tests assert on). */
  actions(ticketId: number): HaloAction[] {
    return [...(this.actionsByTicket.get(ticketId) ?? [])];
  }

  addAction(input: Omit<HaloAction, 'id' | 'datetime'>): HaloAction {
    const list = this.actionsByTicket.get(input.ticket_id)!;
    const now = this.clock();
    const action: HaloAction = { ...input, id: list.length + 1, datetime: haloTimestamp(now) };
    list.push(action);
    const ticket = this.tickets.get(input.ticket_id)!;
    ticket.lastactiondate = now;
    if (input.new_status !== undefined) ticket.status_id = input.new_status;
    return action;
  }
}
