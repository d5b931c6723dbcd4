import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pressButton } from '../helpers/button.js';
import { TENANT_IDS } from '../../src/sandbox/index.js';
import {
  readinessDetails,
  connectWiseInternalNotes,
  killAllConnectors,
  killConnector,
  passInText,
  BUTTON_SECRETS,
  startConnectorProcess,
  startWorld,
  waitFor,
  type World,
} from './harness.js';

/**
 * Invariant 5 (docs: DESIGN.md, "Nothing lost"), with a real process and a real SIGKILL: the connector dies after Graph
 * created the pass and before ConnectWise stored the note. The pass must be sealed in the outbox on disk, and the
 * restarted connector (same DATABASE_PATH and TAP_SEAL_KEY) must put exactly one note with that same pass on the ticket.
 */

const TICKET = 48112; // "Lost phone - reset MFA for Alice Jansen", Contoso
const ALICE = 'alice.jansen@contoso.example';
const NOTES_PATH = /\/service\/tickets\/48112\/notes$/;
/**
 * How soon after the restart the waiting note must be on the ticket. The outbox runs at start-up and every 5 s, so
 * this is generous; it must not have to wait for a lease taken by the process that no longer exists.
 */
const NOTE_AFTER_RESTART_MS = 20_000;

let world: World;

beforeAll(async () => {
  world = await startWorld({ now: new Date() });
  world.seedMappings();
}, 30_000);

afterAll(async () => {
  await killAllConnectors();
  await world?.close();
});

/** Every byte of the SQLite database, WAL included: what a backup or a stolen disk would hold. */
function databaseBytes(): string {
  return [world.databasePath, `${world.databasePath}-wal`]
    .filter((p) => existsSync(p))
    .map((p) => readFileSync(p).toString('latin1'))
    .join('');
}

describe('crash safety, connector in its own process', () => {
  it('killed with SIGKILL between the TAP and its note, the restarted connector writes the note exactly once with the same pass', async () => {
    const { sandbox } = world;
    const first = await startConnectorProcess(world.env());

    // ConnectWise holds the note request; once released it cuts the connection without storing anything, as if the
    // request had died with the connector. (Released without `drop`, the sandbox runs the route and stores the note
    // although its client is gone, and the restarted connector, which does not look for a note it may already have
    // written, adds a second one: the "request arrived, answer lost" case is not covered by the outbox.)
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const held = sandbox.connectwise.faults.add({ method: 'POST', path: NOTES_PATH, hold, drop: true });
    const answer = pressButton(first.url, 'connectwise', TICKET, {}, { secret: BUTTON_SECRETS.connectwise }).then(
      (res) => res.status,
      () => 'connection lost',
    );

    const tap = await waitFor(() => held.hits === 1 && sandbox.entra.state.tap(TENANT_IDS.contoso, ALICE), {
      what: () => `Graph to create Alice's pass and ConnectWise to hold the note request (held: ${held.hits})\n${first.output().slice(-3000)}`,
    });
    const pass = tap.temporaryAccessPass;

    expect(await killConnector(first)).toBe('SIGKILL');
    expect(await answer).toBe('connection lost');
    release();
    await waitFor(() => sandbox.connectwise.faults.requests({ method: 'POST', path: NOTES_PATH }).length === 1, { what: 'the held note request to end' });
    expect(sandbox.connectwise.faults.requests({ method: 'POST', path: NOTES_PATH })[0]).toMatchObject({ status: 0, faulted: true });
    expect(connectWiseInternalNotes(sandbox, TICKET)).toHaveLength(0);
    // Between the two processes the pass exists only sealed: never in clear on disk.
    expect(databaseBytes()).not.toContain(pass);

    const second = await startConnectorProcess(world.env());
    const notes = await waitFor(
      () => {
        const found = connectWiseInternalNotes(sandbox, TICKET);
        return found.length > 0 && found;
      },
      {
        timeoutMs: NOTE_AFTER_RESTART_MS,
        intervalMs: 100,
        what: () =>
          `the note after the restart (notes on the ticket: ${connectWiseInternalNotes(sandbox, TICKET).length}; ` +
          `note requests since the restart: ${sandbox.connectwise.faults.requests({ method: 'POST', path: NOTES_PATH }).length - 1}). ` +
          'The interrupted attempt claimed the outbox row for the outbox lease (src/delivery/outbox.ts, leaseMs 120 s), and ' +
          `nothing releases that claim when the process that took it is gone.\n${second.output().slice(-3000)}`,
      },
    );
    // Nothing left to deliver, so no second note can follow.
    await waitFor(async () => (await readinessDetails(second.url)).outboxBacklog === 0, { what: 'an empty outbox' });
    expect(connectWiseInternalNotes(sandbox, TICKET)).toHaveLength(1);
    expect(notes[0]).toMatchObject({ internalAnalysisFlag: true, detailDescriptionFlag: false, processNotifications: false });
    expect(passInText(notes[0]!.text)).toBe(pass);
    // The same pass: Graph was not asked again, and Alice's current pass is still the one in the note.
    expect(sandbox.entra.state.tapsCreated).toHaveLength(1);
    expect(sandbox.entra.state.tap(TENANT_IDS.contoso, ALICE)?.temporaryAccessPass).toBe(pass);
    expect(first.output() + second.output()).not.toContain(pass);
  }, NOTE_AFTER_RESTART_MS + 25_000);
});
