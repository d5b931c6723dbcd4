import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, TENANT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { FAIR_BASELINE_CALLS, fairClient, PrivilegedUserError, type FairCall } from '../../bench/fair-client.js';
import { resetFaults, upstreamCalls } from '../../bench/support.js';
import { benchWorld, type BenchWorld } from '../../bench/world.js';

/** The benchmark's baseline makes exactly the calls it claims (bench/fair-client.ts), no fewer: the ratio is honest. */
let sb: Sandbox;
let world: BenchWorld;

beforeAll(async () => {
  world = benchWorld({ tenants: 2, usersPerTenant: 4 });
  sb = await startSandbox({ seed: world.seed });
}, 30_000);
afterAll(async () => {
  await sb?.close();
});

/** What the sandbox saw, as "HOST METHOD path" with ids, the ticket, the user and the codebase written as placeholders. */
function seen(ticketId: number, upn: string): string[] {
  return upstreamCalls(sb)
    .map((c) =>
      c
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
        .replace(`/${sb.connectwise.state.codebase}`, '/{codebase}')
        .replace(`/users/${encodeURIComponent(upn)}`, '/users/{upn}')
        .replace(`/users/${upn}`, '/users/{upn}')
        .replace(new RegExp(`/${ticketId}(?=/|$)`), '/{ticket}'),
    )
    .sort();
}
const claimed = (calls: FairCall[], first: boolean) => calls.filter((c) => first || !c.firstOnly).map((c) => `${c.host} ${c.method} ${c.path}`).sort();

describe('the fair baseline of the benchmark', () => {
  it('makes exactly the calls it lists: first issuance in a tenant, a second one, and the other PSA with Entra warm', async () => {
    const client = fairClient(sb);
    const [t] = world.tenants as [BenchWorld['tenants'][0]];
    const steps = [
      { psa: 'halo' as const, user: 0, first: true },
      { psa: 'halo' as const, user: 1, first: false },
      { psa: 'connectwise' as const, user: 2, first: false },
    ];
    for (const step of steps) {
      resetFaults(sb);
      const ticket = t.tickets[step.psa][step.user]!;
      await client.issue(step.psa, ticket, t.id, t.users[step.user]!);
      expect(seen(ticket, t.users[step.user]!), `${step.psa} user ${step.user}`).toEqual(claimed(FAIR_BASELINE_CALLS[step.psa], step.first));
    }
    // The ConnectWise list has no first-only call: its first issuance here is the case above.
    expect(FAIR_BASELINE_CALLS.connectwise.filter((c) => c.host === 'ConnectWise' && c.firstOnly)).toEqual([]);
  });

  it('asks for the token and the policy again in a new tenant, not for Halo\'s token', async () => {
    const client = fairClient(sb);
    const [a, b] = world.tenants as [BenchWorld['tenants'][0], BenchWorld['tenants'][0]];
    await client.issue('halo', a.tickets.halo[3]!, a.id, a.users[3]!);
    resetFaults(sb);
    await client.issue('halo', b.tickets.halo[3]!, b.id, b.users[3]!);
    const calls = upstreamCalls(sb);
    expect(calls.filter((c) => c.includes('oauth2/v2.0/token'))).toHaveLength(1);
    expect(calls.filter((c) => c.endsWith('authenticationMethodConfigurations/TemporaryAccessPass'))).toHaveLength(1);
    expect(calls.filter((c) => c === 'Halo POST /auth/token')).toHaveLength(0);
  });

  it('runs the complete privileged check: a PIM-eligible user and one eligible through a group are refused, and get no pass', async () => {
    const client = fairClient(sb);
    resetFaults(sb);
    for (const upn of ['pieter.pim@contoso.example', 'ruud.security@contoso.example']) {
      await expect(client.issue('connectwise', 48112, TENANT_IDS.contoso, upn), upn).rejects.toBeInstanceOf(PrivilegedUserError);
    }
    expect(upstreamCalls(sb).filter((c) => c.startsWith('Entra POST') && c.endsWith('temporaryAccessPassMethods'))).toEqual([]);
  });
});
