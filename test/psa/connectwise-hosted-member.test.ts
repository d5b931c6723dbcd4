import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createConnectWiseMemberVerifier } from '../../src/psa/connectwise/index.js';
import { CW_SITE, captureLogger, cwConfig, failure, recordingSleep, useNock } from './helpers.js';

useNock();

const ACCOUNT = '/v2025_1/apis/3.0/system/myAccount';
const claim = { companyId: 'Contoso', memberId: 'jsmith', memberHash: 'h4sh;value=x' };

function connector() {
  const { logger } = captureLogger();
  return createConnectWiseMemberVerifier({ config: cwConfig({ codebase: 'v2025_1/' }), logger, sleep: recordingSleep().sleep });
}

describe('ConnectWise hosted member check', () => {
  it('accepts a member when CW answers 200 to the member cookies, without the API keys', async () => {
    const members = connector();
    let headers: Record<string, string | string[] | undefined> = {};
    nock(CW_SITE)
      .get(ACCOUNT)
      .reply(function () {
        headers = this.req.headers;
        return [200, { id: 17, identifier: 'JSmith', firstName: 'John' }];
      });

    expect(await members.verify(claim)).toEqual({ memberId: 'jsmith', memberIdentifier: 'JSmith' });
    // Values are percent-encoded so a hash cannot add a cookie of its own.
    expect(headers.cookie).toBe('companyName=contoso; memberHash=h4sh%3Bvalue%3Dx; memberId=jsmith; memberContext=web');
    expect(headers.clientid).toBe('0b3c1f7e-2a6d-4c1b-9e8f-112233445566');
    expect(headers.authorization).toBeUndefined();
  });

  it('refuses a member when CW answers 401', async () => {
    const members = connector();
    nock(CW_SITE).get(ACCOUNT).reply(401, { code: 'Unauthorized', message: 'Unauthorized' });

    expect(await members.verify(claim)).toBeNull();
  });

  it('refuses a redirect (a login page behind a 302 is not a 200)', async () => {
    const members = connector();
    nock(CW_SITE).get(ACCOUNT).reply(302, '', { Location: `${CW_SITE}/login` });

    expect(await members.verify(claim)).toBeNull();
  });

  it('refuses when CW names a different member than claimed', async () => {
    const members = connector();
    nock(CW_SITE).get(ACCOUNT).reply(200, { id: 18, identifier: 'someoneelse' });

    expect(await members.verify(claim)).toBeNull();
  });

  it('refuses another company without asking CW', async () => {
    expect(await connector().verify({ ...claim, companyId: 'othermsp' })).toBeNull();
  });

  it('reports CW trouble as an upstream error, not as a refused member', async () => {
    const members = connector();
    nock(CW_SITE).get(ACCOUNT).times(5).reply(503, 'down');

    expect((await failure(members.verify(claim))).code).toBe('UPSTREAM_UNAVAILABLE');
  });
});

describe('ConnectWise hosted member check, codebase', () => {
  it('discovers the codebase like the API client when none is configured', async () => {
    const { logger } = captureLogger();
    const members = createConnectWiseMemberVerifier({ config: cwConfig(), logger, sleep: recordingSleep().sleep });
    nock(CW_SITE)
      .get('/login/companyinfo/contoso').reply(200, { Codebase: 'v2025_1/' })
      .get(ACCOUNT).reply(200, { id: 17, identifier: 'jsmith' });

    expect(await members.verify(claim)).toEqual({ memberId: 'jsmith', memberIdentifier: 'jsmith' });
  });
});
