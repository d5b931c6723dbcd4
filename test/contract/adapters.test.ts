import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createEntraDirectory } from '../../src/entra/index.js';
import type { EntraDirectory } from '../../src/entra/port.js';
import { createConnectWiseConnector, createConnectWiseMemberVerifier } from '../../src/psa/connectwise/index.js';
import { createHaloConnector } from '../../src/psa/halo/index.js';
import type { HostedMemberVerifier, PsaConnector } from '../../src/psa/port.js';
import { startSandbox, TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { captureLogger } from '../psa/helpers.js';
import { checkRequest } from './checker.js';
import { recordedSince, recordingMark } from './recording/recorder.js';
import type { RecordedRequest } from './recording/types.js';

/**
 * Each adapter through its whole operation matrix against the simulators (real HTTP on loopback), with the recorder
 * on: every PsaConnector method of both PSAs, the ConnectWise member check and every EntraDirectory method, on
 * success and on failure (faults injected: 404, 401, 403, 429, 5xx), and then every request they sent is checked
 * against the vendors' published descriptions. A method added to a port but not to this matrix fails the coverage test.
 */

let sandbox: Sandbox;
let config: Config;
let dir: string;
const noWait = async () => {};

beforeAll(async () => {
  sandbox = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'contract-adapters-'));
  config = loadConfig(
    { ...sandbox.env, DATABASE_PATH: join(dir, 'c.sqlite'), TAP_SEAL_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent' },
    { trustedCaPem: sandbox.entra.caPem, port: 0 },
  );
});

afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one matrix step and remembers which port method it exercised; failures the step provokes are expected. */
function matrix() {
  const called = new Set<string>();
  return {
    called,
    async step<T>(method: string, run: () => Promise<T>): Promise<T | Error> {
      called.add(method);
      try {
        return await run();
      } catch (error) {
        return error as Error;
      }
    },
  };
}

function expectAllDescribed(requests: RecordedRequest[]) {
  const problems = requests.flatMap((r) => checkRequest(r).problems.map((p) => `${r.method} ${r.url}: ${p}`));
  expect(problems).toEqual([]);
}

const methodsOf = (port: object) => Object.keys(port).filter((k) => typeof (port as Record<string, unknown>)[k] === 'function').sort();

