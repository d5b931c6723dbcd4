import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createConnectWiseMemberVerifier } from '../../src/psa/connectwise/index.js';
import { CW_SITE, captureLogger, cwConfig, failure, recordingSleep, useNock } from './helpers.js';

useNock();

// ConnectWise 2025.1 has no GET /system/myAccount; "who am I" is GET /system/myMembers/info (MyMemberInfo: id, identifier).
const MEMBER_INFO = '/v2025_1/apis/3.0/system/myMembers/info';
const claim = { companyId: 'Contoso', memberId: 'jsmith', memberHash: 'h4sh+/Value==', memberContext: 'web' };

function connector() {
  const { logger } = captureLogger();
  return createConnectWiseMemberVerifier({ config: cwConfig({ codebase: 'v2025_1/' }), logger, sleep: recordingSleep().sleep });
}

describe('ConnectWise hosted member check', () => {
  it('asks GET /system/myMembers/info with the member cookies and clientId, never the API keys, and accepts the named member', async () => {
    const members = connector();
    let headers: Record<string, string | string[] | undefined> = {};
    nock(CW_SITE)
      .get(MEMBER_INFO)
      .reply(function () {
        headers = this.req.headers;
        return [200, { id: 17, identifier: 'jsmith', firstName: 'John' }];
      });

    expect(await members.verify(claim)).toEqual({ memberId: 'jsmith', memberIdentifier: 'jsmith' });
    // The cookie shape real integrations send (reference/specs/connectwise-hosted-api-evidence.md §4).
    expect(headers.cookie).toBe('companyName=contoso; memberId=jsmith; memberHash=h4sh+/Value==; memberContext=web');
    expect(headers.clientid).toBe('0b3c1f7e-2a6d-4c1b-9e8f-112233445566');
    expect(headers.authorization).toBeUndefined();
  });

  it('compares the identifier without regard to case (ConnectWise member identifiers are case-insensitive)', async () => {
    const members = connector();
    nock(CW_SITE).get(MEMBER_INFO).reply(200, { id: 17, identifier: 'JSmith' });

    expect(await members.verify(claim)).toEqual({ memberId: 'jsmith', memberIdentifier: 'JSmith' });
  });

  it('does not ask the endpoint that does not exist', async () => {
    const members = connector();
    const wrong = nock(CW_SITE).get('/v2025_1/apis/3.0/system/myAccount').reply(200, { id: 17, identifier: 'jsmith' });
    nock(CW_SITE).get(MEMBER_INFO).reply(200, { id: 17, identifier: 'jsmith' });

    await members.verify(claim);
    expect(wrong.isDone()).toBe(false);
    nock.cleanAll();
  });

  it('refuses a 200 that does not name the claimed member: another identifier, none at all, or only a matching numeric id', async () => {
    for (const body of [{ id: 18, identifier: 'someoneelse' }, {}, { id: 17 }, { id: 17, identifier: '' }]) {
      const members = connector();
      nock(CW_SITE).get(MEMBER_INFO).reply(200, body);
      expect(await members.verify({ ...claim, memberId: '17' }), JSON.stringify(body)).toBeNull();
    }
  });

  it('refuses a member when CW answers 401, 403 or 404', async () => {
    for (const status of [401, 403, 404]) {
      const members = connector();
      nock(CW_SITE).get(MEMBER_INFO).reply(status, { code: 'Unauthorized', message: 'Unauthorized' });
      expect(await members.verify(claim)).toBeNull();
    }
  });

  it('refuses a redirect (a login page behind a 302 is not a 200)', async () => {
    const members = connector();
    nock(CW_SITE).get(MEMBER_INFO).reply(302, '', { Location: `${CW_SITE}/login` });

    expect(await members.verify(claim)).toBeNull();
  });

  it('refuses without asking CW: another company, no memberContext, or values that are not cookie text', async () => {
    const members = connector();
    expect(await members.verify({ ...claim, companyId: 'othermsp' })).toBeNull();
    expect(await members.verify({ ...claim, memberContext: undefined })).toBeNull();
    expect(await members.verify({ ...claim, memberContext: '' })).toBeNull();
    // A value that would end the cookie and add one of its own.
    expect(await members.verify({ ...claim, memberHash: 'h4sh; memberId=admin' })).toBeNull();
    expect(await members.verify({ ...claim, memberId: 'j smith' })).toBeNull();
    expect(await members.verify({ ...claim, memberContext: 'web"' })).toBeNull();
  });

  it('reports CW trouble as an upstream error, not as a refused member', async () => {
    const members = connector();
    nock(CW_SITE).get(MEMBER_INFO).times(5).reply(503, 'down');

    expect((await failure(members.verify(claim))).code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

describe('ConnectWise hosted member check, codebase', () => {
  it('discovers the codebase like the API client when none is configured', async () => {
    const { logger } = captureLogger();
    const members = createConnectWiseMemberVerifier({ config: cwConfig(), logger, sleep: recordingSleep().sleep });
    nock(CW_SITE)
      .get('/login/companyinfo/contoso').reply(200, { Codebase: 'v2025_1/' })
      .get(MEMBER_INFO).reply(200, { id: 17, identifier: 'jsmith' });

    expect(await members.verify(claim)).toEqual({ memberId: 'jsmith', memberIdentifier: 'jsmith' });
  });
});

// Security review: the member check proved WHO the member is, never that they may open the ticket named in ?id=.
describe('ConnectWise hosted member check, may this member open the ticket', () => {
  const TICKET = '/v2025_1/apis/3.0/service/tickets/4711';

  it('reads GET /service/tickets/{id}?fields=id with the member cookies and clientId, never the API keys, and allows only a 200 naming that ticket', async () => {
    const members = connector();
    let headers: Record<string, string | string[] | undefined> = {};
    nock(CW_SITE)
      .get(TICKET)
      .query({ fields: 'id' })
      .reply(function () {
        headers = this.req.headers;
        return [200, { id: 4711 }];
      });

    expect(await members.canOpenTicket(claim, '4711')).toBe(true);
    expect(headers.cookie).toBe('companyName=contoso; memberId=jsmith; memberHash=h4sh+/Value==; memberContext=web');
    expect(headers.clientid).toBe('0b3c1f7e-2a6d-4c1b-9e8f-112233445566');
    expect(headers.authorization).toBeUndefined();
  });

  it('says no when ConnectWise answers 403 or 404 to the member', async () => {
    for (const status of [403, 404]) {
      const members = connector();
      nock(CW_SITE).get(TICKET).query(true).reply(status, { code: 'Forbidden', message: 'no' });
      expect(await members.canOpenTicket(claim, '4711'), String(status)).toBe(false);
    }
  });

  it('fails closed as "could not verify" on 401, a redirect, a 200 naming another ticket or none, and an unreadable body', async () => {
    const answers: [number, unknown, Record<string, string>?][] = [
      [401, { code: 'Unauthorized' }],
      [302, '', { Location: `${CW_SITE}/login` }],
      [200, { id: 4712 }],
      [200, {}],
      [200, 'not json'],
    ];
    for (const [status, body, headers] of answers) {
      const members = connector();
      nock(CW_SITE).get(TICKET).query(true).reply(status, body as never, headers);
      expect((await failure(members.canOpenTicket(claim, '4711'))).code, `${status} ${JSON.stringify(body)}`).toBe('TICKET_ACCESS_UNVERIFIED');
    }
  });

  it('reports ConnectWise being down as such (still no access)', async () => {
    const members = connector();
    nock(CW_SITE).get(TICKET).query(true).times(5).reply(503, 'down');
    expect((await failure(members.canOpenTicket(claim, '4711'))).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('asks nothing for a claim that could not be sent as cookies, another company, or a ticket id that is not a number', async () => {
    const members = connector();
    for (const [c, id] of [[{ ...claim, memberHash: 'h; memberId=admin' }, '4711'], [{ ...claim, companyId: 'othermsp' }, '4711'], [claim, '../4711'], [claim, '0']] as const) {
      expect((await failure(members.canOpenTicket(c, id))).code).toBe('TICKET_ACCESS_UNVERIFIED');
    }
  });
});
