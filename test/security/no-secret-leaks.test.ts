import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { noteOutbox } from '../../src/db/schema.js';
import { createHaloConnector } from '../../src/psa/halo/index.js';
import { htmlToText } from '../../src/psa/html-text.js';
import { buildHarness, CONTOSO, TEST_ENV, TEST_SECRETS } from '../helpers/services.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Every byte SQLite wrote: the database, its WAL and shared-memory files. */
function databaseBytes(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`, `${path}-shm`].filter(existsSync).map((p) => readFileSync(p)));
}

describe('the pass is a secret', () => {
  it('appears in no log line, response, or database byte — only in the private note', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tap-leak-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const h = buildHarness({ databasePath: path });
    h.entra.addUser(CONTOSO, 'jane@contoso.example');
    h.map('connectwise', '10');
    h.psa.connectwise.addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example' } });
    // Another user: a second pass for jane would be refused (one pass per user, issue 12).
    h.entra.addUser(CONTOSO, 'sam@contoso.example');
    h.psa.connectwise.addTicket({ id: '101', companyId: '10', customFields: { 'New user UPN': 'sam@contoso.example' } });
    h.psa.connectwise.failNotes = 1; // the second ticket's pass waits, sealed, in the outbox

    const responses: string[] = [];
    for (const ticket of ['100', '101']) {
      const res = await h.app.request(`/v1/psa/connectwise/tickets/${ticket}/tap`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_SECRETS.cwButton}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(201);
      responses.push(await res.text());
    }
    const passes = h.entra.allPasses();
    expect(passes).toHaveLength(2);
    h.psa.connectwise.failNotes = 1;
    h.clock.now = new Date(Date.now() + 60_000);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ pending: 1 }); // a failed retry logs too
    h.clock.now = new Date(Date.now() + 10 * 60_000);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ written: 1 });
    h.services.storage.sqlite.pragma('wal_checkpoint(PASSIVE)');

    const bytes = databaseBytes(path);
    const logs = h.logs.join('\n');
    expect(logs).toContain('temporary access pass issued');
    for (const pass of passes) {
      expect(logs).not.toContain(pass);
      for (const body of responses) expect(body).not.toContain(pass);
      expect(bytes.includes(Buffer.from(pass))).toBe(false);
    }
    // Secrets of the connector itself stay out of the logs too.
    for (const secret of Object.values(TEST_SECRETS)) expect(logs).not.toContain(secret);
    // …and the pass did reach its ticket.
    expect(h.psa.connectwise.notes.map((n) => n.note.text).join('\n')).toContain(passes[0]!);
    h.services.storage.close();
  });
});

/**
 * Issue 11: Halo rejected a note with a 400 that quoted the note, and the pass went in clear to the log, to
 * `note_outbox.last_error` and to the WAL. Vendors echo what they were sent in many shapes; each is tried here.
 */
const ECHOES: Record<string, (sentBody: string) => { body: string; type: string }> = {
  'the whole request body inside a JSON message': (sent) => ({
    body: JSON.stringify({ ClassName: 'ValidationException', Message: `Could not save action ${sent}` }),
    type: 'application/json',
  }),
  'a field-keyed 400 quoting the note HTML': (sent) => {
    const html = (JSON.parse(sent) as { note_html: string }[])[0]!.note_html;
    return { body: JSON.stringify({ '[0].note_html': [`The value '${html}' is not valid for this outcome.`] }), type: 'application/json' };
  },
  'plain text quoting the note as text': (sent) => {
    const html = (JSON.parse(sent) as { note_html: string }[])[0]!.note_html;
    return { body: `Bad Request: note rejected: ${htmlToText(html)}`, type: 'text/plain' };
  },
};

describe('the pass never leaves the sealed column through a vendor error', () => {
  it.each(Object.keys(ECHOES))('Halo answers the note with a 400 echoing it (%s): no pass in the log, last_error or any database byte', async (shape) => {
    const dir = mkdtempSync(join(tmpdir(), 'tap-leak-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const h = buildHarness({ databasePath: path });
    h.entra.addUser(CONTOSO, 'jane@contoso.example');
    h.map('halo', '12');
    h.psa.halo.addTicket({ id: '2012', companyId: '12', customFields: { CFNewUserUPN: 'jane@contoso.example' } });
    // The real Halo adapter and transport write the note; only the network is fake.
    const halo = createHaloConnector({
      config: h.config.halo!,
      logger: h.services.logger,
      sleep: async () => undefined,
      fetch: async (input, init) => {
        const url = String(input);
        if (url.endsWith('/token')) {
          return new Response(JSON.stringify({ access_token: 'halo-access-token-abcdef', token_type: 'Bearer', expires_in: 3600 }), { status: 200, headers: { 'content-type': 'application/json' } });
        }
        const echo = ECHOES[shape]!(String(init?.body));
        return new Response(echo.body, { status: 400, headers: { 'content-type': echo.type } });
      },
    });
    h.psa.halo.writePrivateNote = (ticketId, note, opts) => halo.writePrivateNote(ticketId, note, opts);

    const res = await h.app.request('/v1/psa/halo/tickets/2012/tap', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_SECRETS.haloButton}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(201);
    const response = await res.text();
    expect(JSON.parse(response)).toMatchObject({ note: { status: 'pending' } });
    // A second attempt fails the same way (the worker's retry logs too).
    h.clock.now = new Date(Date.now() + 10 * 60_000);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ pending: 1 });

    const [pass] = h.entra.allPasses();
    expect(pass).toBeDefined();
    const row = h.services.storage.db.select().from(noteOutbox).get()!;
    // What is kept: the status and the vendor's words, scrubbed.
    expect(row.lastError).toContain('HTTP 400');
    expect(row.lastError).not.toContain(pass);
    const logs = h.logs.join('\n');
    expect(logs).toContain('HTTP 400');
    expect(logs).not.toContain(pass);
    expect(response).not.toContain(pass);
    // Read the WAL as SQLite left it (no checkpoint first): every frame written so far.
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(databaseBytes(path).includes(Buffer.from(pass!))).toBe(false);
    for (const secret of [...Object.values(TEST_SECRETS), TEST_ENV.HALO_CLIENT_SECRET!, 'halo-access-token-abcdef']) expect(logs).not.toContain(secret);
    h.services.storage.close();
  });
});

