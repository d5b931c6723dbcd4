import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createOnboardingPipeline } from '../../src/polling/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { sandboxRigs, type FaultRig } from '../faults/rig.js';

/**
 * Halo's ticket list carries no custom fields (the simulated Halo, like the reference, gives them only with
 * `GET /Tickets/{id}?includedetails=true`). The poller used to read every open onboarding ticket by id on every cycle,
 * before its ledger could say the ticket had not changed: 900 scheduled tickets cost 900 reads a cycle (9 minutes of
 * Halo's default pacing). A ticket is read by id only when the poller must look at it: new, or changed since.
 */
let sb: Sandbox;
let rig: FaultRig;
let nextId = 95_000;
const COUNT = 30;

const rigs = sandboxRigs((started) => (sb = started));

const CONTOSO_CLIENT = 12;
const day = (days: number) => DateTime.now().setZone('Europe/Amsterdam').plus({ days }).toISODate()!;

function fileOnboardingTicket(upn: string, startDate: string, id = nextId++): number {
  const at = new Date().toISOString();
  sb.halo.state.addTicket({
    id,
    summary: 'New starter',
    details: '<p>New starter.</p>',
    client_id: CONTOSO_CLIENT,
    status_id: Number(sb.env.HALO_ONBOARDING_STATUS_ID),
    tickettype_id: Number(sb.env.HALO_ONBOARDING_REQUESTTYPE_ID),
    dateoccurred: at,
    lastactiondate: at,
    customFields: { CFNewUserUPN: upn, CFStartDate: startDate },
  });
  return id;
}

/** The poller as production builds it (src/polling/index.ts), against the simulated Halo and Graph. */
function pipeline() {
  rig = rigs.open({
    HALO_ONBOARDING_REQUESTTYPE_ID: sb.env.HALO_ONBOARDING_REQUESTTYPE_ID!,
    HALO_ONBOARDING_STATUS_ID: sb.env.HALO_ONBOARDING_STATUS_ID!,
    HALO_MAX_REQUESTS_PER_MINUTE: '60000',
    ISSUE_LEAD_DAYS: '3',
  });
  const built = createOnboardingPipeline({ ...rig.services, entra: rig.services.entra! });
  return {
    /** Nothing followed any more, as once every followed pass has started: the cycle reads the open onboarding list. */
    stopFollowing: () => rig.services.storage.sqlite.prepare("update poll_ledger set watch_until = null where psa = 'halo'").run(),
    cycle: async () => {
      sb.halo.faults.reset();
      const summary = await built.poller.runCycle('halo');
      const requests = sb.halo.faults.requests({ method: 'GET' });
      return {
        summary,
        lists: requests.filter((r) => r.path === '/api/Tickets').length,
        readsById: requests.filter((r) => /^\/api\/Tickets\/\d+$/.test(r.path)).map((r) => Number(r.path.split('/').pop())),
      };
    },
  };
}

describe('Halo poll cycles read a ticket by id only when it changed', () => {
  for (const follow of [true, false]) {
    it(`${follow ? 'with' : 'without'} followed tickets: an idle cycle over ${COUNT} scheduled tickets lists them and reads none by id`, async () => {
      const ids = Array.from({ length: COUNT }, (_, i) => fileOnboardingTicket(`lars.mulder@contoso.example`, day(15 + (i % 10))));
      const p = pipeline();

      const backlog = await p.cycle();
      expect(backlog.summary.scheduled).toBeGreaterThanOrEqual(COUNT);
      // Each ticket is read once, to learn its user and start date.
      for (const id of ids) expect(backlog.readsById.filter((x) => x === id)).toHaveLength(1);
      // The next cycle sees the notes the first one wrote (they moved lastactiondate) and reads each once more; the
      // inputs are the same, so nothing is noted again.
      await p.cycle();
      if (!follow) p.stopFollowing();
      const idle = await p.cycle();

      expect(idle.readsById).toEqual([]);
      expect(idle.summary).toMatchObject({ issued: 0, scheduled: 0, errors: 0 });
      // Followed tickets are watched through the change feed (one request while nothing changed); without any, the
      // open onboarding list is read (one page here).
      expect(idle.lists).toBe(1);
      expect(ids.every((id) => sb.halo.state.actions(id).length === 1)).toBe(true);
    });
  }

  it('a ticket whose lastactiondate moved is read by id and handled; the others are not read', async () => {
    const ids = Array.from({ length: 5 }, () => fileOnboardingTicket('bram.devries@contoso.example', day(20)));
    const p = pipeline();
    await p.cycle();
    await p.cycle();
    const moved = ids[2]!;
    // HR moves the start date: the ticket is filed again with a newer lastactiondate.
    fileOnboardingTicket('bram.devries@contoso.example', day(25), moved);

    const cycle = await p.cycle();

    expect(cycle.readsById).toEqual([moved]);
    expect(rig.services.storage.sqlite.prepare("select start_date from scheduled_issuances where psa = 'halo' and ticket_id = ?").get(String(moved))).toEqual({ start_date: day(25) });
    expect(sb.halo.state.actions(moved).at(-1)?.note_html).toContain('scheduled');
  });

  it('the follower gets the full ticket: a pass issued for a start that then moves is revoked and replaced', async () => {
    const id = fileOnboardingTicket('femke.bakker@contoso.example', day(2));
    const p = pipeline();
    await p.cycle();
    expect(rig.services.storage.sqlite.prepare("select state from poll_ledger where psa = 'halo' and ticket_id = ?").get(String(id))).toEqual({ state: 'issued' });
    await p.cycle();
    sb.entra.faults.reset();
    fileOnboardingTicket('femke.bakker@contoso.example', day(20), id);

    const cycle = await p.cycle();

    // Read once, by the follower; the handler that schedules the replacement uses the same read.
    expect(cycle.readsById).toEqual([id]);
    expect(cycle.summary).toMatchObject({ replaced: 1, scheduled: 1 });
    expect(sb.entra.faults.requests({ method: 'DELETE' })).toHaveLength(1);
  });
});

it('Halo list rows without custom fields are not read by id when listed (the handler reads them when it must)', async () => {
  const id = fileOnboardingTicket('noor.elamrani@contoso.example', day(30));
  pipeline();
  sb.halo.faults.reset();
  const connector = rig.services.connectors.halo!;
  const page = await connector.listOnboardingTickets(undefined, 1);
  const row = page.tickets.find((t) => t.id === String(id));
  expect(row?.customFields).toBeUndefined();
  expect(sb.halo.faults.requests({ path: /^\/api\/Tickets\/\d+$/ })).toEqual([]);
});
