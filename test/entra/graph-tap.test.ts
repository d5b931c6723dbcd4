import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { GRAPH, TENANT_A, V1, directory, expectAppError, graphError, useNock } from './helpers.js';

useNock();

const USER = 'aaaaaaaa-0000-4000-8000-000000000001';
const METHOD = 'bbbbbbbb-0000-4000-8000-000000000002';
const TAPS = `${V1}/users/${USER}/authentication/temporaryAccessPassMethods`;
const PASS = '+drkzqAD';
const created = {
  id: METHOD,
  temporaryAccessPass: PASS,
  createdDateTime: '2026-11-26T10:00:00Z',
  startDateTime: '2026-12-01T07:00:00Z',
  lifetimeInMinutes: 480,
  isUsableOnce: true,
  isUsable: false,
  methodUsabilityReason: 'NotYetValid',
};

describe('creating a pass', () => {
  it('posts the request once and returns the pass', async () => {
    const { entra } = directory();
    let sent: unknown;
    nock(GRAPH)
      .post(TAPS)
      .reply(201, (_uri, body) => {
        sent = body;
        return created;
      });

    const tap = await entra.createTap(TENANT_A, USER, { startDateTime: '2026-12-01T07:00:00Z', lifetimeInMinutes: 480, isUsableOnce: true });

    expect(sent).toEqual({ startDateTime: '2026-12-01T07:00:00Z', lifetimeInMinutes: 480, isUsableOnce: true });
    expect(tap).toEqual({
      id: METHOD,
      temporaryAccessPass: PASS,
      startDateTime: '2026-12-01T07:00:00Z',
      lifetimeInMinutes: 480,
      isUsableOnce: true,
      methodUsabilityReason: 'NotYetValid',
    });
  });

  it('leaves startDateTime out for a pass usable now', async () => {
    const { entra } = directory();
    let sent: unknown;
    nock(GRAPH)
      .post(TAPS)
      .reply(201, (_uri, body) => {
        sent = body;
        return { ...created, startDateTime: null };
      });

    const tap = await entra.createTap(TENANT_A, USER, { lifetimeInMinutes: 60, isUsableOnce: false });

    expect(sent).toEqual({ lifetimeInMinutes: 60, isUsableOnce: false });
    expect(tap.startDateTime).toBe(created.createdDateTime);
  });

  it('makes exactly one request on a 429 and reports UPSTREAM_THROTTLED with Retry-After', async () => {
    const { entra, waits } = directory();
    let requests = 0;
    nock(GRAPH)
      .post(TAPS)
      .times(3)
      .reply(() => {
        requests++;
        return [429, graphError('TooManyRequests', 'Too many requests'), { 'Retry-After': '1' }];
      });

    const error = await expectAppError(entra.createTap(TENANT_A, USER, { lifetimeInMinutes: 60, isUsableOnce: false }), 'UPSTREAM_THROTTLED');

    expect(error.extra.retryAfterSeconds).toBe(1);
    expect(requests).toBe(1);
    expect(waits).toEqual([]);
  });

  it('makes exactly one request on a 503 and does not claim that no pass exists', async () => {
    const { entra } = directory();
    let requests = 0;
    nock(GRAPH)
      .post(TAPS)
      .times(2)
      .reply(() => {
        requests++;
        return [503, 'Service Unavailable'];
      });

    const error = await expectAppError(entra.createTap(TENANT_A, USER, { lifetimeInMinutes: 60, isUsableOnce: false }), 'UPSTREAM_UNAVAILABLE');

    expect(requests).toBe(1);
    expect(error.detail).toMatch(/may or may not exist/);
  });

  it.each([
    ['Invalid LifetimeInMinutes specified. The valid range between 60 and 480.', 400, 'LIFETIME_INVALID'],
    ['Converged UserCredentialPolicy does not allow creating or updating this authentication method.', 400, 'POLICY_DISABLED'],
    ['Converged UserCredentialPolicy does not allow creating or updating this authentication method.', 403, 'POLICY_DISABLED'],
    ['Temporary Access Pass cannot be added to an external guest user.', 400, 'USER_GUEST'],
    ['Insufficient privileges to complete the operation.', 403, 'ENTRA_ACCESS_DENIED'],
  ] as const)('maps "%s" (%i) to %s without passing the message on', async (message, status, code) => {
    const { entra } = directory();
    nock(GRAPH).post(TAPS).reply(status, graphError(status === 400 ? 'badRequest' : 'accessDenied', message));

    const error = await expectAppError(entra.createTap(TENANT_A, USER, { lifetimeInMinutes: 9999, isUsableOnce: false }), code);

    expect(error.detail).not.toContain(message);
    expect(error.detail).not.toContain('req-123');
  });

  it('states the accepted lifetime range', async () => {
    const { entra } = directory();
    nock(GRAPH).post(TAPS).reply(400, graphError('badRequest', 'Invalid LifetimeInMinutes specified. The valid range between 60 and 480.'));

    const error = await expectAppError(entra.createTap(TENANT_A, USER, { lifetimeInMinutes: 30, isUsableOnce: false }), 'LIFETIME_INVALID');

    expect(error.detail).toBe('The tenant accepts pass lifetimes between 60 and 480 minutes only.');
  });

  it('reports a vanished user as USER_NOT_FOUND', async () => {
    const { entra } = directory();
    nock(GRAPH).post(TAPS).reply(404, graphError('Request_ResourceNotFound', 'gone'));

    await expectAppError(entra.createTap(TENANT_A, USER, { lifetimeInMinutes: 60, isUsableOnce: false }), 'USER_NOT_FOUND');
  });

  it('never writes the pass to the log, even when the response is malformed', async () => {
    const { entra, lines } = directory();
    nock(GRAPH).post(TAPS).reply(201, created).post(TAPS).reply(201, { ...created, lifetimeInMinutes: 'eight hours' });

    await entra.createTap(TENANT_A, USER, { lifetimeInMinutes: 480, isUsableOnce: true });
    const error = await expectAppError(entra.createTap(TENANT_A, USER, { lifetimeInMinutes: 480, isUsableOnce: true }), 'INTERNAL');

    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(PASS);
    expect(error.detail).not.toContain(PASS);
    expect(JSON.stringify(error.extra)).not.toContain(PASS);
  });
});

