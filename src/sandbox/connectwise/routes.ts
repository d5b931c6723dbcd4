import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ConditionsError, parseConditions, type FieldSchema } from './conditions.js';
import { cwError, project, respondWithList } from './listing.js';
import type { ConnectWiseState, CwMember, CwNote } from './state.js';

export type CwEnv = { Bindings: HttpBindings; Variables: { member: CwMember } };

// Request bodies as ConnectWise 2025.1 describes them (reference/specs/connectwise-2025.1-models.md); any other field,
// or a field of another JSON type, is refused with 400.
const reference = z.object({ id: z.number().int() }).passthrough();
const serviceNote = z
  .object({
    id: z.number().int(),
    ticketId: z.number().int(),
    text: z.string(),
    detailDescriptionFlag: z.boolean(),
    internalAnalysisFlag: z.boolean(),
    resolutionFlag: z.boolean(),
    issueFlag: z.boolean(),
    member: reference,
    contact: reference,
    customerUpdatedFlag: z.boolean(),
    processNotifications: z.boolean(),
    dateCreated: z.string(),
    createdBy: z.string(),
    internalFlag: z.boolean(),
    externalFlag: z.boolean(),
    sentimentScore: z.number(),
    _info: z.record(z.string(), z.unknown()),
  })
  .partial()
  .required({ text: true })
  .strict();
// PatchOperation lists op and path; `value` is JSON Patch's (RFC 6902) and the reference's PATCH example carries it.
const patchOperations = z.array(z.object({ op: z.string(), path: z.string(), value: z.unknown() }).strict()).min(1);

function bodyErrors(error: z.ZodError, resource: string) {
  return error.issues.slice(0, 5).map((issue) => {
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(',') : issue.path.join('.');
    return { code: issue.code === 'unrecognized_keys' ? 'UnknownField' : 'InvalidField', message: issue.message, resource, field };
  });
}

const TICKET_FIELDS: FieldSchema = {
  id: { type: 'number' },
  summary: { type: 'string' },
  recordType: { type: 'string' },
  'board/id': { type: 'number' },
  'board/name': { type: 'string' },
  'status/id': { type: 'number' },
  'status/name': { type: 'string' },
  'type/id': { type: 'number' },
  'type/name': { type: 'string' },
  'company/id': { type: 'number' },
  'company/identifier': { type: 'string' },
  'company/name': { type: 'string' },
  'contact/id': { type: 'number' },
  'contact/name': { type: 'string' },
  contactEmailAddress: { type: 'string' },
  lastUpdated: { type: 'datetime', path: '_info/lastUpdated' },
  '_info/lastUpdated': { type: 'datetime' },
  dateEntered: { type: 'datetime', path: '_info/dateEntered' },
  '_info/dateEntered': { type: 'datetime' },
};
const NOTE_FIELDS: FieldSchema = {
  id: { type: 'number' },
  text: { type: 'string' },
  detailDescriptionFlag: { type: 'boolean' },
  internalAnalysisFlag: { type: 'boolean' },
  resolutionFlag: { type: 'boolean' },
  dateCreated: { type: 'datetime' },
};
const COMPANY_FIELDS: FieldSchema = {
  id: { type: 'number' },
  identifier: { type: 'string' },
  name: { type: 'string' },
  deletedFlag: { type: 'boolean' },
  'status/id': { type: 'number' },
  'status/name': { type: 'string' },
};
const COMPANY_CHILD_FIELDS: FieldSchema = { 'types/id': { type: 'number' }, 'types/name': { type: 'string' } };

const ticketIdOf = (c: Context): number | undefined => (/^\d+$/.test(c.req.param('id') ?? '') ? Number(c.req.param('id')) : undefined);
const notFound = (c: Context, what: string, id: string | undefined) =>
  cwError(c, 404, 'NotFound', `${what} ID ${id ?? ''} not found`);

