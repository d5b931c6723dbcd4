import { randomBytes } from 'node:crypto';
import type { Clock } from '../http.js';

/** Seed data and in-memory state of the simulated ConnectWise PSA. Shapes follow reference/connectwise.md. */

export type CwCustomFieldType = 'Text' | 'TextArea' | 'Date' | 'Number' | 'Checkbox' | 'Hyperlink';
export interface CwCustomFieldDef {
  id: number;
  caption: string;
  type: CwCustomFieldType;
}
export interface CwBoard {
  id: number;
  name: string;
  statuses: { id: number; name: string; closedStatus: boolean }[];
  types: { id: number; name: string }[];
}
export interface CwCompany {
  id: number;
  identifier: string;
  name: string;
  status: { id: number; name: string };
  types: { id: number; name: string }[];
  deletedFlag: boolean;
}
export interface CwMember {
  id: number;
  /** The login name, sent as `memberId` by the Hosted API and its cookies. */
  identifier: string;
  firstName: string;
  lastName: string;
  officeEmail: string;
  /** What the Hosted API hands to the framed page; checked again when the page presents it as a cookie. */
  memberHash: string;
  /**
   * The service boards this member may open tickets on (ConnectWise security roles narrow a member to some boards);
   * undefined = every board. With the member's own cookies, a ticket on another board answers 403.
   */
  boardIds?: number[];
}
export interface CwTicketSeed {
  id: number;
  summary: string;
  boardId: number;
  statusId: number;
  typeId?: number;
  companyId: number;
  contact?: { id: number; name: string; email?: string };
  /** The text typed when the ticket was opened: stored as its first Discussion note. */
  description: string;
  /** By caption; dates as YYYY-MM-DD. Absent or undefined = empty field. */
  customFields?: Record<string, string | undefined>;
  /** ISO-8601 UTC. */
  lastUpdated: string;
}
export interface ConnectWiseSeed {
  companyId: string;
  companyName: string;
  publicKey: string;
  privateKey: string;
  clientId: string;
  /** With trailing slash, as companyinfo returns it (e.g. "v2025_1/"). */
  codebase: string;
  /** The API member the keys belong to (its identifier). */
  apiMember: string;
  members: CwMember[];
  boards: CwBoard[];
  companies: CwCompany[];
  customFieldDefs: CwCustomFieldDef[];
  tickets: CwTicketSeed[];
}

export interface CwNote {
  id: number;
  ticketId: number;
  text: string;
  detailDescriptionFlag: boolean;
  internalAnalysisFlag: boolean;
  resolutionFlag: boolean;
  processNotifications: boolean;
  createdBy: string;
  dateCreated: string;
}

interface TicketRecord extends Omit<CwTicketSeed, 'description' | 'customFields' | 'lastUpdated'> {
  customFields: Map<number, string>;
  lastUpdated: Date;
  enteredAt: Date;
}

/** CW timestamps carry whole seconds: `2026-11-20T18:04:26Z`. */
export const cwTimestamp = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

export class ConnectWiseState {
  /** Mutable so a test can simulate a hosted codebase change (clients must re-discover on 404). */
  codebase: string;
  readonly boards: CwBoard[];
  readonly companies: CwCompany[];
  readonly members: CwMember[];
  readonly customFieldDefs: CwCustomFieldDef[];
  private readonly tickets = new Map<number, TicketRecord>();
  private readonly notesByTicket = new Map<number, CwNote[]>();
  private nextNoteId = 900_001;
  private readonly memberContexts = new Map<number, string>();

  constructor(readonly seed: ConnectWiseSeed, private readonly clock: Clock) {
    this.codebase = seed.codebase;
    this.boards = structuredClone(seed.boards);
    this.companies = structuredClone(seed.companies);
    this.members = structuredClone(seed.members);
    this.customFieldDefs = structuredClone(seed.customFieldDefs);
    for (const t of seed.tickets) this.addTicket(t);
  }

  addTicket(seed: CwTicketSeed): void {
    const { description, customFields = {}, lastUpdated, ...rest } = seed;
    const values = new Map<number, string>();
    for (const [caption, value] of Object.entries(customFields)) {
      const def = this.customFieldDefs.find((d) => d.caption === caption);
      if (!def) throw new Error(`Unknown custom field "${caption}" in ticket ${seed.id} seed`);
      if (value !== undefined && value !== '') values.set(def.id, value);
    }
    const at = new Date(lastUpdated);
    this.tickets.set(seed.id, { ...rest, customFields: values, lastUpdated: at, enteredAt: at });
    this.notesByTicket.set(seed.id, []);
    this.pushNote(seed.id, {
      text: description,
      detailDescriptionFlag: true,
      internalAnalysisFlag: false,
      resolutionFlag: false,
      processNotifications: false,
      createdBy: 'portal',
      dateCreated: cwTimestamp(at),
    });
  }

