import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { PsaKind } from '../../src/domain.js';
import { REFUSAL_CODES, type ErrorCode } from '../../src/errors.js';
import type { Sandbox } from '../../src/sandbox/index.js';

/**
 * The one check every fault test ends with (DESIGN invariants 1, 3, 4 and 5): each requested pass was either
 * delivered exactly once — one pass created, still the user's current pass, in exactly one note on its ticket — or
 * refused with a problem document and a note on the ticket naming the same code; and no pass created during the test
 * appears in a log line, a response body or a byte SQLite wrote.
 */

export interface TicketRef {
  psa: PsaKind;
  ticketId: string;
}

export interface PassRequest extends TicketRef {
  tenantId: string;
  userPrincipalName: string;
  /** What the caller got back. */
  status: number;
  contentType: string;
  body: string;
}

/** What existed before the test acted: passes created so far and the notes already on each ticket. */
export interface SandboxMark {
  tapsBefore: number;
  notesBefore: Map<string, number>;
}

const key = (t: TicketRef) => `${t.psa}:${t.ticketId}`;

/** Every note on a ticket as text (ConnectWise notes are plain text; Halo actions carry HTML). */
export function ticketNotes(sb: Sandbox, t: TicketRef): string[] {
  return t.psa === 'connectwise'
    ? sb.connectwise.state.notes(Number(t.ticketId)).map((n) => n.text)
    : sb.halo.state.actions(Number(t.ticketId)).map((a) => htmlToText(a.note_html));
}

function htmlToText(html: string): string {
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
  return html.replace(/<[^>]*>/g, ' ').replace(/&(amp|lt|gt|quot|#39);/g, (e) => entities[e]!);
}

/** The code a refusal note names ("Code: USER_DISABLED"), if the note is one. */
export function refusalCode(note: string): string | undefined {
  return note.includes('NOT issued') ? /Code:\s*([A-Z_]+)/.exec(note)?.[1] : undefined;
}

export function markSandbox(sb: Sandbox, tickets: TicketRef[]): SandboxMark {
  return { tapsBefore: sb.entra.state.tapsCreated.length, notesBefore: new Map(tickets.map((t) => [key(t), ticketNotes(sb, t).length])) };
}

export function newNotes(sb: Sandbox, mark: SandboxMark, t: TicketRef): string[] {
  return ticketNotes(sb, t).slice(mark.notesBefore.get(key(t)) ?? 0);
}

export function newPasses(sb: Sandbox, mark: SandboxMark): string[] {
  return sb.entra.state.tapsCreated.slice(mark.tapsBefore).map((t) => t.temporaryAccessPass);
}

/** Every byte SQLite wrote: the database, its WAL and shared-memory files. */
export function databaseBytes(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`, `${path}-shm`].filter(existsSync).map((p) => readFileSync(p)));
}

/** Reads a fetch/app.request answer into the shape the check needs. */
export async function answered(req: Omit<PassRequest, 'status' | 'contentType' | 'body'>, res: Response): Promise<PassRequest> {
  return { ...req, status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

export function expectEveryPassAccountedFor(ctx: { sb: Sandbox; mark: SandboxMark; requests: PassRequest[]; logs: string[]; dbPath: string }): void {
  const { sb, mark, requests } = ctx;
  const created = sb.entra.state.tapsCreated.slice(mark.tapsBefore);
  const passes = created.map((t) => t.temporaryAccessPass);

  const byUser = new Map<string, PassRequest[]>();
  for (const r of requests) {
    const user = sb.entra.state.user(r.tenantId, r.userPrincipalName);
    expect(user, `${r.userPrincipalName} exists in the sandbox`).toBeDefined();
    const k = `${r.tenantId}/${user!.id}/${key(r)}`;
    byUser.set(k, [...(byUser.get(k) ?? []), r]);
  }

  for (const [k, reqs] of byUser) {
    const [tenantId, userId] = k.split('/') as [string, string];
    const ticket: TicketRef = reqs[0]!;
    const forUser = created.filter((t) => t.tenantId === tenantId && t.userId === userId);
    const notes = newNotes(sb, mark, ticket);
    const delivered = reqs.filter((r) => r.status === 200 || r.status === 201);
    const what = `${reqs[0]!.userPrincipalName} on ${key(ticket)}`;

    if (delivered.length > 0) {
      // Delivered once: one pass, not replaced or revoked since, in exactly one note on the ticket.
      expect(forUser, `one pass created for ${what}`).toHaveLength(1);
      const pass = forUser[0]!.temporaryAccessPass;
      expect(sb.entra.state.tap(tenantId, userId)?.temporaryAccessPass, `the pass for ${what} is still the user's current pass`).toBe(pass);
      expect(notes.filter((n) => n.includes(pass)), `the pass for ${what} is in exactly one note`).toHaveLength(1);
      for (const r of delivered) expect(JSON.parse(r.body)).toMatchObject({ ticketId: r.ticketId, note: { status: 'written' } });
      continue;
    }

    // Refused: no pass exists for this request, the caller has a problem document, and the ticket a note saying why.
    expect(forUser, `no pass created for refused ${what}`).toHaveLength(0);
    for (const r of reqs) {
      expect(r.status, `${what} answered with an error status`).toBeGreaterThanOrEqual(400);
      expect(r.contentType).toContain('application/problem+json');
      const problem = JSON.parse(r.body) as { code: ErrorCode; status: number };
      expect(problem.status).toBe(r.status);
      const noted = notes.filter((n) => refusalCode(n) === problem.code);
      // Soft, so the secrecy checks below still run when only the note is missing (see the report on transient codes).
      expect.soft(noted.length, `a note on ${key(ticket)} says ${problem.code}`).toBeGreaterThanOrEqual(1);
      if (!REFUSAL_CODES.has(problem.code)) {
        // A throttle or an outage is not the customer's state: no note may claim a refusal reason for it.
        const wrongState = notes.filter((n) => REFUSAL_CODES.has(refusalCode(n) as ErrorCode));
        expect(wrongState, `no note on ${key(ticket)} blames the customer's state for ${problem.code}`).toEqual([]);
      }
    }
  }

  // The pass is a secret: never in a log line, a response to a caller, or a byte SQLite wrote.
  const logs = ctx.logs.join('\n');
  const bytes = databaseBytes(ctx.dbPath);
  for (const pass of passes) {
    expect(logs.includes(pass), 'a pass appears in the logs').toBe(false);
    for (const r of requests) expect(r.body.includes(pass), 'a pass appears in a response').toBe(false);
    expect(bytes.includes(Buffer.from(pass)), 'a pass appears in the database bytes').toBe(false);
  }
}
