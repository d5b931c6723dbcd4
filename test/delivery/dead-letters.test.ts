import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, AdminClient, signedIn, testPasswordHash } from '../admin/helpers.js';
import { buildHarness, CONTOSO, type TestHarness } from '../helpers/services.js';

/**
 * Issue 14: an outbox row the connector gives up on is kept as a dead letter — what it was for, why it was given up,
 * when — without its note (the sealed body goes), and the admin health page shows it. Nothing is silently deleted.
 */
const NOW = new Date('2026-11-26T10:00:00Z');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function harness(): Promise<{ h: TestHarness }> {
  const dir = mkdtempSync(join(tmpdir(), 'tap-dead-'));
  dirs.push(dir);
  const path = join(dir, 'db.sqlite');
  const h = buildHarness({ now: NOW, databasePath: path, env: { ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD_HASH: await testPasswordHash() } });
  h.entra.addUser(CONTOSO, 'jane@contoso.example');
  h.map('connectwise', '10');
  h.psa.connectwise.addTicket({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example' } });
  return { h };
}

describe('dead letters', () => {
  it('a pass note given up at its deadline is kept as a dead letter: state, reason, attempts — no pass, no sealed body', async () => {
    const { h } = await harness();
    h.psa.connectwise.failNotes = 1000;
    const result = await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 't' });
    h.clock.now = new Date(NOW.getTime() + 61 * 60_000);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ revoked: 1 });

    expect(h.services.outbox.backlog()).toBe(0);
    const dead = h.services.outbox.deadLetters(10);
    expect(dead).toEqual([
      expect.objectContaining({ issuanceId: result.issuanceId, psa: 'connectwise', ticketId: '100', kind: 'pass', state: 'revoked', attempts: expect.any(Number), gaveUpAt: h.clock.now.toISOString() }),
    ]);
    expect(dead[0]!.reason).toContain('UPSTREAM_UNAVAILABLE');
    expect(h.services.outbox.deadLetterCount()).toBe(1);
    // What is kept says where and why, never what: the dead letter has no note and no sealed body.
    expect(Object.keys(dead[0]!)).not.toContain('sealedBody');
    h.services.storage.close();
  });

  it('an information note given up is kept too, as failed', async () => {
    const { h } = await harness();
    h.psa.connectwise.failNotes = 1000;
    h.services.outbox.enqueue({ psa: 'connectwise', ticketId: '100', kind: 'info', note: { text: 'refused: user not found', html: 'x' }, deadlineAt: new Date(NOW.getTime() + 30 * 60_000) });
    await h.services.outbox.deliverDue();
    h.clock.now = new Date(NOW.getTime() + 31 * 60_000);
    expect(await h.services.outbox.deliverDue()).toMatchObject({ failed: 1 });
    expect(h.services.outbox.deadLetters(10)).toEqual([expect.objectContaining({ kind: 'info', state: 'failed', ticketId: '100' })]);
  });

  it('the admin health page lists the dead letters with their reason', async () => {
    const { h } = await harness();
    h.psa.connectwise.failNotes = 1000;
    await h.services.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 't' });
    h.clock.now = new Date(NOW.getTime() + 61 * 60_000);
    await h.services.outbox.deliverDue();
    const client: AdminClient = await signedIn(h);
    await client.get('/admin/health');
    const text = client.lastHtml.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('1 note was given up');
    expect(text).toMatch(/ConnectWise ticket 100 pass note revoked/);
    expect(text).toContain('UPSTREAM_UNAVAILABLE');
  });
});
