import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signButtonRequest } from '../../src/http/button-auth.js';
import type { PrivateNote } from '../../src/psa/port.js';
import { pressButton } from '../helpers/button.js';
import { buildHarness, CONTOSO, TEST_SECRETS, type TestHarness } from '../helpers/services.js';

/**
 * What one button press asks of SQLite (issue 14, "close the gap"): statements are prepared once, when the stores are
 * built, not on every call; and everything a press writes before it calls the PSA for its note is one transaction.
 */

const NOW = new Date('2026-11-26T10:00:00Z');
const LEASE_MS = 120_000;

/**
 * Watches every better-sqlite3 database opened while installed: the SQL of each statement prepared, and each write
 * transaction committed — a transaction function that ran at least one writing statement, or a writing statement run
 * on its own (SQLite's autocommit). A transaction that throws rolls back and is not counted.
 */
function watchSqlite() {
  const proto = Database.prototype as unknown as {
    prepare: (this: Database.Database, source: string) => Database.Statement;
    transaction: (this: Database.Database, fn: (...args: unknown[]) => unknown) => Database.Transaction<(...args: unknown[]) => unknown>;
  };
  const prepare = proto.prepare;
  const transaction = proto.transaction;
  const seen = { prepared: [] as string[], commits: 0 };
  let wroteInTransaction = false;

  proto.prepare = function (this: Database.Database, source: string) {
    const db = this;
    const statement = prepare.call(db, source);
    seen.prepared.push(source);
    if (statement.readonly) return statement;
    for (const method of ['run', 'get', 'all', 'iterate'] as const) {
      const original = statement[method] as (...args: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
        if (db.inTransaction) wroteInTransaction = true;
        else seen.commits += 1;
        return original.apply(this, args);
      };
    }
    return statement;
  };
  proto.transaction = function (this: Database.Database, fn) {
    const db = this;
    const made = transaction.call(db, fn);
    const wrap = (variant: (...args: unknown[]) => unknown) =>
      function (this: unknown, ...args: unknown[]) {
        const outermost = !db.inTransaction;
        if (outermost) wroteInTransaction = false;
        const result = variant.apply(this, args);
        if (outermost && wroteInTransaction) seen.commits += 1;
        return result;
      };
    const wrapped = wrap(made) as Database.Transaction<(...args: unknown[]) => unknown>;
    for (const kind of ['default', 'deferred', 'immediate', 'exclusive'] as const) {
      Object.defineProperty(wrapped, kind, { value: wrap(made[kind]) });
    }
    return wrapped;
  };
  return {
    seen,
    reset() {
      seen.prepared = [];
      seen.commits = 0;
    },
    restore() {
      proto.prepare = prepare;
      proto.transaction = transaction;
    },
  };
}

let dir: string;
let watch: ReturnType<typeof watchSqlite>;
let h: TestHarness;

/** ConnectWise tickets 100–103 and Halo tickets 200–203, each for a user of its own (one pass per user). */
function arrange(harness: TestHarness) {
  const users = ['ann', 'bob', 'cas', 'dirk', 'eva', 'fenna', 'gijs', 'hanna'];
  for (const name of users) harness.entra.addUser(CONTOSO, `${name}@contoso.example`);
  harness.map('connectwise', '10');
  harness.map('halo', '55');
  for (let i = 0; i < 4; i += 1) {
    harness.psa.connectwise.addTicket({ id: String(100 + i), companyId: '10', customFields: { 'New user UPN': `${users[i]!}@contoso.example` } });
    harness.psa.halo.addTicket({ id: String(200 + i), companyId: '55', contactEmail: `${users[4 + i]!}@contoso.example` });
  }
}

const press = (psa: 'connectwise' | 'halo', ticketId: string, body: unknown = {}) =>
  pressButton(h.app, psa, ticketId, body, { secret: psa === 'connectwise' ? TEST_SECRETS.cwButton : TEST_SECRETS.haloButton });

function signedPress(ticketId: string, body: unknown = {}) {
  const raw = JSON.stringify(body);
  const ts = Math.floor(NOW.getTime() / 1000);
  const path = `/v1/psa/connectwise/tickets/${ticketId}/tap`;
  return h.app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tap-timestamp': String(ts), 'x-tap-signature': signButtonRequest(TEST_SECRETS.cwButton, { timestamp: ts, method: 'POST', path, body: raw }) },
    body: raw,
  });
}

/** Commits counted when the PSA is asked to write a note (the pass must be durable before that call). */
function commitsAtEachNote(harness: TestHarness): number[] {
  const at: number[] = [];
  for (const psa of [harness.psa.connectwise, harness.psa.halo]) {
    const write = psa.writePrivateNote.bind(psa);
    psa.writePrivateNote = (ticketId: string, note: PrivateNote, opts?: { status?: string }) => {
      at.push(watch.seen.commits);
      return write(ticketId, note, opts);
    };
  }
  return at;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tap-press-storage-'));
  watch = watchSqlite();
  h = buildHarness({ now: NOW, databasePath: join(dir, 'db.sqlite') });
  arrange(h);
});

