import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSeed, TENANT_IDS } from '../../src/sandbox/index.js';
import { pressButton } from '../helpers/button.js';
import { BUTTON_SECRETS, connectWiseInternalNotes, killAllConnectors, startConnectorProcess, startWorld, waitFor, type ConnectorProcess, type World } from './harness.js';

/**
 * Issue 12 end to end: the connector in its own process against the simulated ConnectWise, Halo and Graph (whose TAP
 * list/get/delete, authentication methods and registerMethod hook are the simulator's own). A cancelled onboarding
 * revokes the pass or drops the schedule; DELETE …/tap revokes from the ticket; the follow-up sees the user enrol.
 */
const NOW = new Date();
let world: World;
let connector: ConnectorProcess;

const CW_BRAM = 48101;
const CW_ALICE = 48112;
const HALO_IVAN = 2011;
/** Seeded three weeks ahead: scheduled, not issued. */
const HALO_NOOR = 2003;
const cwNotes = (ticketId: number) => connectWiseInternalNotes(world.sandbox, ticketId).map((n) => n.text);
const haloNotes = (ticketId: number) => world.sandbox.halo.state.actions(ticketId).map((a) => a.note_html);

beforeAll(async () => {
  world = await startWorld({ seed: defaultSeed({ now: NOW }) });
  world.seedMappings();
  connector = await startConnectorProcess(
    world.env({ polling: true, overrides: { CW_CANCELLED_STATUS: 'Completed', HALO_CANCELLED_STATUS_ID: '9', FOLLOW_UP_INTERVAL_SECONDS: '1' } }),
  );
  await waitFor(() => cwNotes(CW_BRAM).length > 0, { timeoutMs: 25_000, what: () => `a note on ConnectWise ticket ${CW_BRAM}\n${connector.output().slice(-3000)}` });
}, 45_000);

afterAll(async () => {
  await killAllConnectors();
  await world?.close();
});

describe('the pass follows its ticket, connector in its own process', () => {
  it('ConnectWise: an issued onboarding pass is revoked in Graph when the ticket moves to the cancelled status, with one note', async () => {
    const upn = 'bram.devries@contoso.example';
    expect(world.sandbox.entra.state.tap(TENANT_IDS.contoso, upn)).toBeDefined();
    // The pass note moves the ticket to the done status right after the note; HR cancels after that.
    const status = () => (world.sandbox.connectwise.state.ticketJson(CW_BRAM)?.status as { name?: string } | undefined)?.name;
    await waitFor(() => status() === 'TAP Issued', { timeoutMs: 10_000, what: () => `ticket ${CW_BRAM} in the done status (it is ${status()})` });
    world.sandbox.connectwise.state.setStatus(CW_BRAM, { name: 'Completed' });

    await waitFor(() => cwNotes(CW_BRAM).some((t) => t.startsWith('Temporary Access Pass revoked: onboarding cancelled')), {
      timeoutMs: 20_000,
      what: () => `the cancelled note on ${CW_BRAM}: ${JSON.stringify(cwNotes(CW_BRAM).map((t) => t.split('\n')[0]))}\n${connector.output().slice(-3000)}`,
    });
    expect(world.sandbox.entra.state.tap(TENANT_IDS.contoso, upn)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2_500));
    expect(cwNotes(CW_BRAM).filter((t) => t.includes('onboarding cancelled'))).toHaveLength(1);
  }, 30_000);

  it('Halo: a scheduled pass is dropped when the ticket moves to HALO_CANCELLED_STATUS_ID, read through lastupdatefromdate', async () => {
    await waitFor(() => haloNotes(HALO_NOOR).some((n) => n.includes('Temporary Access Pass scheduled')), { timeoutMs: 15_000, what: () => `the scheduled note on ${HALO_NOOR}` });
    // An agent closes the ticket (status 9) with an action of their own.
    world.sandbox.halo.state.addAction({ ticket_id: HALO_NOOR, outcome_id: 8, outcome: 'Phone Call', note_html: 'Candidate withdrew.', hiddenfromuser: true, sendemail: false, new_status: 9, who: 'Agent' });

    await waitFor(() => haloNotes(HALO_NOOR).some((n) => n.includes('Temporary Access Pass dropped: onboarding cancelled')), {
      timeoutMs: 20_000,
      what: () => `the cancelled note on ${HALO_NOOR}\n${connector.output().slice(-3000)}`,
    });
    const requests = world.sandbox.halo.faults.requests().filter((r) => r.method === 'GET' && r.path.endsWith('/Tickets'));
    expect(requests.at(-1)!.query).toContain('lastupdatefromdate=');
  }, 40_000);

  it('Halo: DELETE …/tap revokes the pass issued by the button, notes who revoked, and answers 404 the second time', async () => {
    const issued = await pressButton(connector.url, 'halo', HALO_IVAN, { requestedBy: 'Tom Tech' }, { secret: BUTTON_SECRETS.halo });
    expect(issued.status).toBe(201);
    expect(world.sandbox.entra.state.tap(TENANT_IDS.fabrikam, 'ivan.petrov@fabrikam.example')).toBeDefined();

    const revoke = () =>
      fetch(`${connector.url}/v1/psa/halo/tickets/${HALO_IVAN}/tap`, { method: 'DELETE', headers: { authorization: `Bearer ${BUTTON_SECRETS.halo}`, 'content-type': 'application/json' }, body: '{"requestedBy":"Tom Tech"}' });
    const res = await revoke();
    expect(res.status).toBe(200);
    expect(((await res.json()) as { revoked: unknown[] }).revoked).toHaveLength(1);
    expect(world.sandbox.entra.state.tap(TENANT_IDS.fabrikam, 'ivan.petrov@fabrikam.example')).toBeUndefined();
    expect(haloNotes(HALO_IVAN).at(-1)).toContain('Revoked by: <strong>Tom Tech</strong>');
    const again = await revoke();
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
  });

  it('ConnectWise: the follow-up notes that the user registered Microsoft Authenticator after the pass started', async () => {
    const res = await pressButton(connector.url, 'connectwise', CW_ALICE, {}, { secret: BUTTON_SECRETS.connectwise });
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 50));
    world.sandbox.entra.state.registerMethod(TENANT_IDS.contoso, 'alice.jansen@contoso.example', 'microsoftAuthenticator');

    await waitFor(() => cwNotes(CW_ALICE).some((t) => t.startsWith('alice.jansen@contoso.example registered Microsoft Authenticator at ')), {
      timeoutMs: 15_000,
      what: () => `the enrolled note on ${CW_ALICE}: ${JSON.stringify(cwNotes(CW_ALICE).map((t) => t.split('\n')[0]))}\n${connector.output().slice(-3000)}`,
    });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(cwNotes(CW_ALICE).filter((t) => t.includes('registered Microsoft Authenticator'))).toHaveLength(1);
  }, 30_000);
});