describe('listing and revoking passes', () => {
  it('lists passes without their secret', async () => {
    const { entra } = directory();
    nock(GRAPH)
      .get(TAPS)
      .reply(200, { value: [{ ...created, temporaryAccessPass: null }] });

    expect(await entra.listTaps(TENANT_A, USER)).toEqual([
      { id: METHOD, startDateTime: created.startDateTime, lifetimeInMinutes: 480, isUsableOnce: true, isUsable: created.isUsable, methodUsabilityReason: 'NotYetValid', createdDateTime: created.createdDateTime },
    ]);
  });

  it('deletes a pass (204), and treats 404 as already gone', async () => {
    const { entra } = directory();
    nock(GRAPH).delete(`${TAPS}/${METHOD}`).reply(204).delete(`${TAPS}/${METHOD}`).reply(404, graphError('Request_ResourceNotFound', 'gone'));

    await entra.deleteTap(TENANT_A, USER, METHOD);
    await entra.deleteTap(TENANT_A, USER, METHOD);

    expect(nock.isDone()).toBe(true);
  });

  it('reports a refused delete', async () => {
    const { entra } = directory();
    nock(GRAPH).delete(`${TAPS}/${METHOD}`).reply(403, graphError('accessDenied', 'no'));

    await expectAppError(entra.deleteTap(TENANT_A, USER, METHOD), 'ENTRA_ACCESS_DENIED');
  });

  it('refuses a method id that is not a GUID', async () => {
    const { entra, tokens } = directory();

    await expectAppError(entra.deleteTap(TENANT_A, USER, '../../..'), 'INVALID_REQUEST');
    expect(tokens.calls).toEqual([]);
  });
});
