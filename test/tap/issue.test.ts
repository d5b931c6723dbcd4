import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { TenantMapping } from '../../src/db/mappings.js';
import { issueTemporaryAccessPass, type IssueDeps, type IssueRequest } from '../../src/tap/issue.js';
import { buildHarness, CONTOSO, FABRIKAM, type TestHarness } from '../helpers/services.js';

let h: TestHarness;
let deps: IssueDeps;
let mapping: TenantMapping;
const NOW = new Date('2026-11-26T10:00:00Z');

function request(over: Partial<IssueRequest> = {}): IssueRequest {
  return { userPrincipalName: 'jane@contoso.example', requestedBy: 'tech@msp', trigger: 'button', ticketId: '100', ...over };
}

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

beforeEach(() => {
  h = buildHarness({ now: NOW });
  h.map('connectwise', '10');
  mapping = h.services.mappings.get('connectwise', '10')!;
  deps = { entra: h.entra, issuances: h.services.issuances, logger: h.services.logger, now: () => NOW, transaction: (fn) => h.services.storage.sqlite.transaction(fn)() };
  h.entra.addUser(CONTOSO, 'jane@contoso.example', { displayName: 'Jane Doe' });
});

describe('issueTemporaryAccessPass', () => {
  it('issues a pass usable now with the policy default lifetime and records it without the pass', async () => {
    const issued = await issueTemporaryAccessPass(deps, mapping, request());
    expect(issued.pass).toMatch(/^P/);
    expect(issued.lifetime).toMatchObject({ applied: 60, clamped: false });
    expect(issued.startDateTime.toISOString()).toBe(NOW.toISOString());
    expect(issued.expiresDateTime.toISOString()).toBe('2026-11-26T11:00:00.000Z');
    const row = h.services.issuances.get(issued.issuanceId)!;
    expect(row).toMatchObject({ outcome: 'issued', outcomeCode: 'ISSUED', userObjectId: issued.user.id, graphMethodId: issued.methodId, appliedLifetimeMinutes: 60, tenantId: CONTOSO });
    expect(JSON.stringify(row)).not.toContain(issued.pass);
  });

  it('refuses a disabled mapping before calling Graph', async () => {
    h.map('connectwise', '10', { enabled: false });
    const error = await refusal(issueTemporaryAccessPass(deps, h.services.mappings.get('connectwise', '10')!, request()));
    expect(error.code).toBe('MAPPING_DISABLED');
    expect(h.entra.calls).toEqual([]);
  });

  it('refuses a user that does not exist, and records the refusal', async () => {
    const error = await refusal(issueTemporaryAccessPass(deps, mapping, request({ userPrincipalName: 'nobody@contoso.example' })));
    expect(error.code).toBe('USER_NOT_FOUND');
    const { rows } = h.services.issuances.list({}, { limit: 10, offset: 0 });
    expect(rows[0]).toMatchObject({ outcome: 'refused', outcomeCode: 'USER_NOT_FOUND', userPrincipalName: 'nobody@contoso.example' });
  });

  it('refuses a disabled account', async () => {
    h.entra.addUser(CONTOSO, 'off@contoso.example', { accountEnabled: false });
    expect((await refusal(issueTemporaryAccessPass(deps, mapping, request({ userPrincipalName: 'off@contoso.example' })))).code).toBe('USER_DISABLED');
  });

  it('refuses a guest', async () => {
    h.entra.addUser(CONTOSO, 'guest_x.com#EXT#@contoso.example', { userType: 'Guest' });
    expect((await refusal(issueTemporaryAccessPass(deps, mapping, request({ userPrincipalName: 'guest_x.com#EXT#@contoso.example' })))).code).toBe('USER_GUEST');
  });

  it('refuses a user holding a directory role unless the mapping allows privileged accounts', async () => {
    h.entra.addUser(CONTOSO, 'admin@contoso.example', { roles: ['Global Administrator'] });
    const error = await refusal(issueTemporaryAccessPass(deps, mapping, request({ userPrincipalName: 'admin@contoso.example' })));
    expect(error.code).toBe('USER_PRIVILEGED');
    expect(error.detail).toContain('Global Administrator');
    expect(h.entra.calls.some((c) => c.startsWith('createTap'))).toBe(false);

    h.map('connectwise', '10', { allowPrivileged: true });
    const issued = await issueTemporaryAccessPass(deps, h.services.mappings.get('connectwise', '10')!, request({ userPrincipalName: 'admin@contoso.example' }));
    expect(issued.user.userPrincipalName).toBe('admin@contoso.example');
  });

  it('refuses when the role check cannot be made, records it, and asks Graph for nothing more', async () => {
    for (const [failure, code] of [
      [new AppError('INTERNAL', 'Microsoft Graph refused to read the PIM role eligibility of the user in tenant x (HTTP 404 Request_ResourceNotFound).'), 'ROLE_CHECK_FAILED'],
      [new AppError('ENTRA_ACCESS_DENIED', 'no consent'), 'ENTRA_ACCESS_DENIED'],
      [new AppError('UPSTREAM_THROTTLED', 'slow down', { retryAfterSeconds: 30 }), 'UPSTREAM_THROTTLED'],
      [new AppError('UPSTREAM_UNAVAILABLE', 'down'), 'UPSTREAM_UNAVAILABLE'],
    ] as const) {
      h.entra.roleErrors.push(failure);
      const error = await refusal(issueTemporaryAccessPass(deps, mapping, request()));
      expect(error.code).toBe(code);
      expect(error.detail).toMatch(/^Could not (check|establish) whether jane@contoso\.example holds a directory role, so no pass was issued/);
      if (code === 'UPSTREAM_THROTTLED') expect(error.extra.retryAfterSeconds).toBe(30);
      expect(h.services.issuances.list({}, { limit: 1, offset: 0 }).rows[0]).toMatchObject({ outcomeCode: code, outcome: code.startsWith('UPSTREAM') ? 'failed' : 'refused' });
    }
    expect(h.entra.calls.some((c) => c.startsWith('createTap'))).toBe(false);
  });

  it('refuses when the tenant policy disables the TAP method', async () => {
    h.entra.tenants.get(CONTOSO)!.policy.state = 'disabled';
    expect((await refusal(issueTemporaryAccessPass(deps, mapping, request()))).code).toBe('POLICY_DISABLED');
  });

  it('clamps the lifetime into the policy range and reports requested and applied', async () => {
    const high = await issueTemporaryAccessPass(deps, mapping, request({ lifetimeMinutes: 1000 }));
    expect(high.lifetime).toMatchObject({ requested: 1000, applied: 480, clamped: true, policyMinimum: 60, policyMaximum: 480 });
    const low = await issueTemporaryAccessPass(deps, mapping, request({ lifetimeMinutes: 15 }));
    expect(low.lifetime).toMatchObject({ requested: 15, applied: 60, clamped: true });
    const row = h.services.issuances.get(high.issuanceId)!;
    expect(row).toMatchObject({ requestedLifetimeMinutes: 1000, appliedLifetimeMinutes: 480 });
  });

  it("uses the mapping's default lifetime, else the policy default", async () => {
    h.map('connectwise', '10', { defaultLifetimeMinutes: 240 });
    const issued = await issueTemporaryAccessPass(deps, h.services.mappings.get('connectwise', '10')!, request());
    expect(issued.lifetime.applied).toBe(240);
    expect(h.entra.tapsOf(CONTOSO, issued.user.id).at(-1)!.request.lifetimeInMinutes).toBe(240);
  });

  it('forces one-time use where the policy does', async () => {
    h.map('connectwise', '20', { tenantId: FABRIKAM, usableOnce: false });
    const user = h.entra.addUser(FABRIKAM, 'sam@fabrikam.example');
    const issued = await issueTemporaryAccessPass(deps, h.services.mappings.get('connectwise', '20')!, request({ userPrincipalName: 'sam@fabrikam.example' }));
    expect(issued.usableOnce).toEqual({ usableOnce: true, forcedByPolicy: true });
    expect(h.entra.tapsOf(FABRIKAM, user.id)[0]!.request.isUsableOnce).toBe(true);
  });

  it("starts at the mapping's activation hour on the start date in the customer's zone", async () => {
    const issued = await issueTemporaryAccessPass(deps, mapping, request({ startDate: '2026-12-07' }));
    expect(issued.startDateTime.toISOString()).toBe('2026-12-07T07:00:00.000Z');
    expect(h.entra.tapsOf(CONTOSO, issued.user.id)[0]!.request.startDateTime).toBe('2026-12-07T07:00:00.000Z');
    expect(issued.startMovedToNow).toBe(false);
  });

  it('makes a start date in the past usable now and says so', async () => {
    const issued = await issueTemporaryAccessPass(deps, mapping, request({ startDate: '2026-11-20' }));
    expect(issued.startMovedToNow).toBe(true);
    expect(h.entra.tapsOf(CONTOSO, issued.user.id)[0]!.request.startDateTime).toBeUndefined();
  });

  it('records a throttled create as failed and surfaces it as retryable', async () => {
    h.entra.createErrors.push(new AppError('UPSTREAM_THROTTLED', undefined, { retryAfterSeconds: 30 }));
    const error = await refusal(issueTemporaryAccessPass(deps, mapping, request()));
    expect(error.code).toBe('UPSTREAM_THROTTLED');
    expect(h.entra.calls.filter((c) => c.startsWith('createTap'))).toHaveLength(1);
    expect(h.services.issuances.list({}, { limit: 1, offset: 0 }).rows[0]).toMatchObject({ outcome: 'failed', outcomeCode: 'UPSTREAM_THROTTLED' });
  });

  it('revokes a pass it could not record', async () => {
    const issued = issueTemporaryAccessPass(deps, mapping, request(), () => {
      throw new Error('disk full');
    });
    expect((await refusal(issued)).code).toBe('INTERNAL');
    expect(h.entra.deleted).toHaveLength(1);
    expect(h.services.issuances.list({ outcome: 'issued' }, { limit: 5, offset: 0 }).total).toBe(0);
  });
});
