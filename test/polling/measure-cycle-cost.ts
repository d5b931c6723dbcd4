/**
 * Measures what one poll cycle costs with in-memory fakes (real SQLite, outbox and issuance):
 * a 1,000-ticket backlog across 100 companies per PSA, the cycle after it, and an idle board.
 * Run: npx tsx test/polling/measure-cycle-cost.ts
 */
import { buildHarness, CONTOSO } from './harness.js';

const h = buildHarness({ now: new Date('2026-11-26T10:00:00Z') });
let graph = 0;
for (const name of ['getUser', 'getRoleHoldings', 'getOrganization', 'getTapPolicy', 'createTap'] as const) {
  const real = (h.entra[name] as (...a: unknown[]) => Promise<unknown>).bind(h.entra);
  (h.entra as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => ((graph += 1), real(...a));
}
for (const kind of ['connectwise', 'halo'] as const) {
  for (let c = 0; c < 100; c += 1) h.map(kind, String(c));
  for (let i = 0; i < 1000; i += 1) {
    const upn = `${kind}-${i}@contoso.example`;
    h.entra.addUser(CONTOSO, upn);
    // Half start inside the lead time (issued now), half in a month (scheduled); every tenth ticket keeps its
    // details in the description only (a request on ConnectWise).
    const date = i % 2 === 0 ? '2026-11-27' : '2026-12-28';
    const inText = i % 10 === 0;
    const fields = kind === 'connectwise' ? { 'New user UPN': upn, 'Start date': date } : { CFNewUserUPN: upn, CFStartDate: date };
    const text = `UPN: ${upn}\nStart date: ${date}`;
    h.psa[kind].add({
      id: String(10_000 + i),
      companyId: String(i % 100),
      customFields: inText ? {} : fields,
      ...(kind === 'connectwise' ? (inText ? { hiddenDescription: text } : {}) : { description: inText ? text : '' }),
    });
  }
}

async function measure(label: string, kind: 'connectwise' | 'halo') {
  const before = { ...h.psa[kind].calls };
  const graphBefore = graph;
  const t0 = performance.now();
  const s = await h.poller.runCycle(kind);
  const ms = performance.now() - t0;
  const c = h.psa[kind].calls;
  const psaRequests = { list: c.list - before.list, description: c.description - before.description, notes: c.note - before.note };
  console.log(
    `${label.padEnd(22)} ${kind.padEnd(11)} ms=${ms.toFixed(0).padStart(5)} PSA list=${psaRequests.list} description=${psaRequests.description} notes=${psaRequests.notes} Graph=${graph - graphBefore} | seen=${s.seen} issued=${s.issued} scheduled=${s.scheduled} needsInput=${s.needsInput} unchanged=${s.unchanged} pages=${s.pages}`,
  );
}

for (const kind of ['connectwise', 'halo'] as const) {
  await measure('backlog cycle 1', kind);
  await measure('cycle 2', kind);
  await measure('idle', kind);
  await measure('idle', kind);
}
