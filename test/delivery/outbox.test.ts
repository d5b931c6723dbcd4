import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { noteOutbox } from '../../src/db/schema.js';
import { createNoteOutbox, noteDeadline, retryDelayMs } from '../../src/delivery/outbox.js';
import { openSealed, sealNote, SealError, type SealBinding } from '../../src/delivery/seal.js';
import { AppError } from '../../src/errors.js';
import { buildHarness, CONTOSO, type TestHarness } from '../helpers/services.js';

const NOW = new Date('2026-11-26T10:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function harnessOnFile(): { h: TestHarness; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tap-outbox-'));
  dirs.push(dir);
  const path = join(dir, 'db.sqlite');
  const h = buildHarness({ now: NOW, databasePath: path });
  arrange(h);
  return { h, path };
}

function arrange(h: TestHarness) {
  h.entra.addUser(CONTOSO, 'jane@contoso.example');
  h.map('connectwise', '10');
  h.psa.connectwise.addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example' } });
}

const BINDING: SealBinding = { rowId: 'row-1', psa: 'halo', ticketId: '2012', issuanceId: 'iss-1', kind: 'pass' };

/** How rows were sealed before the seal bound the destination (version 1: the row id is the only associated data). */
function sealVersion1(key: Buffer, rowId: string, plaintext: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(rowId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([1]), nonce, cipher.getAuthTag(), ciphertext]);
}

describe('seal', () => {
  it('round-trips and refuses another row id or another key', () => {
    const key = Buffer.alloc(32, 1);
    const sealed = sealNote(key, BINDING, 'the pass');
    expect(sealed.includes(Buffer.from('the pass'))).toBe(false);
    expect(openSealed(key, BINDING, sealed)).toBe('the pass');
    expect(() => openSealed(key, { ...BINDING, rowId: 'row-2' }, sealed)).toThrow(SealError);
    expect(() => openSealed(Buffer.alloc(32, 2), BINDING, sealed)).toThrow(SealError);
  });

  it.each([
    ['another PSA', { psa: 'connectwise' }],
    ['another ticket', { ticketId: '2011' }],
    ['another issuance', { issuanceId: 'iss-2' }],
    ['no issuance', { issuanceId: null }],
    ['another kind of note', { kind: 'info' }],
  ])('does not open for %s', (_what, change) => {
    const key = Buffer.alloc(32, 1);
    const sealed = sealNote(key, BINDING, 'the pass');
    expect(() => openSealed(key, { ...BINDING, ...change }, sealed)).toThrow(SealError);
  });

  it('still opens a body sealed before the upgrade (version 1, row id only)', () => {
    const key = Buffer.alloc(32, 1);
    expect(openSealed(key, BINDING, sealVersion1(key, 'row-1', 'the pass'))).toBe('the pass');
    expect(() => openSealed(key, { ...BINDING, rowId: 'row-2' }, sealVersion1(key, 'row-1', 'the pass'))).toThrow(SealError);
  });
});