afterEach(() => {
  watch.restore();
  h.services.storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite statements on the press path', () => {
  it('after a warm-up press, a second press prepares no statement at all (Bearer)', async () => {
    expect((await press('connectwise', '100')).status).toBe(201);
    expect((await press('halo', '200')).status).toBe(201);
    watch.reset();
    expect((await press('connectwise', '101')).status).toBe(201);
    expect((await press('halo', '201')).status).toBe(201);
    expect(watch.seen.prepared).toEqual([]);
  });

  it('after a warm-up press, a signed (HMAC) press prepares no statement either (the replay store included)', async () => {
    expect((await signedPress('100')).status).toBe(201);
    watch.reset();
    expect((await signedPress('101', { requestedBy: 'runbook' })).status).toBe(201);
    expect(watch.seen.prepared).toEqual([]);
  });

  it('a reissue on the same ticket (the replaced pass recorded) prepares nothing new after its warm-up', async () => {
    expect((await press('connectwise', '100')).status).toBe(201);
    expect((await press('connectwise', '100', { reissue: true })).status).toBe(201);
    watch.reset();
    expect((await press('connectwise', '100', { reissue: true })).status).toBe(201);
    expect(watch.seen.prepared).toEqual([]);
  });
});

describe('write transactions of one press', () => {
  it('commits once before the PSA note call (audit row, sealed and claimed note, note marks) and once after it', async () => {
    const at = commitsAtEachNote(h);
    watch.reset();
    const res = await press('connectwise', '100');
    expect(res.status).toBe(201);
    expect(at).toEqual([1]);
    expect(watch.seen.commits).toBe(2);
  });

  it('a reissue replacing the ticket\'s own pass still commits once before its note', async () => {
    expect((await press('halo', '200')).status).toBe(201);
    const at = commitsAtEachNote(h);
    watch.reset();
    const res = await press('halo', '200', { reissue: true });
    expect(res.status).toBe(201);
    expect(at).toEqual([1]);
    expect(watch.seen.commits).toBe(2);
    // The replaced pass ended in that same transaction, with its event row.
    const rows = h.services.issuances.list({ psa: 'halo' }, { limit: 10, offset: 0 }).rows;
    expect(rows.filter((r) => r.outcome === 'issued' && r.endedAt)).toHaveLength(1);
    expect(rows.filter((r) => r.outcome === 'replaced')).toHaveLength(1);
  });

  it('a signed press adds exactly one commit for the replay store (the signature is spent before any work)', async () => {
    const at = commitsAtEachNote(h);
    watch.reset();
    expect((await signedPress('100')).status).toBe(201);
    expect(at).toEqual([2]);
    expect(watch.seen.commits).toBe(3);
  });

  it('when the PSA call starts, the sealed note is on disk already claimed by this press; a crash there is resumed after restart', async () => {
    const path = join(dir, 'db.sqlite');
    let onDisk: { attempts: number; next_attempt_at: string; kind: string; note_status: string } | undefined;
    h.psa.connectwise.writePrivateNote = () => {
      // Another connection sees only what was committed.
      const other = new Database(path, { readonly: true });
      onDisk = other
        .prepare('select o.attempts, o.next_attempt_at, o.kind, i.note_status from note_outbox o join issuances i on i.id = o.issuance_id')
        .get() as typeof onDisk;
      other.close();
      return new Promise(() => undefined); // the process dies during the call
    };
    void press('connectwise', '100');
    await new Promise((r) => setTimeout(r, 50));
    expect(onDisk).toEqual({ attempts: 1, next_attempt_at: new Date(NOW.getTime() + LEASE_MS).toISOString(), kind: 'pass', note_status: 'pending' });

    const restarted = buildHarness({ now: new Date(NOW.getTime() + 30_000), databasePath: path });
    expect(await restarted.services.outbox.deliverDue()).toMatchObject({ written: 0 });
    expect(restarted.services.outbox.resumeAfterRestart()).toBe(1);
    expect(await restarted.services.outbox.deliverDue()).toMatchObject({ written: 1 });
    expect(restarted.psa.connectwise.notes).toHaveLength(1);
    const user = [...h.entra.tenants.get(CONTOSO)!.users.values()][0]!;
    expect(restarted.psa.connectwise.notes[0]!.note.text).toContain(h.entra.tapsOf(CONTOSO, user.id)[0]!.temporaryAccessPass);
    restarted.services.storage.close();
  });
});

describe('log lines of one press', () => {
  it('an issued press writes one info line (the pass, its note and the request in one)', async () => {
    const res = await press('connectwise', '100');
    expect(res.status).toBe(201);
    const info = h.logs.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === 'info');
    expect(info.map((l) => l.msg)).toHaveLength(1);
  });
});
