import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { createEnrolmentFollowUp } from '../../src/lifecycle/follow-up.js';
import { buildHarness, CONTOSO, type Harness } from '../polling/harness.js';

/** Issue 12, "Follow-up: did the user enrol?" — Graph's authentication methods and the TAP method itself decide. */
const NOW = new Date('2026-11-26T10:00:00Z');
let h: Harness;
let userId: string;

const followUp = () => createEnrolmentFollowUp({ ...h.deps, entra: h.entra, outbox: h.outbox, transaction: (fn) => h.storage.sqlite.transaction(fn)() });
const notes = () => h.psa.connectwise.notesFor('100').map((n) => n.note.text).slice(1);
const events = (outcome: 'enrolled' | 'expired' | 'revoked') => h.issuances.list({ outcome }, { limit: 10, offset: 0 }).rows;

async function issue(env: Record<string, string> = {}) {
  h = buildHarness({ now: NOW, env });
  h.map('connectwise', '10');
  userId = h.entra.addUser(CONTOSO, 'jane@contoso.example', 'Jane Doe').id;
  h.psa.connectwise.add({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example', 'Start date': '2026-11-27' } });
  await h.deps.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 'Alex' });
}

describe('enrolment follow-up', () => {
  beforeEach(async () => {
    await issue();
  });

  it('does nothing before the pass starts', async () => {
    h.entra.register(userId, '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', '2026-11-26T09:00:00Z');
    expect(await followUp().runDue()).toMatchObject({ checked: 0 });
    expect(notes()).toHaveLength(0);
  });

  it.each([
    ['#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', 'Microsoft Authenticator', '2026-11-27T08:14:00Z', ' at 09:14 (Europe/Amsterdam)'],
    ['#microsoft.graph.fido2AuthenticationMethod', 'a passkey (FIDO2)', '2026-11-27T08:20:00Z', ' at 09:20 (Europe/Amsterdam)'],
    ['#microsoft.graph.windowsHelloForBusinessAuthenticationMethod', 'Windows Hello for Business', '2026-11-27T07:45:00Z', ' at 08:45 (Europe/Amsterdam)'],
    ['#microsoft.graph.softwareOathAuthenticationMethod', 'a software OATH token', '2026-11-27T08:30:00Z', ' at 09:30 (Europe/Amsterdam)'],
  ])('%s registered after the start: one note saying what and when, and an enrolled audit row', async (type, name, at, when) => {
    h.setNow('2026-11-27T09:00:00Z');
    h.entra.register(userId, type, at);

    expect(await followUp().runDue()).toMatchObject({ checked: 1, enrolled: 1 });
    await followUp().runDue();

    expect(notes()).toHaveLength(1);
    expect(notes()[0]!.split('\n')[0]).toBe(`jane@contoso.example registered ${name}${when}`);
    expect(events('enrolled')).toMatchObject([{ ticketId: '100', outcomeCode: 'USER_ENROLLED', detail: `jane@contoso.example registered ${name}${when}.` }]);
  });

  it('a method Graph gives no date for (software OATH in v1.0) may predate the pass: not taken as enrolment', async () => {
    h.setNow('2026-11-27T09:00:00Z');
    h.entra.register(userId, '#microsoft.graph.softwareOathAuthenticationMethod', undefined);
    expect(await followUp().runDue()).toMatchObject({ checked: 1, waiting: 1, enrolled: 0 });
    expect(notes()).toHaveLength(0);
  });

  it('a method registered before the pass started does not count; the pass still usable means wait', async () => {
    h.entra.register(userId, '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', '2026-11-20T08:00:00Z');
    h.setNow('2026-11-27T09:00:00Z');
    expect(await followUp().runDue()).toMatchObject({ checked: 1, waiting: 1 });
    expect(notes()).toHaveLength(0);
    h.entra.register(userId, '#microsoft.graph.fido2AuthenticationMethod', '2026-11-27T09:30:00Z');
    h.setNow('2026-11-27T09:45:00Z');
    expect(await followUp().runDue()).toMatchObject({ enrolled: 1 });
    expect(notes()[0]).toContain('registered a passkey (FIDO2) at 10:30 (Europe/Amsterdam)');
  });

  it('expired with nothing registered: one note with what to do next (Graph says Expired)', async () => {
    h.setNow('2026-11-27T16:00:00Z');
    expect(await followUp().runDue()).toMatchObject({ expired: 1 });
    await followUp().runDue();
    expect(notes()).toHaveLength(1);
    expect(notes()[0]).toContain('Temporary Access Pass expired: jane@contoso.example has not enrolled');
    expect(notes()[0]).toContain('press "Issue TAP" on this ticket to issue a new pass');
    expect(events('expired')).toMatchObject([{ outcomeCode: 'PASS_EXPIRED_NOT_ENROLLED' }]);
  });

  it('used once with nothing registered: one note', async () => {
    // A tenant whose policy makes every pass usable once.
    h = buildHarness({ now: NOW });
    h.entra.policy = { ...h.entra.policy, isUsableOnce: true };
    h.map('connectwise', '10');
    userId = h.entra.addUser(CONTOSO, 'jane@contoso.example').id;
    h.psa.connectwise.add({ id: '100', companyId: '10', customFields: { 'New user UPN': 'jane@contoso.example', 'Start date': '2026-11-27' } });
    await h.deps.tickets.issueForTicket({ psa: 'connectwise', ticketId: '100', trigger: 'button', requestedBy: 'Alex' });
    h.setNow('2026-11-27T08:00:00Z');
    h.entra.useOnce(userId);

    expect(await followUp().runDue()).toMatchObject({ used: 1 });
    expect(notes()[0]).toContain('Temporary Access Pass used once: jane@contoso.example has not enrolled');
    expect(events('expired')).toMatchObject([{ outcomeCode: 'PASS_USED_NOT_ENROLLED' }]);
  });

  it('deleted outside the connector: one note saying so', async () => {
    h.setNow('2026-11-27T08:00:00Z');
    h.entra.live.delete(userId);
    expect(await followUp().runDue()).toMatchObject({ deleted: 1 });
    expect(notes()[0]).toContain('Temporary Access Pass deleted outside the connector for jane@contoso.example');
    expect(events('revoked')).toMatchObject([{ outcomeCode: 'PASS_DELETED_ELSEWHERE' }]);
  });

  it('stops following a pass after its end plus a day', async () => {
    h.setNow('2026-11-28T15:01:00Z');
    expect(await followUp().runDue()).toMatchObject({ checked: 0 });
    expect(notes()).toHaveLength(0);
  });

  it('a revoked pass is not followed up', async () => {
    const pass = h.passes.liveForTicket('connectwise', '100')[0]!;
    h.passes.end(pass.id);
    h.setNow('2026-11-27T16:00:00Z');
    expect(await followUp().runDue()).toMatchObject({ checked: 0 });
  });

  it('throttled by Graph: nothing noted, tried again next time', async () => {
    h.setNow('2026-11-27T16:00:00Z');
    const list = h.entra.listAuthenticationMethods.bind(h.entra);
    h.entra.listAuthenticationMethods = async () => {
      throw new AppError('UPSTREAM_THROTTLED', undefined, { retryAfterSeconds: 30 });
    };
    expect(await followUp().runDue()).toMatchObject({ failed: 1 });
    h.entra.listAuthenticationMethods = list;
    expect(await followUp().runDue()).toMatchObject({ expired: 1 });
    expect(notes()).toHaveLength(1);
  });

  it('a restart in the middle writes the note once', async () => {
    h.setNow('2026-11-27T16:00:00Z');
    const enqueue = h.outbox.enqueue;
    h.outbox.enqueue = () => {
      throw new Error('process died');
    };
    await expect(followUp().runDue()).rejects.toThrow('process died');
    h.outbox.enqueue = enqueue;
    expect(events('expired')).toHaveLength(0);
    await followUp().runDue();
    await followUp().runDue();
    expect(notes()).toHaveLength(1);
    expect(events('expired')).toHaveLength(1);
  });
});

