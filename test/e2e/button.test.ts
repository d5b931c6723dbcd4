import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pressButton } from '../helpers/button.js';
import { CW_COMPANY_IDS, HALO_CLIENT_IDS, PSA_SETTINGS, TENANT_IDS } from '../../src/sandbox/index.js';
import {
  connectWiseInternalNotes,
  killAllConnectors,
  passInHtml,
  passInText,
  BUTTON_SECRETS,
  putMapping,
  startConnectorProcess,
  startWorld,
  type ConnectorProcess,
  type World,
} from './harness.js';

/**
 * The "Issue TAP" button, server to server, against a connector running as its own process: the PSA's call leaves a
 * private note on the ticket holding exactly the pass the simulated Graph created for that user in the mapped tenant.
 */

let world: World;
let connector: ConnectorProcess;

beforeAll(async () => {
  world = await startWorld({ now: new Date() });
  connector = await startConnectorProcess(world.env());
  // The admin maps the two customers through the mappings API: Contoso by its domain (resolved through the simulated
  // OpenID discovery), Fabrikam's Halo client by tenant id.
  const contoso = await putMapping(connector.url, 'connectwise', CW_COMPANY_IDS.contoso, { tenantDomain: 'contoso.example', companyName: 'Contoso Ltd', timeZone: 'Europe/Amsterdam', usableOnce: false });
  expect(contoso.status, await contoso.clone().text()).toBe(201);
  expect(((await contoso.json()) as { mapping: { tenantId: string } }).mapping.tenantId).toBe(TENANT_IDS.contoso);
  const fabrikam = await putMapping(connector.url, 'halo', HALO_CLIENT_IDS.fabrikam, { tenantId: TENANT_IDS.fabrikam, companyName: 'Fabrikam Inc', timeZone: 'America/New_York' });
  expect(fabrikam.status, await fabrikam.clone().text()).toBe(201);
}, 40_000);

afterAll(async () => {
  await killAllConnectors();
  await world?.close();
});

interface ButtonAnswer {
  issuanceId: string;
  status: string;
  ticketId: string;
  userPrincipalName: string;
  startDateTime: string;
  expiresDateTime: string;
  lifetimeMinutes: number;
  usableOnce: boolean;
  note: { status: string };
}

describe('the button, connector in its own process', () => {
  it('on a ConnectWise ticket leaves an internal note with the pass Graph issued for the contact in Contoso', async () => {
    // Ticket 48112: "Lost phone - reset MFA for Alice Jansen", Contoso, contact alice.jansen@contoso.example.
    const res = await pressButton(connector.url, 'connectwise', 48112, {}, { secret: BUTTON_SECRETS.connectwise });
    const raw = await res.text();
    expect(res.status, raw).toBe(201);
    const answer = JSON.parse(raw) as ButtonAnswer;
    expect(answer).toMatchObject({ status: 'issued', ticketId: '48112', userPrincipalName: 'alice.jansen@contoso.example', note: { status: 'written' } });

    const tap = world.sandbox.entra.state.tap(TENANT_IDS.contoso, 'alice.jansen@contoso.example');
    expect(tap, 'Graph holds a TAP for Alice in Contoso').toBeDefined();
    expect(world.sandbox.entra.state.tapsCreated.filter((t) => t.userId === tap!.userId)).toHaveLength(1);
    expect(tap!.startDateTime).toBe(answer.startDateTime);
    expect(tap!.lifetimeInMinutes).toBe(answer.lifetimeMinutes);
    // The pass travels to the ticket only, never back to the caller.
    expect(raw).not.toContain(tap!.temporaryAccessPass);

    const notes = connectWiseInternalNotes(world.sandbox, 48112);
    expect(notes).toHaveLength(1);
    const note = notes[0]!;
    expect(note).toMatchObject({ internalAnalysisFlag: true, detailDescriptionFlag: false, resolutionFlag: false, processNotifications: false });
    expect(passInText(note.text)).toBe(tap!.temporaryAccessPass);
    expect(note.text).toContain('Alice Jansen (alice.jansen@contoso.example)');
    expect(note.text).toMatch(/^Customer:\s+Contoso Ltd$/m);
    expect(connector.output()).not.toContain(tap!.temporaryAccessPass);
  });

  it('on a Halo ticket leaves a hidden action with the outcome set and the pass Graph issued in Fabrikam', async () => {
    // Ticket 2011: "Outlook keeps asking for my password", Fabrikam, end user ivan.petrov@fabrikam.example.
    const res = await pressButton(connector.url, 'halo', 2011, { requestedBy: 'Tom Tech (Halo runbook)' }, { secret: BUTTON_SECRETS.halo });
    const raw = await res.text();
    expect(res.status, raw).toBe(201);
    const answer = JSON.parse(raw) as ButtonAnswer;
    // Fabrikam's policy forces one-time passes (seed-directory.ts).
    expect(answer).toMatchObject({ status: 'issued', userPrincipalName: 'ivan.petrov@fabrikam.example', usableOnce: true, note: { status: 'written' } });

    const tap = world.sandbox.entra.state.tap(TENANT_IDS.fabrikam, 'ivan.petrov@fabrikam.example');
    expect(tap, 'Graph holds a TAP for Ivan in Fabrikam').toBeDefined();
    expect(tap!.isUsableOnce).toBe(true);
    expect(tap!.startDateTime).toBe(answer.startDateTime);
    expect(raw).not.toContain(tap!.temporaryAccessPass);
    // The pass was created in the mapped tenant and nowhere else.
    expect(world.sandbox.entra.state.tap(TENANT_IDS.contoso, 'ivan.petrov@fabrikam.example')).toBeUndefined();

    const actions = world.sandbox.halo.state.actions(2011);
    expect(actions).toHaveLength(1);
    const action = actions[0]!;
    expect(action).toMatchObject({ hiddenfromuser: true, sendemail: false, outcome_id: PSA_SETTINGS.halo.noteOutcomeId, outcome: 'Private Note' });
    expect(passInHtml(action.note_html)).toBe(tap!.temporaryAccessPass);
    expect(action.note_html).toContain('Tom Tech (Halo runbook)');
    expect(action.note_html).toContain('one sign-in only');
    expect(connector.output()).not.toContain(tap!.temporaryAccessPass);
  });

  it('a second press within the idempotency window issues no second pass and writes no second note', async () => {
    const before = world.sandbox.entra.state.tapsCreated.length;
    const res = await pressButton(connector.url, 'connectwise', 48112, {}, { secret: BUTTON_SECRETS.connectwise });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ButtonAnswer).status).toBe('already_issued');
    expect(world.sandbox.entra.state.tapsCreated).toHaveLength(before);
    expect(connectWiseInternalNotes(world.sandbox, 48112)).toHaveLength(1);
  });
});
