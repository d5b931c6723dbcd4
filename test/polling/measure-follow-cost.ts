/**
 * Measures what following tickets costs (issue 12): an idle poll cycle with 1,000 and 10,000 followed (scheduled)
 * tickets per PSA, with in-memory fakes (real SQLite, outbox, issuance, follower), every PSA list request drawn from
 * the real request pacer at the default rates (CW_MAX_REQUESTS_PER_MINUTE=600, HALO_MAX_REQUESTS_PER_MINUTE=100,
 * burst 10) on a virtual clock — "paced" is the time the pacer alone would make the cycle take; "cpu" is wall time.
 * For comparison the same world without the follower (the poller before issue 12: Halo re-lists every open ticket).
 * Run: npx tsx test/polling/measure-follow-cost.ts
 */
import { createRequestPacer } from '../../src/psa/pacing.js';
import { buildHarness } from './harness.js';

const DEFAULT_RPM = { connectwise: 600, halo: 100 } as const;

async function measure(kind: 'connectwise' | 'halo', watched: number, follow: boolean) {
  const h = buildHarness({ now: new Date('2026-11-26T10:00:00Z') });
  const company = kind === 'connectwise' ? '10' : '55';
  h.map(kind, company);
  for (let i = 0; i < watched; i += 1) {
    const upn = `u${i}@contoso.example`;
    // Three weeks out: scheduled (no Graph call), followed until the pass starts.
    const fields = kind === 'connectwise' ? { 'New user UPN': upn, 'Start date': '2026-12-18' } : { CFNewUserUPN: upn, CFStartDate: '2026-12-18' };
    h.psa[kind].add({ id: String(100_000 + i), companyId: company, customFields: fields });
  }
  // Without the done status a scheduled ticket stays open in the onboarding queue, as in the report (9,007 open).
  const poller = follow ? h.poller : (await import('../../src/polling/index.js')).createOnboardingPoller({ ...h.deps, connectors: h.psa });
  await poller.runCycle(kind);
  await poller.runCycle(kind);
  if (follow && h.store.watchedIds(kind, h.now()).size !== watched) throw new Error('not all followed');

  // Idle cycle: every list request goes through the real pacer on a virtual clock.
  let virtual = 0;
  const pacer = createRequestPacer({ requestsPerMinute: DEFAULT_RPM[kind] }, { now: () => virtual, sleep: async (ms) => void (virtual += ms) });
  const fake = h.psa[kind];
  for (const name of ['listOnboardingTickets', 'listChangedTickets'] as const) {
    const real = fake[name].bind(fake) as (...a: unknown[]) => Promise<unknown>;
    (fake as unknown as Record<string, unknown>)[name] = async (...a: unknown[]) => {
      await pacer.acquire('background');
      return real(...a);
    };
  }
  const before = { ...fake.calls };
  const t0 = performance.now();
  const s = await poller.runCycle(kind);
  const cpu = performance.now() - t0;
  const requests = fake.calls.list - before.list + (fake.calls.description - before.description) + (fake.calls.getTicket - before.getTicket) + (fake.calls.note - before.note);
  console.log(
    `${kind.padEnd(11)} ${String(watched).padStart(6)} followed  ${follow ? 'with follower   ' : 'before issue 12 '} PSA requests=${String(requests).padStart(4)} (list ${fake.calls.list - before.list})  paced=${(virtual / 1000).toFixed(1).padStart(5)} s  cpu=${cpu.toFixed(0).padStart(5)} ms  pages=${s.pages} seen=${s.seen}`,
  );
}

for (const kind of ['connectwise', 'halo'] as const) {
  for (const n of [1_000, 10_000]) {
    await measure(kind, n, false);
    await measure(kind, n, true);
  }
}