describe('enrolled status', () => {
  it('moves the ticket to CW_ENROLLED_STATUS with the note', async () => {
    await issue({ CW_ENROLLED_STATUS: 'Enrolled' });
    h.setNow('2026-11-27T09:00:00Z');
    h.entra.register(userId, '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', '2026-11-27T08:14:00Z');
    await followUp().runDue();
    const last = h.psa.connectwise.notesFor('100').at(-1)!;
    expect(last.status).toBe('Enrolled');
  });
});

describe('more started passes than one run checks', () => {
  it('a pass behind 100 older ones still waiting is checked on the next run (the runs take turns)', async () => {
    h = buildHarness({ now: NOW });
    h.map('connectwise', '10'); // passes from 08:00 Amsterdam (07:00Z)
    h.map('connectwise', '11', { activationHour: 9 }); // from 09:00 (08:00Z): behind all of company 10's
    for (let i = 0; i < 100; i += 1) {
      h.entra.addUser(CONTOSO, `u${i}@contoso.example`);
      h.psa.connectwise.add({ id: String(1000 + i), companyId: '10', customFields: { 'New user UPN': `u${i}@contoso.example`, 'Start date': '2026-11-27' } });
      await h.deps.tickets.issueForTicket({ psa: 'connectwise', ticketId: String(1000 + i), trigger: 'button', requestedBy: 'Alex' });
    }
    const late = h.entra.addUser(CONTOSO, 'late@contoso.example', 'Late Starter').id;
    h.psa.connectwise.add({ id: '2000', companyId: '11', customFields: { 'New user UPN': 'late@contoso.example', 'Start date': '2026-11-27' } });
    await h.deps.tickets.issueForTicket({ psa: 'connectwise', ticketId: '2000', trigger: 'button', requestedBy: 'Alex' });
    h.setNow('2026-11-27T09:00:00Z');
    h.entra.register(late, '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', '2026-11-27T08:30:00Z');
    const run = followUp();

    // The 100 oldest, none enrolled yet (all still usable: Graph says wait).
    expect(await run.runDue()).toMatchObject({ checked: 100, waiting: 100, enrolled: 0 });
    // The next run starts where the last one stopped: the late pass, then round again.
    expect(await run.runDue()).toMatchObject({ checked: 100, enrolled: 1, waiting: 99 });
    expect(h.psa.connectwise.notesFor('2000').at(-1)!.note.text).toContain('late@contoso.example registered Microsoft Authenticator');
    // The run after that checks each of the 100 still waiting once: none is skipped or checked twice.
    const seen = new Set<string>();
    const list = h.entra.listAuthenticationMethods.bind(h.entra);
    h.entra.listAuthenticationMethods = async (tenantId, userId) => (seen.add(userId), list(tenantId, userId));
    expect(await run.runDue()).toMatchObject({ checked: 100, waiting: 100 });
    expect(seen.size).toBe(100);
  });
});
