import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pressButton } from '../helpers/button.js';
import { TENANT_IDS } from '../../src/sandbox/index.js';
import {
  readinessDetails,
  connectWiseInternalNotes,
  killAllConnectors,
  passInHtml,
  passInText,
  BUTTON_SECRETS,
  startConnectorProcess,
  startWorld,
  waitFor,
  type World,
} from './harness.js';

/**
 * SIGTERM (a deploy, `docker stop`, systemd) while a pass is on its way to the ticket: the connector stops taking new
 * requests, lets the one in flight finish, and exits 0 — or, when the PSA cannot take the note yet, leaves the sealed
 * pass in the outbox for the next start. Either way the note arrives once, with the pass Graph issued.
 */

let world: World;

beforeAll(async () => {
  world = await startWorld({ now: new Date() });
  world.seedMappings();
}, 30_000);

afterAll(async () => {
  await killAllConnectors();
  await world?.close();
});

interface ButtonAnswer {
  status: string;
  note: { status: string };
}

describe('graceful stop, connector in its own process', () => {
  it('SIGTERM while the note is being written: the request finishes, the note is on the ticket, the process exits 0', async () => {
    const { sandbox } = world;
    const connector = await startConnectorProcess(world.env());
    const path = /\/service\/tickets\/48111\/notes$/; // "Outlook keeps asking for my password", Fabrikam, Ivan Petrov
    let release!: () => void;
    const held = sandbox.connectwise.faults.add({ method: 'POST', path, hold: new Promise<void>((resolve) => (release = resolve)) });
    const answer = pressButton(connector.url, 'connectwise', 48111, {}, { secret: BUTTON_SECRETS.connectwise }).then(async (res) => ({ status: res.status, body: (await res.json()) as ButtonAnswer }));
    const tap = await waitFor(() => held.hits === 1 && sandbox.entra.state.tap(TENANT_IDS.fabrikam, 'ivan.petrov@fabrikam.example'), {
      what: () => `Graph to create Ivan's pass and ConnectWise to hold the note request\n${connector.output().slice(-3000)}`,
    });

    connector.signal('SIGTERM');
    await waitFor(() => connector.logs().some((l) => l.msg === 'signal received'), { what: 'the connector to log the signal' });
    // Stopping: no new connections are accepted, while the request in flight is still being served.
    await waitFor(async () => fetch(`${connector.url}/healthz`).then(() => false, () => true), { what: 'the connector to stop listening' });
    expect(connector.child.exitCode).toBeNull();

    release();
    const { status, body } = await answer;
    expect(status).toBe(201);
    expect(body).toMatchObject({ status: 'issued', note: { status: 'written' } });
    expect(await connector.exited).toBe(0);

    const notes = connectWiseInternalNotes(sandbox, 48111);
    expect(notes).toHaveLength(1);
    expect(passInText(notes[0]!.text)).toBe(tap.temporaryAccessPass);

    // Nothing was left behind for the next start.
    const next = await startConnectorProcess(world.env());
    expect((await readinessDetails(next.url)).outboxBacklog).toBe(0);
    next.signal('SIGTERM');
    expect(await next.exited).toBe(0);
    expect(connectWiseInternalNotes(sandbox, 48111)).toHaveLength(1);
  }, 40_000);

  it('SIGTERM while HaloPSA refuses the note: the sealed pass waits in the outbox and is noted after the restart', async () => {
    const { sandbox } = world;
    const connector = await startConnectorProcess(world.env());
    // Ticket 2012: "Lost phone - reset MFA for Alice Jansen", Contoso. Halo is down for the first note attempt.
    const refused = sandbox.halo.faults.add({ method: 'POST', path: '/api/Actions', status: 503 });
    const res = await pressButton(connector.url, 'halo', 2012, {}, { secret: BUTTON_SECRETS.halo });
    expect(res.status).toBe(201);
    expect(((await res.json()) as ButtonAnswer).note.status).toBe('pending');
    expect(refused.hits).toBe(1);
    const tap = sandbox.entra.state.tap(TENANT_IDS.contoso, 'alice.jansen@contoso.example');
    expect(tap).toBeDefined();
    expect(sandbox.halo.state.actions(2012)).toHaveLength(0);

    connector.signal('SIGTERM');
    expect(await connector.exited).toBe(0);

    // A restart makes every waiting note due at once (src/delivery/outbox.ts, resumeAfterRestart).
    const next = await startConnectorProcess(world.env());
    await waitFor(() => sandbox.halo.state.actions(2012).length > 0, { timeoutMs: 10_000, intervalMs: 100, what: () => `the Halo note after the restart\n${next.output().slice(-3000)}` });
    await waitFor(async () => (await readinessDetails(next.url)).outboxBacklog === 0, { what: 'an empty outbox' });
    const actions = sandbox.halo.state.actions(2012);
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ hiddenfromuser: true, sendemail: false });
    expect(passInHtml(actions[0]!.note_html)).toBe(tap!.temporaryAccessPass);
    expect(sandbox.entra.state.tap(TENANT_IDS.contoso, 'alice.jansen@contoso.example')?.temporaryAccessPass).toBe(tap!.temporaryAccessPass);
  }, 50_000);
});