/** Routes under `/{codebase}apis/3.0/`; authentication is checked before these run (server.ts). */
export function connectWiseApiRoutes(state: ConnectWiseState): Hono<CwEnv> {
  const api = new Hono<CwEnv>();

  api.get('/service/tickets', (c) => respondWithList(c, state.ticketList(), { schema: TICKET_FIELDS }));

  api.get('/service/tickets/count', (c) => {
    const conditions = c.req.query('conditions');
    try {
      const rows = conditions ? state.ticketList().filter(parseConditions(conditions, TICKET_FIELDS)) : state.ticketList();
      return c.json({ count: rows.length });
    } catch (error) {
      if (error instanceof ConditionsError) return cwError(c, 400, 'InvalidObject', error.message);
      throw error;
    }
  });

  api.get('/service/tickets/:id', (c) => {
    const id = ticketIdOf(c);
    const ticket = id === undefined ? undefined : state.ticketJson(id);
    if (!ticket) return notFound(c, 'Ticket', c.req.param('id'));
    // A member (cookies) may read only tickets on their boards; the API member (keys) reads every ticket.
    const member = c.get('member');
    if (member.identifier !== state.seed.apiMember && !state.memberMayOpenTicket(member, id!)) {
      return cwError(c, 403, 'Forbidden', 'You do not have access to this ticket.');
    }
    const fields = c.req.query('fields');
    return c.json(fields ? project(ticket, fields.split(',').map((f) => f.trim()).filter(Boolean)) : ticket);
  });

  api.patch('/service/tickets/:id', async (c) => {
    const id = ticketIdOf(c);
    if (id === undefined || !state.hasTicket(id)) return notFound(c, 'Ticket', c.req.param('id'));
    const ops = patchOperations.safeParse(await c.req.json().catch(() => undefined));
    if (!ops.success) {
      return cwError(c, 400, 'InvalidObject', 'The request body must be a JSON Patch array of PatchOperation {op, path, value}.', bodyErrors(ops.error, 'patchOperation'));
    }
    for (const op of ops.data) {
      const path = String(op.path ?? '').replace(/^\//, '').toLowerCase();
      if (op.op !== 'replace') return cwError(c, 400, 'InvalidObject', `Unsupported patch operation "${op.op}".`);
      if (path === 'status') {
        const value = (op.value ?? {}) as { id?: number; name?: string };
        if (!state.setStatus(id, value)) {
          return cwError(c, 400, 'InvalidObject', 'ticket object is invalid', [
            { code: 'InvalidObject', message: 'The status is not valid for this board.', resource: 'ticket', field: 'status' },
          ]);
        }
      } else if (path === 'summary' && typeof op.value === 'string' && op.value.length > 0) {
        state.setSummary(id, op.value);
      } else {
        return cwError(c, 400, 'InvalidObject', `The sandbox cannot patch "${op.path}".`);
      }
    }
    return c.json(state.ticketJson(id));
  });

  api.get('/service/tickets/:id/notes', (c) => {
    const id = ticketIdOf(c);
    if (id === undefined || !state.hasTicket(id)) return notFound(c, 'Ticket', c.req.param('id'));
    return respondWithList(c, state.notes(id).map(noteJson), { schema: NOTE_FIELDS });
  });

  api.post('/service/tickets/:id/notes', async (c) => {
    const id = ticketIdOf(c);
    if (id === undefined || !state.hasTicket(id)) return notFound(c, 'Ticket', c.req.param('id'));
    const parsed = serviceNote.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return cwError(c, 400, 'InvalidObject', 'serviceNote object is invalid', bodyErrors(parsed.error, 'serviceNote'));
    const body = parsed.data as Record<string, unknown> & { text: string };
    if (body.text.trim() === '') {
      return cwError(c, 400, 'InvalidObject', 'serviceNote object is invalid', [
        { code: 'MissingRequiredField', message: 'text is required.', resource: 'serviceNote', field: 'text' },
      ]);
    }
    const flag = (name: string) => body[name] === true;
    if (!flag('detailDescriptionFlag') && !flag('internalAnalysisFlag') && !flag('resolutionFlag')) {
      // reference/connectwise.md: a note with none of the three type flags is refused with this sentence.
      return cwError(c, 400, 'InvalidObject', 'serviceNote object is invalid', [
        {
          code: 'InvalidObject',
          message: 'Please choose where to display the notes in order to save this record.',
          resource: 'serviceNote',
          field: 'detailDescriptionFlag',
        },
      ]);
    }
    const note = state.addNote(id, {
      text: body.text,
      detailDescriptionFlag: flag('detailDescriptionFlag'),
      internalAnalysisFlag: flag('internalAnalysisFlag'),
      resolutionFlag: flag('resolutionFlag'),
      // Absent means "notify": the reference says to send false so no e-mail goes out.
      processNotifications: body.processNotifications !== false,
      createdBy: c.get('member').identifier,
    });
    return c.json(noteJson(note), 201);
  });

  api.get('/service/boards/:id/statuses', (c) => {
    const board = state.boards.find((b) => String(b.id) === c.req.param('id'));
    if (!board) return notFound(c, 'Board', c.req.param('id'));
    const rows = board.statuses.map((s, i) => ({
      id: s.id,
      name: s.name,
      board: { id: board.id, name: board.name },
      sortOrder: i,
      closedStatus: s.closedStatus,
      inactive: false,
    }));
    return respondWithList(c, rows, { schema: { id: { type: 'number' }, name: { type: 'string' } } });
  });

  api.get('/company/companies', (c) =>
    respondWithList(c, state.companies as unknown as Record<string, unknown>[], {
      schema: COMPANY_FIELDS,
      childSchema: COMPANY_CHILD_FIELDS,
    }),
  );
  api.get('/company/companies/:id', (c) => {
    const company = state.companies.find((x) => String(x.id) === c.req.param('id'));
    return company ? c.json(company) : notFound(c, 'Company', c.req.param('id'));
  });

  api.get('/system/info', (c) =>
    c.json({ version: 'v2025.1.10431', isCloud: true, serverTimeZone: 'Eastern Standard Time', cloudRegion: 'NA' }),
  );
  // MyMemberInfo of whoever the call authenticated as: the cookie member, or the API member when keys were sent.
  api.get('/system/myMembers/info', (c) => {
    const m = c.get('member');
    return c.json({ id: m.id, identifier: m.identifier, firstName: m.firstName, lastName: m.lastName, fullName: `${m.firstName} ${m.lastName}`, defaultEmail: m.officeEmail, inactiveFlag: false });
  });

  // Described by the API (server.ts checked) but not simulated: say so rather than pretend it does not exist.
  api.all('*', (c) => c.json({ code: 'NotImplemented', message: `The sandbox does not simulate ${c.req.method} ${c.req.path}.` }, 501));
  return api;
}

function noteJson(n: CwNote): Record<string, unknown> {
  return {
    id: n.id,
    ticketId: n.ticketId,
    text: n.text,
    detailDescriptionFlag: n.detailDescriptionFlag,
    internalAnalysisFlag: n.internalAnalysisFlag,
    resolutionFlag: n.resolutionFlag,
    issueFlag: false,
    member: { identifier: n.createdBy },
    createdBy: n.createdBy,
    dateCreated: n.dateCreated,
    // The reference warns these echo oddly on real instances; always false here so clients judge by the type flags.
    internalFlag: false,
    externalFlag: false,
    _info: { lastUpdated: n.dateCreated, updatedBy: n.createdBy },
  };
}
