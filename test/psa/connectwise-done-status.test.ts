import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createConnectWiseConnector } from '../../src/psa/connectwise/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { checkRequest } from '../contract/checker.js';
import { recordedSince, recordingMark } from '../contract/recording/recorder.js';
import { captureLogger } from './helpers.js';

/**
 * Issue 12 left, issue 14 task: the ConnectWise done-status PATCH after the pass note could overwrite a status someone
 * set in between (a cancel): the follower then never saw the cancel, and the pass stayed live. The adapter now reads
 * the status right before the PATCH and moves the ticket only if it is still the status seen before the note.
 * Against the simulated ConnectWise (seeded onboarding ticket 48101 in "New" on the Onboarding board).
 */
let sandbox: Sandbox;
let config: Config;
const TICKET = 48101;
const note = { text: 'Temporary Access Pass issued for bram.devries@contoso.example', html: '<p>Temporary Access Pass issued</p>' };

beforeAll(async () => {
  sandbox = await startSandbox();
  // Only the ConnectWise settings are used: the adapter alone talks to the simulator, no database is opened.
  config = loadConfig({ ...sandbox.env, DATABASE_PATH: ':memory:', TAP_SEAL_KEY: Buffer.alloc(32, 5).toString('base64'), LOG_LEVEL: 'silent' });
});
afterAll(async () => {
  await sandbox?.close();
});
beforeEach(() => {
  sandbox.connectwise.state.setStatus(TICKET, { name: 'New' });
  sandbox.connectwise.faults.reset();
});

const statusOf = () => (sandbox.connectwise.state.ticketJson(TICKET) as { status: { name: string } }).status.name;
const connector = () => {
  const { logger, lines } = captureLogger();
  return { cw: createConnectWiseConnector({ config: config.connectwise!, logger, sleep: async () => undefined }), lines };
};

describe('ConnectWise done status after the pass note', () => {
  it.each([['by name', 'TAP Issued'], ['by id', '152']])('moves the ticket when nobody changed its status meanwhile (%s)', async (_how, done) => {
    const { cw } = connector();
    const mark = recordingMark();
    await cw.writePrivateNote(String(TICKET), note, { status: done });
    expect(statusOf()).toBe('TAP Issued');
    // Every request the adapter made is one the vendor describes (the status reads included).
    expect(recordedSince(mark).flatMap((r) => checkRequest(r).problems)).toEqual([]);
  });

  it.each([['by name', 'TAP Issued'], ['by id', '152']])('does not overwrite a status someone set while the note was being written (%s)', async (_how, done) => {
    const { cw, lines } = connector();
    let release!: () => void;
    const held = sandbox.connectwise.faults.add({ method: 'POST', path: `/service/tickets/${TICKET}/notes`, hold: new Promise<void>((r) => (release = r)) });
    const writing = cw.writePrivateNote(String(TICKET), note, { status: done });
    await vi.waitFor(() => expect(held.hits).toBe(1));

    // A technician closes (cancels) the onboarding while the connector is writing its note.
    sandbox.connectwise.state.setStatus(TICKET, { name: 'Completed' });
    release();
    await writing;

    expect(statusOf()).toBe('Completed');
    expect(sandbox.connectwise.state.notes(TICKET).at(-1)?.text).toBe(note.text);
    expect(sandbox.connectwise.faults.requests({ method: 'PATCH' })).toEqual([]);
    expect(lines.some((l) => l.includes('status changed while the note was written'))).toBe(true);
  });
});
