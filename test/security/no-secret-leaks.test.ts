import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHarness, CONTOSO, TEST_SECRETS } from '../helpers/services.js';

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
    h.psa.connectwise.addTicket({ id: '101', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example' } });
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
