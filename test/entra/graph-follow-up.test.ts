import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { GRAPH, TENANT_A, V1, directory, graphError, useNock } from './helpers.js';

/** Issue 12: what the enrolment follow-up reads from Graph — the pass by id, and the user's authentication methods. */
useNock();

const USER = 'aaaaaaaa-0000-4000-8000-000000000001';
const METHOD = 'bbbbbbbb-0000-4000-8000-000000000002';
const METHODS = `${V1}/users/${USER}/authentication/methods`;

describe('reading a pass and the user\'s methods', () => {
  it('reads one pass with Graph\'s own usability word', async () => {
    const { entra } = directory();
    nock(GRAPH)
      .get(`${V1}/users/${USER}/authentication/temporaryAccessPassMethods/${METHOD}`)
      .reply(200, { id: METHOD, temporaryAccessPass: null, startDateTime: '2026-12-01T07:00:00Z', lifetimeInMinutes: 480, isUsableOnce: true, isUsable: false, methodUsabilityReason: 'Expired', createdDateTime: '2026-11-26T10:00:00Z' });

    expect(await entra.getTap(TENANT_A, USER, METHOD)).toEqual({
      id: METHOD,
      startDateTime: '2026-12-01T07:00:00Z',
      lifetimeInMinutes: 480,
      isUsableOnce: true,
      isUsable: false,
      methodUsabilityReason: 'Expired',
      createdDateTime: '2026-11-26T10:00:00Z',
    });
  });

  it('a pass Graph no longer has (deleted, or replaced by a newer one) is null', async () => {
    const { entra } = directory();
    nock(GRAPH).get(`${V1}/users/${USER}/authentication/temporaryAccessPassMethods/${METHOD}`).reply(404, graphError('itemNotFound', 'not found'));
    expect(await entra.getTap(TENANT_A, USER, METHOD)).toBeNull();
  });

  it('refuses a method id that is not a GUID before any request', async () => {
    const { entra } = directory();
    await expect(entra.getTap(TENANT_A, USER, '../../me')).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
  });

  it('lists every registered method with its @odata.type and createdDateTime, across pages', async () => {
    const { entra } = directory();
    nock(GRAPH)
      .get(METHODS)
      .reply(200, {
        value: [
          { '@odata.type': '#microsoft.graph.passwordAuthenticationMethod', id: '28c10230-6103-485e-b985-444c60001490', createdDateTime: null },
          { '@odata.type': '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', id: 'c1c1c1c1-0000-4000-8000-000000000001', createdDateTime: '2026-12-01T08:14:00Z', displayName: 'iPhone 15' },
        ],
        '@odata.nextLink': `${GRAPH}${METHODS}?$skiptoken=2`,
      })
      .get(METHODS)
      .query({ $skiptoken: '2' })
      .reply(200, { value: [{ '@odata.type': '#microsoft.graph.softwareOathAuthenticationMethod', id: 'd1d1d1d1-0000-4000-8000-000000000001' }] });

    expect(await entra.listAuthenticationMethods(TENANT_A, USER)).toEqual([
      { id: '28c10230-6103-485e-b985-444c60001490', odataType: '#microsoft.graph.passwordAuthenticationMethod', createdDateTime: undefined, displayName: undefined },
      { id: 'c1c1c1c1-0000-4000-8000-000000000001', odataType: '#microsoft.graph.microsoftAuthenticatorAuthenticationMethod', createdDateTime: '2026-12-01T08:14:00Z', displayName: 'iPhone 15' },
      { id: 'd1d1d1d1-0000-4000-8000-000000000001', odataType: '#microsoft.graph.softwareOathAuthenticationMethod', createdDateTime: undefined, displayName: undefined },
    ]);
  });

  it('a method without @odata.type is an unexpected answer, not a guess', async () => {
    const { entra } = directory();
    nock(GRAPH).get(METHODS).reply(200, { value: [{ id: 'c1c1c1c1-0000-4000-8000-000000000001' }] });
    await expect(entra.listAuthenticationMethods(TENANT_A, USER)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
