import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { runAsBackgroundWork } from '../../src/background.js';
import { createOnboardingPoller, createPollingStore } from '../../src/polling/index.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { HOSTILE_SHAPES } from './hostile-text.js';
import { sandboxRigs, type FaultRig } from './rig.js';

/**
 * Issue 11: anyone who can file a ticket can write its text. A Halo ticket whose details were 100,000 `<` froze the
 * whole process — button, admin pages, hosted page — for 34 s during a poll cycle. The event loop's longest stall
 * while the poller reads hostile onboarding tickets must stay short.
 */
let sb: Sandbox;
let rig: FaultRig;
let nextId = 91_000;

const rigs = sandboxRigs((started) => (sb = started));

/**
 * The bound. Before the fix one 100,000 `<` ticket stalled the loop past this test's 20 s timeout (the cycle took 43 s
 * on the team machine); after it, 40 ms on a quiet machine and up to ~250 ms with eight test suites running beside it.
 * One second is far below the first and leaves a loaded CI machine room.
 */
const MAX_STALL_MS = 1_000;

function onboardingRig() {
  rig = rigs.open({
    HALO_ONBOARDING_REQUESTTYPE_ID: sb.env.HALO_ONBOARDING_REQUESTTYPE_ID!,
    HALO_ONBOARDING_STATUS_ID: sb.env.HALO_ONBOARDING_STATUS_ID!,
    HALO_MAX_REQUESTS_PER_MINUTE: '60000',
  });
  const s = rig.services;
  const poller = createOnboardingPoller({ store: createPollingStore(s.storage.db), tickets: s.tickets, passes: s.passes, mappings: s.mappings, config: s.config, logger: s.logger, now: s.now, connectors: s.connectors });
  return {
    /**
     * A cycle first, over the sandbox's own tickets and one harmless ticket that takes the same path (no inputs, so a
     * note asks for them): code loaded and compiled, caches filled. What is measured after it is the hostile text.
     */
    warm: () => {
      fileHaloTicket('<p>Welcome <b>aboard</b>!</p>');
      return runAsBackgroundWork(() => poller.runCycle('halo'));
    },
    cycle: () => runAsBackgroundWork(() => poller.runCycle('halo')),
  };
}

function fileHaloTicket(details: string): number {
  const id = nextId++;
  const at = new Date().toISOString();
  sb.halo.state.addTicket({
    id,
    summary: 'New starter',
    details,
    client_id: 12,
    status_id: Number(sb.env.HALO_ONBOARDING_STATUS_ID),
    tickettype_id: Number(sb.env.HALO_ONBOARDING_REQUESTTYPE_ID),
    dateoccurred: at,
    lastactiondate: at,
  });
  return id;
}

/** The longest the event loop was blocked while `work` ran, in ms (sampled every 10 ms by perf_hooks). */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return histogram.max / 1e6;
}

describe('a poll cycle over hostile Halo tickets', () => {
  it('reproduction: a ticket whose details are 100,000 `<` does not stall the event loop', async () => {
    const poller = onboardingRig();
    await poller.warm();
    const id = fileHaloTicket('<'.repeat(100_000));
    const stall = await longestStall(poller.cycle);
    expect(stall).toBeLessThan(MAX_STALL_MS);
    // The ticket was read (and answered with a note asking for its inputs), not skipped.
    expect(sb.halo.state.actions(id).length).toBeGreaterThan(0);
  });

  it('one ticket of each hostile shape (100 KB each) in one cycle: no stall, every ticket handled', async () => {
    const poller = onboardingRig();
    await poller.warm();
    const ids = HOSTILE_SHAPES.map((shape) => fileHaloTicket(shape.make(100 * 1024)));
    const stall = await longestStall(poller.cycle);
    expect(stall).toBeLessThan(MAX_STALL_MS);
    expect(ids.filter((id) => sb.halo.state.actions(id).length === 0)).toEqual([]);
  });
});