describe.each(['connectwise', 'halo'] as const)('%s adapter', (psa) => {
  let connector: PsaConnector;
  const m = matrix();
  let mark = 0;

  beforeAll(() => {
    mark = recordingMark();
    const deps = { logger: captureLogger().logger, sleep: noWait };
    connector = psa === 'connectwise' ? createConnectWiseConnector({ ...deps, config: config.connectwise! }) : createHaloConnector({ ...deps, config: config.halo! });
  });

  const server = () => (psa === 'connectwise' ? sandbox.connectwise : sandbox.halo);
  const ticketId = () => (psa === 'connectwise' ? '48110' : '2001');
  const doneStatus = () => (psa === 'connectwise' ? 'TAP Issued' : '21');
  // An onboarding ticket: its board has the done status, so the note is followed by the status change.
  const onboardingTicketId = () => (psa === 'connectwise' ? '48101' : '2001');

  it('reads tickets, descriptions, companies and onboarding pages, and writes notes (success paths)', async () => {
    const ticket = await m.step('getTicket', () => connector.getTicket(ticketId()));
    expect(ticket).toMatchObject({ id: ticketId() });
    expect(await m.step('getTicket', () => connector.getTicket('999999'))).toBeNull();
    const description = await m.step('getTicketDescription', () => connector.getTicketDescription({ ...(ticket as object), description: undefined } as never));
    expect(typeof description).toBe('string');
    expect(await m.step('listCompanies', () => connector.listCompanies())).not.toHaveLength(0);
    await expect(m.step('writePrivateNote', () => connector.writePrivateNote(ticketId(), { text: 'contract note', html: '<p>contract note</p>' }))).resolves.toBeUndefined();
    await expect(
      m.step('writePrivateNote', () => connector.writePrivateNote(onboardingTicketId(), { text: 'contract note', html: '<p>contract note</p>' }, { status: doneStatus() })),
    ).resolves.toBeUndefined();
    const first = await m.step('listOnboardingTickets', () => connector.listOnboardingTickets(undefined, 1));
    expect(first).toMatchObject({ tickets: expect.any(Array) });
    await m.step('listOnboardingTickets', () => connector.listOnboardingTickets('2026-01-01T00:00:00Z', 2));
    const changed = await m.step('listChangedTickets', () => connector.listChangedTickets('2026-01-01T00:00:00Z', 1));
    expect(changed).toMatchObject({ tickets: expect.any(Array) });
    await expect(m.step('ping', () => connector.ping())).resolves.toBeUndefined();
  });

  it('sends the same described requests when the PSA fails, throttles or refuses (error paths)', async () => {
    const faults = server().faults;
    const ticketPath = psa === 'connectwise' ? `/service/tickets/${ticketId()}` : `/Tickets/${ticketId()}`;
    faults.add({ method: 'GET', path: ticketPath, status: 503, times: 1 });
    faults.add({ method: 'GET', path: ticketPath, status: 429, retryAfter: '0', times: 1 });
    expect(await m.step('getTicket', () => connector.getTicket(ticketId()))).toMatchObject({ id: ticketId() });
    faults.add({ method: 'GET', path: ticketPath, status: 403, times: 1 });
    expect(await m.step('getTicket', () => connector.getTicket(ticketId()))).toBeInstanceOf(Error);
    faults.add({ method: 'GET', path: ticketPath, status: 500, times: 10 });
    expect(await m.step('getTicket', () => connector.getTicket(ticketId()))).toBeInstanceOf(Error);
    faults.clear();
    const notePath = psa === 'connectwise' ? `/service/tickets/${ticketId()}/notes` : '/Actions';
    faults.add({ method: 'POST', path: notePath, status: 404, times: 1 });
    expect(await m.step('writePrivateNote', () => connector.writePrivateNote(ticketId(), { text: 'x', html: '<p>x</p>' }))).toBeInstanceOf(Error);
    faults.add({ method: 'POST', path: notePath, status: 500, times: 1 });
    expect(await m.step('writePrivateNote', () => connector.writePrivateNote(ticketId(), { text: 'x', html: '<p>x</p>' }))).toBeInstanceOf(Error);
    // 401: Halo fetches a fresh token and retries once; ConnectWise reports the credentials.
    faults.add({ method: 'GET', path: psa === 'connectwise' ? '/system/info' : '/Tickets', status: 401, times: 1 });
    await m.step('ping', () => connector.ping());
    faults.add({ method: 'GET', path: psa === 'connectwise' ? '/company/companies' : '/Client', status: 429, retryAfter: '0', times: 1 });
    expect(await m.step('listCompanies', () => connector.listCompanies())).not.toBeInstanceOf(Error);
    faults.add({ method: 'GET', path: psa === 'connectwise' ? '/service/tickets' : '/Tickets', status: 502, times: 10 });
    expect(await m.step('listOnboardingTickets', () => connector.listOnboardingTickets(undefined, 1))).toBeInstanceOf(Error);
    faults.add({ method: 'GET', path: psa === 'connectwise' ? '/service/tickets' : '/Tickets', status: 502, times: 10 });
    expect(await m.step('listChangedTickets', () => connector.listChangedTickets('2026-01-01T00:00:00Z', 1))).toBeInstanceOf(Error);
    faults.clear();
  });

  it('covers every method of the PsaConnector port', () => {
    expect([...m.called].sort()).toEqual(methodsOf(connector).filter((k) => k !== 'kind'));
  });

  it('sent only requests the vendor describes', () => {
    const sent = recordedSince(mark);
    expect(sent.length).toBeGreaterThan(10);
    expectAllDescribed(sent);
  });
});