  hasTicket(id: number): boolean {
    return this.tickets.has(id);
  }

  /** Every ticket in the API's JSON shape, by id. */
  ticketList(): Record<string, unknown>[] {
    return [...this.tickets.keys()].sort((a, b) => a - b).map((id) => this.ticketJson(id)!);
  }

  ticketJson(id: number): Record<string, unknown> | undefined {
    const t = this.tickets.get(id);
    if (!t) return undefined;
    const board = this.boards.find((b) => b.id === t.boardId)!;
    const status = board.statuses.find((s) => s.id === t.statusId);
    const type = board.types.find((s) => s.id === t.typeId);
    const company = this.companies.find((c) => c.id === t.companyId);
    return {
      id: t.id,
      summary: t.summary,
      recordType: 'ServiceTicket',
      board: { id: board.id, name: board.name },
      status: status ? { id: status.id, name: status.name } : undefined,
      company: company ? { id: company.id, identifier: company.identifier, name: company.name } : undefined,
      contact: t.contact ? { id: t.contact.id, name: t.contact.name } : undefined,
      contactEmailAddress: t.contact?.email,
      type: type ? { id: type.id, name: type.name } : undefined,
      customFields: this.customFieldDefs.map((def) => {
        const value = t.customFields.get(def.id);
        const field: Record<string, unknown> = {
          id: def.id,
          caption: def.caption,
          type: def.type,
          entryMethod: def.type === 'Date' ? 'Date' : 'EntryField',
          numberOfDecimals: 0,
        };
        // An empty field has no `value` at all; a Date comes back as midnight UTC of that calendar date.
        if (value !== undefined) field.value = def.type === 'Date' ? `${value}T00:00:00Z` : value;
        return field;
      }),
      _info: {
        lastUpdated: cwTimestamp(t.lastUpdated),
        updatedBy: this.seed.apiMember,
        dateEntered: cwTimestamp(t.enteredAt),
        enteredBy: 'portal',
      },
    };
  }

  /** Notes of a ticket, oldest first (what tests assert on: text, flags, processNotifications). */
  notes(ticketId: number): CwNote[] {
    return [...(this.notesByTicket.get(ticketId) ?? [])];
  }

  addNote(ticketId: number, note: Omit<CwNote, 'id' | 'ticketId' | 'dateCreated'>): CwNote {
    const created = this.pushNote(ticketId, { ...note, dateCreated: cwTimestamp(this.clock()) });
    this.touch(ticketId);
    return created;
  }

  /** Moves a ticket to a status of its own board; returns false when the board has no such status. */
  setStatus(ticketId: number, ref: { id?: number; name?: string }): boolean {
    const t = this.tickets.get(ticketId)!;
    const board = this.boards.find((b) => b.id === t.boardId)!;
    const status = board.statuses.find((s) => s.id === ref.id || (ref.name !== undefined && s.name.toLowerCase() === ref.name.toLowerCase()));
    if (!status) return false;
    t.statusId = status.id;
    this.touch(ticketId);
    return true;
  }

  setSummary(ticketId: number, summary: string): void {
    this.tickets.get(ticketId)!.summary = summary;
    this.touch(ticketId);
  }

  /** Whether `member` may open ticket `id` in ConnectWise (its board is one of the member's); false for no such ticket. */
  memberMayOpenTicket(member: CwMember, id: number): boolean {
    const t = this.tickets.get(id);
    if (!t) return false;
    return member.boardIds === undefined || member.boardIds.includes(t.boardId);
  }

  member(identifier: string): CwMember | undefined {
    return this.members.find((m) => m.identifier.toLowerCase() === identifier.toLowerCase());
  }

  /**
   * The memberContext the Hosted API hands a page for this member, as the cookie check expects it back (ConnectWise
   * refuses the check without it; real values are short, some only 3 characters). Random per simulated world.
   */
  memberContext(member: CwMember): string {
    let context = this.memberContexts.get(member.id);
    if (!context) {
      context = randomBytes(6).toString('base64url');
      this.memberContexts.set(member.id, context);
    }
    return context;
  }

  private touch(ticketId: number): void {
    const t = this.tickets.get(ticketId)!;
    t.lastUpdated = this.clock();
  }

  private pushNote(ticketId: number, note: Omit<CwNote, 'id' | 'ticketId'>): CwNote {
    const created: CwNote = { id: this.nextNoteId++, ticketId, ...note };
    this.notesByTicket.get(ticketId)!.push(created);
    return created;
  }
}
