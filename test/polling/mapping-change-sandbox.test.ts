import { DateTime } from 'luxon';
import { expect, it } from 'vitest';
import { createOnboardingPipeline } from '../../src/polling/index.js';
import { CW_COMPANY_IDS, TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { sandboxRigs, newTicket, type FaultRig } from '../faults/rig.js';

/**
 * The mapping sweep (src/polling/mapping-sweep.ts) against the simulated ConnectWise with the production wiring: once
 * passes are followed the poller reads the change feed (`lastUpdated >= cursor`), which does not list an unchanged
 * refused ticket. Mapping its company makes the next cycle read it by id, once, and issue its pass.
 */
let sb: Sandbox;
let rig: FaultRig;
const rigs = sandboxRigs((started) => (sb = started));

const ONBOARDING = ['CW_ONBOARDING_BOARD', 'CW_ONBOARDING_STATUS', 'CW_ONBOARDING_TYPE', 'CW_DONE_STATUS'] as const;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('ConnectWise, change feed: a refused ticket of an unmapped company is read by id once and issued after the company is mapped', async () => {
  rig = rigs.open(Object.fromEntries(ONBOARDING.filter((k) => sb.env[k] !== undefined).map((k) => [k, sb.env[k]!])));
  expect(rig.services.mappings.get('connectwise', String(CW_COMPANY_IDS.adventureWorks))).toBeUndefined();
  const { poller } = createOnboardingPipeline({ ...rig.services, entra: rig.services.entra! });
  // A new starter at Adventure Works (not mapped), on the onboarding board like the seeded ones.
  const template = sb.seed.connectwise.tickets.find((t) => t.companyId === CW_COMPANY_IDS.adventureWorks && t.customFields?.['Start date'])!;
  const id = 48_190;
  const start = DateTime.now().setZone('America/Los_Angeles').plus({ days: 1 }).toISODate()!;
  sb.connectwise.state.addTicket({ ...template, id, summary: 'New starter: Kim', customFields: { 'New user UPN': 'kim.abercrombie@adventure-works.example', 'Start date': start }, lastUpdated: new Date().toISOString() });

  const first = await poller.runCycle('connectwise');
  expect(first.followed + first.issued + first.scheduled).toBeGreaterThan(0);
  const ledger = () => rig.services.storage.sqlite.prepare("select state, detail, company_id from poll_ledger where psa = 'connectwise' and ticket_id = ?").get(String(id));
  expect(ledger()).toMatchObject({ state: 'refused', detail: 'COMPANY_NOT_MAPPED', company_id: String(CW_COMPANY_IDS.adventureWorks) });
  // CW timestamps are whole seconds: a later change (a desk ticket, not onboarding) takes the feed's `>=` edge.
  await pause(1100);
  await poller.runCycle('connectwise');
  newTicket(sb, 'connectwise', 'alice.jansen@contoso.example');
  await poller.runCycle('connectwise');
  await poller.runCycle('connectwise');

  sb.connectwise.faults.reset();
  const idle = await poller.runCycle('connectwise');
  expect(idle).toMatchObject({ issued: 0, refused: 0, remapped: 0, pages: 1 });
  expect(sb.connectwise.faults.requests({ method: 'GET' })).toHaveLength(1);

  const tenant = sb.entra.state.tenant(TENANT_IDS.adventureWorks)!;
  rig.services.mappings.upsert('connectwise', String(CW_COMPANY_IDS.adventureWorks), {
    companyName: 'Adventure Works',
    tenantId: tenant.id,
    tenantDomain: tenant.domains[0],
    tenantName: tenant.displayName,
    timeZone: 'America/Los_Angeles',
    activationHour: 8,
    defaultLifetimeMinutes: null,
    usableOnce: false,
    allowPrivileged: false,
    enabled: true,
  });
  sb.connectwise.faults.reset();
  const mapped = await poller.runCycle('connectwise');

  // Both refused tickets of the company are read once: this one, issued, and the seeded Pat Kim (48107), whose account
  // does not exist in the tenant yet, so the pipeline waits for it quietly.
  expect(mapped).toMatchObject({ remapped: 2, issued: 1, waitingUser: 1, errors: 0 });
  // The cycle: one list (the feed), then one read by id of each swept ticket; what follows is the issuance of 48190
  // (as for any ticket: its own reads, the note and the done status), nothing more for 48107.
  const requests = sb.connectwise.faults.requests({}).map((r) => `${r.method} ${r.path.replace(/^.*\/apis\/3\.0/, '')}`);
  expect(requests.slice(0, 3)).toEqual(['GET /service/tickets', 'GET /service/tickets/48107', `GET /service/tickets/${id}`]);
  expect(requests.filter((r) => r.includes('48107'))).toEqual(['GET /service/tickets/48107']);
  expect(requests.filter((r) => r === 'GET /service/tickets')).toHaveLength(1);
  expect(requests.filter((r) => r.startsWith('POST'))).toEqual([`POST /service/tickets/${id}/notes`]);
  expect(sb.entra.state.tap(tenant.id, 'kim.abercrombie@adventure-works.example')).toBeDefined();
  expect(ledger()).toMatchObject({ state: 'issued' });
});