describe('ConnectWise hosted member check', () => {
  let verifier: HostedMemberVerifier;
  let mark = 0;

  beforeAll(() => {
    mark = recordingMark();
    verifier = createConnectWiseMemberVerifier({ config: config.connectwise!, logger: captureLogger().logger, sleep: noWait });
  });

  it('asks ConnectWise about the member (right and wrong hash, CW failing), with described requests only', async () => {
    const member = sandbox.connectwise.state.member('jsmith')!;
    // The memberContext the simulated host hands the page (the cookie check wants it back).
    const memberContext = sandbox.connectwise.state.memberContext(member);
    const claim = { companyId: config.connectwise!.companyId, memberId: 'jsmith', memberHash: member.memberHash, memberContext };
    expect(await verifier.verify(claim)).toMatchObject({ memberId: 'jsmith' });
    expect(await verifier.verify({ ...claim, memberHash: 'not-the-hash' })).toBeNull();
    sandbox.connectwise.faults.add({ path: /\/system\//, status: 503, times: 10 });
    await verifier.verify(claim).catch((e: unknown) => e);
    sandbox.connectwise.faults.clear();
    // May this member open the ticket (their own cookies): the seeded technician sees every board; mdevries only the
    // Service Desk board, so ConnectWise refuses him an Onboarding ticket.
    const tickets = sandbox.connectwise.state.ticketList();
    const onboarding = String(tickets.find((t) => (t.board as { id: number }).id === 23)!.id);
    expect(await verifier.canOpenTicket(claim, onboarding)).toBe(true);
    const mdevries = sandbox.connectwise.state.member('mdevries')!;
    const lowPrivilege = { ...claim, memberId: 'mdevries', memberHash: mdevries.memberHash, memberContext: sandbox.connectwise.state.memberContext(mdevries) };
    expect(await verifier.canOpenTicket(lowPrivilege, onboarding)).toBe(false);
    expect(await verifier.canOpenTicket(claim, '999999')).toBe(false);
    await expect(verifier.canOpenTicket({ ...claim, memberHash: 'not-the-hash' }, onboarding)).rejects.toMatchObject({ code: 'TICKET_ACCESS_UNVERIFIED' });
    const sent = recordedSince(mark);
    expect(sent.length).toBeGreaterThanOrEqual(7);
    expectAllDescribed(sent);
  });
});

describe('Entra directory', () => {
  let entra: EntraDirectory;
  const m = matrix();
  let mark = 0;
  const contoso = TENANT_IDS.contoso;

  beforeAll(() => {
    mark = recordingMark();
    entra = createEntraDirectory({ config: config.entra!, policyCacheSeconds: 0, logger: captureLogger().logger, sleep: noWait });
  });

  const userId = async (upn: string) => ((await entra.getUser(contoso, upn)) as { id: string }).id;

  it('reads users, roles held every way, the organization and the policy; creates, reads and revokes a pass (success paths)', async () => {
    expect(await m.step('getUser', () => entra.getUser(contoso, 'alice.jansen@contoso.example'))).toMatchObject({ userPrincipalName: 'alice.jansen@contoso.example' });
    expect(await m.step('getUser', () => entra.getUser(contoso, 'nobody@contoso.example'))).toBeNull();
    await m.step('getUser', () => entra.getUser(contoso, '$scanner@contoso.example'));
    for (const upn of ['alice.jansen', 'erik.admin', 'sanne.helpdesk', 'pieter.pim', 'ruud.security', 'marit.scoped', 'joost.custom']) {
      const id = await userId(`${upn}@contoso.example`);
      expect(await m.step('getRoleHoldings', () => entra.getRoleHoldings(contoso, id))).not.toBeInstanceOf(Error);
    }
    await m.step('checkRoleReads', () => entra.checkRoleReads(contoso));
    expect(await m.step('getOrganization', () => entra.getOrganization(contoso, { fresh: true }))).toMatchObject({ id: contoso });
    expect(await m.step('getTapPolicy', () => entra.getTapPolicy(contoso, { fresh: true }))).toMatchObject({ state: 'enabled' });
    const alice = await userId('alice.jansen@contoso.example');
    const created = await m.step('createTap', () => entra.createTap(contoso, alice, { lifetimeInMinutes: 60, isUsableOnce: true }));
    expect(created).toMatchObject({ id: expect.any(String) });
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const scheduled = (await m.step('createTap', () => entra.createTap(contoso, alice, { startDateTime: later, lifetimeInMinutes: 120, isUsableOnce: false }))) as { id: string };
    expect(await m.step('listTaps', () => entra.listTaps(contoso, alice))).toHaveLength(1);
    expect(await m.step('getTap', () => entra.getTap(contoso, alice, scheduled.id))).toMatchObject({ id: scheduled.id });
    expect(await m.step('getTap', () => entra.getTap(contoso, alice, '00000000-0000-4000-8000-000000000000'))).toBeNull();
    expect(await m.step('listAuthenticationMethods', () => entra.listAuthenticationMethods(contoso, alice))).not.toHaveLength(0);
    await expect(m.step('deleteTap', () => entra.deleteTap(contoso, alice, scheduled.id))).resolves.toBeUndefined();
    expect(await m.step('resolveTenantId', () => entra.resolveTenantId('contoso.example'))).toBe(contoso);
    expect(await m.step('resolveTenantId', () => entra.resolveTenantId('unknown-domain.example'))).toBeNull();
    expect(await m.step('listPartnerCustomers', () => entra.listPartnerCustomers())).not.toBeInstanceOf(Error);
  });

  it('sends the same described requests when Graph refuses, throttles or fails (error paths)', async () => {
    const faults = sandbox.entra.faults;
    const alice = await userId('alice.jansen@contoso.example');
    for (const status of [404, 403, 429, 500]) {
      faults.add({ path: /roleManagement|transitiveMemberOf/, status, retryAfter: '0', times: 20 });
      expect(await m.step('getRoleHoldings', () => entra.getRoleHoldings(contoso, alice))).toBeInstanceOf(Error);
      faults.clear();
    }
    // PIM needs Entra ID P2: Northwind's eligibility read is refused (AadPremiumLicenseRequired).
    const paula = await entra.getUser(TENANT_IDS.northwind, 'paula.jones@northwind.example').catch(() => null);
    if (paula) await m.step('getRoleHoldings', () => entra.getRoleHoldings(TENANT_IDS.northwind, paula.id));
    faults.add({ method: 'POST', path: /temporaryAccessPassMethods$/, status: 403, times: 1 });
    expect(await m.step('createTap', () => entra.createTap(contoso, alice, { lifetimeInMinutes: 60, isUsableOnce: true }))).toBeInstanceOf(Error);
    faults.add({ method: 'GET', path: /\/users\//, status: 503, retryAfter: '0', times: 1 });
    expect(await m.step('getUser', () => entra.getUser(contoso, 'alice.jansen@contoso.example'))).toMatchObject({ id: alice });
    faults.add({ path: /temporaryAccessPassMethods/, status: 429, retryAfter: '0', times: 20 });
    expect(await m.step('listTaps', () => entra.listTaps(contoso, alice))).toBeInstanceOf(Error);
    expect(await m.step('deleteTap', () => entra.deleteTap(contoso, alice, '00000000-0000-4000-8000-000000000001'))).toBeInstanceOf(Error);
    faults.clear();
    faults.add({ path: '/organization', status: 500, times: 20 });
    expect(await m.step('getOrganization', () => entra.getOrganization(contoso, { fresh: true }))).toBeInstanceOf(Error);
    faults.clear();
  });

  it('covers every method of the EntraDirectory port', () => {
    expect([...m.called].sort()).toEqual(methodsOf(entra));
  });

  it('sent only requests Microsoft describes', () => {
    const sent = recordedSince(mark);
    expect(sent.length).toBeGreaterThan(20);
    expectAllDescribed(sent);
  });
});