describe('note outbox', () => {
  it('holds the sealed note when the PSA fails, then delivers it on a later attempt', async () => {
    const { h } = harnessOnFile();
    h.psa.connectwise.failNotes = 1;
    const result = await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 't' });
    expect(result.note.status).toBe('pending');
    expect(h.services.outbox.backlog()).toBe(1);
    expect(h.services.issuances.get(result.issuanceId)!.noteStatus).toBe('pending');

    const row = h.services.storage.db.select().from(noteOutbox).get()!;
    expect(row.kind).toBe('pass');
    expect(row.lastError).toContain('UPSTREAM_UNAVAILABLE');
    h.clock.now = new Date(row.nextAttemptAt);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ written: 1 });
    expect(h.psa.connectwise.notes).toHaveLength(1);
    expect(h.services.outbox.backlog()).toBe(0);
    expect(h.services.issuances.get(result.issuanceId)!.noteStatus).toBe('written');
  });

  it('delivers after a crash between the pass and its note (a new process on the same file)', async () => {
    const { h, path } = harnessOnFile();
    h.psa.connectwise.failNotes = 1; // the process "dies" before the note is written
    const result = await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 't' });
    h.services.storage.close();

    const restarted = buildHarness({ now: new Date(NOW.getTime() + 5 * 60_000), databasePath: path });
    expect(restarted.services.outbox.backlog()).toBe(1);
    expect(await restarted.services.outbox.deliverDue()).toMatchObject({ written: 1 });
    expect(restarted.psa.connectwise.notes).toHaveLength(1);
    const user = [...h.entra.tenants.get(CONTOSO)!.users.values()][0]!;
    expect(restarted.psa.connectwise.notes[0]!.note.text).toContain(h.entra.tapsOf(CONTOSO, user.id)[0]!.temporaryAccessPass);
    expect(restarted.services.issuances.get(result.issuanceId)!.noteStatus).toBe('written');
    restarted.services.storage.close();
  });

  it('retries at once after a restart an attempt that a crash interrupted while it held its lease', async () => {
    const { h } = harnessOnFile();
    const id = h.services.outbox.enqueue({ psa: 'connectwise', ticketId: '100', kind: 'info', note: { text: 't', html: 'h' }, deadlineAt: new Date(NOW.getTime() + 3600_000) });
    // The PSA call never returns: the process dies with the row leased for two minutes.
    h.psa.connectwise.writePrivateNote = () => new Promise(() => undefined);
    void h.services.outbox.deliver(id);
    await new Promise((r) => setImmediate(r));
    const fresh = createNoteOutbox({ db: h.services.storage.db, sealKey: h.config.sealKey!, connectors: { connectwise: buildHarness().psa.connectwise }, entra: undefined, logger: h.services.logger, now: () => NOW });
    expect(await fresh.deliverDue()).toMatchObject({ written: 0 });
    expect(fresh.resumeAfterRestart()).toBe(1);
    expect(await fresh.deliverDue()).toMatchObject({ written: 1 });
  });

  it('revokes the pass and marks the issuance when the note cannot be written before its deadline', async () => {
    const { h } = harnessOnFile();
    h.psa.connectwise.failNotes = 1000;
    const result = await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 't' });
    const user = [...h.entra.tenants.get(CONTOSO)!.users.values()][0]!;
    const methodId = h.entra.tapsOf(CONTOSO, user.id)[0]!.id;
    // The pass is usable now for 60 minutes: the deadline is its expiry, well before the configured 2 hours.
    h.clock.now = new Date(NOW.getTime() + 61 * 60_000);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ revoked: 1 });
    expect(h.entra.deleted).toEqual([methodId]);
    expect(h.services.outbox.backlog()).toBe(0);
    expect(h.services.issuances.get(result.issuanceId)).toMatchObject({ outcome: 'revoked', outcomeCode: 'NOTE_UNDELIVERABLE', noteStatus: 'failed' });
  });

  it('keeps the row and retries the revocation when Graph is down at give-up time', async () => {
    const { h } = harnessOnFile();
    h.psa.connectwise.failNotes = 1000;
    await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 't' });
    const original = h.entra.deleteTap.bind(h.entra);
    let failures = 1;
    h.entra.deleteTap = async (...args) => {
      if (failures-- > 0) throw new AppError('UPSTREAM_UNAVAILABLE');
      return original(...args);
    };
    h.clock.now = new Date(NOW.getTime() + 61 * 60_000);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ pending: 1 });
    expect(h.services.outbox.backlog()).toBe(1);
    h.clock.now = new Date(NOW.getTime() + 70 * 60_000);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ revoked: 1 });
  });

  it('does not write a claimed note a second time when its lease ran out and the worker wrote it first (review of stop 10)', async () => {
    const { h } = harnessOnFile();
    const outbox = h.services.outbox;
    const claimed = outbox.enqueueClaimed({ psa: 'connectwise', ticketId: '100', kind: 'info', note: { text: 't', html: 'h' }, deadlineAt: new Date(NOW.getTime() + 3600_000) });
    // The press waits longer than the lease before its own attempt (a pacer hold on another note): the worker takes it.
    h.clock.now = new Date(NOW.getTime() + 3 * 60_000);
    expect(await outbox.deliverDue()).toMatchObject({ written: 1 });
    expect(await outbox.deliverClaimed(claimed)).toBe('written');
    expect(h.psa.connectwise.notes).toHaveLength(1);
  });

  it('does not deliver the same row twice when the worker and the button race', async () => {
    const { h } = harnessOnFile();
    const id = h.services.outbox.enqueue({ psa: 'connectwise', ticketId: '100', kind: 'info', note: { text: 't', html: 'h' }, deadlineAt: new Date(NOW.getTime() + 3600_000) });
    const results = await Promise.all([h.services.outbox.deliver(id), h.services.outbox.deliverDue(), h.services.outbox.deliver(id)]);
    expect(results[0]).toBe('written');
    expect(h.psa.connectwise.notes).toHaveLength(1);
  });

  it('reproduction: a pass row whose ticket_id was edited in the database is not delivered to that ticket, and the pass is revoked', async () => {
    const { h } = harnessOnFile();
    h.psa.connectwise.addTicket({ id: '101', companyId: '10', customFields: {} }); // another customer's ticket, say
    h.psa.connectwise.failNotes = 1;
    const result = await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 't' });
    expect(result.note.status).toBe('pending');
    const db = h.services.storage.db;
    db.update(noteOutbox).set({ ticketId: '101' }).where(eq(noteOutbox.issuanceId, result.issuanceId)).run();
    h.clock.now = new Date(NOW.getTime() + 10 * 60_000);
    await h.services.outbox.deliverDue();
    expect(h.psa.connectwise.notes.filter((n) => n.ticketId === '101')).toEqual([]);
    expect(h.psa.connectwise.notes).toEqual([]);
    // The pass in that row is a live credential nobody will receive: it is revoked.
    expect(h.entra.deleted).toHaveLength(1);
    expect(h.services.issuances.get(result.issuanceId)).toMatchObject({ outcome: 'revoked', noteStatus: 'failed' });
  });

  it.each([
    ['psa', { psa: 'halo' as const }],
    ['issuance_id', { issuanceId: null }],
    ['kind', { kind: 'info' as const }],
  ])('a pass row whose %s was edited is not delivered, and its pass is revoked', async (_column, change) => {
    const { h } = harnessOnFile();
    h.psa.connectwise.failNotes = 1;
    const result = await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 't' });
    h.services.storage.db.update(noteOutbox).set(change).where(eq(noteOutbox.issuanceId, result.issuanceId)).run();
    h.clock.now = new Date(NOW.getTime() + 10 * 60_000);
    await h.services.outbox.deliverDue();
    expect(h.psa.connectwise.notes).toEqual([]);
    expect(h.entra.deleted).toHaveLength(1);
  });

  it('delivers a note sealed before the upgrade (version 1 rows are not lost)', async () => {
    const { h } = harnessOnFile();
    const id = h.services.outbox.enqueue({ psa: 'connectwise', ticketId: '100', kind: 'info', note: { text: 'placeholder', html: 'h' }, deadlineAt: new Date(NOW.getTime() + 3600_000) });
    const legacy = sealVersion1(h.config.sealKey!, id, JSON.stringify({ text: 'queued before the upgrade', html: '<p>queued before the upgrade</p>' }));
    h.services.storage.db.update(noteOutbox).set({ sealedBody: legacy }).where(eq(noteOutbox.id, id)).run();
    expect(await h.services.outbox.deliverDue()).toMatchObject({ written: 1 });
    expect(h.psa.connectwise.notes.map((n) => n.note.text)).toEqual(['queued before the upgrade']);
  });

  it('the start-up key check passes when an altered row sits beside good ones (the worker gives the altered one up)', () => {
    const { h } = harnessOnFile();
    const note = { psa: 'connectwise' as const, ticketId: '100', kind: 'info' as const, note: { text: 't', html: 'h' }, deadlineAt: new Date(NOW.getTime() + 3600_000) };
    const altered = h.services.outbox.enqueue({ ...note, id: 'a-first' });
    h.services.outbox.enqueue({ ...note, id: 'b-second' });
    h.services.storage.db.update(noteOutbox).set({ ticketId: '999' }).where(eq(noteOutbox.id, altered)).run();
    expect(() => h.services.outbox.verifyKey()).not.toThrow();
  });

  it('refuses to open rows with a different key (start-up check)', () => {
    const { h } = harnessOnFile();
    h.services.outbox.enqueue({ psa: 'connectwise', ticketId: '100', kind: 'info', note: { text: 't', html: 'h' }, deadlineAt: new Date(NOW.getTime() + 3600_000) });
    const other = createNoteOutbox({ db: h.services.storage.db, sealKey: Buffer.alloc(32, 9), connectors: {}, entra: undefined, logger: h.services.logger });
    expect(() => other.verifyKey()).toThrow(SealError);
    expect(() => h.services.outbox.verifyKey()).not.toThrow();
  });
});

describe('delivery timing', () => {
  it('backs off 15 s, 30 s, 1 min … up to 5 min', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((a) => retryDelayMs(a, () => 0.5))).toEqual([15_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000]);
  });

  it('gives a pass note until the earliest of the configured deadline, the expiry and a future start', () => {
    const now = new Date('2026-11-26T10:00:00Z');
    const inMinutes = (m: number) => new Date(now.getTime() + m * 60_000);
    expect(noteDeadline(now, 120, now, inMinutes(60))).toEqual(inMinutes(60));
    expect(noteDeadline(now, 120, inMinutes(3 * 24 * 60), inMinutes(3 * 24 * 60 + 480))).toEqual(inMinutes(120));
    expect(noteDeadline(now, 120, inMinutes(30), inMinutes(90))).toEqual(inMinutes(30));
    expect(noteDeadline(now, 120, inMinutes(1), inMinutes(61))).toEqual(inMinutes(5));
  });
});
