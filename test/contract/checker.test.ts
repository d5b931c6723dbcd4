import { describe, expect, it } from 'vitest';
import { checkRequest } from './checker.js';
import { describeBody, type RecordedRequest } from './recording/types.js';

/**
 * The checker itself, proven on requests written by hand: for each vendor, requests the vendor describes pass and
 * requests it does not describe fail with a problem naming what is wrong.
 */

const CW = 'https://api-na.myconnectwise.net/v4_6_release/apis/3.0';
const HALO = 'https://acme.halopsa.com';
const GRAPH = 'https://graph.microsoft.com/v1.0';
const LOGIN = 'https://login.microsoftonline.com';
const USER = '6e7b768e-07e2-4810-8459-485f84f8f204';

interface Options {
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
}

function request(method: string, url: string, opts: Options = {}): RecordedRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  let body: RecordedRequest['body'];
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = describeBody(JSON.stringify(opts.json), headers['content-type']);
  }
  if (opts.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = describeBody(new URLSearchParams(opts.form).toString(), headers['content-type']);
  }
  return { method, url, headers, ...(body ? { body } : {}) };
}

const cw = (method: string, path: string, opts: Options = {}) =>
  request(method, `${CW}${path}`, { ...opts, headers: { clientId: 'app-guid', Authorization: 'Basic x', ...opts.headers } });
const halo = (method: string, path: string, opts: Options = {}) =>
  request(method, `${HALO}/api${path}`, { ...opts, headers: { Authorization: 'Bearer t', ...opts.headers } });
const graph = (method: string, path: string, opts: Options = {}) =>
  request(method, `${GRAPH}${path}`, { ...opts, headers: { Authorization: 'Bearer t', ...opts.headers } });

function passes(req: RecordedRequest, operation: string) {
  const verdict = checkRequest(req);
  expect(verdict.problems).toEqual([]);
  expect(verdict.operation).toBe(operation);
}

function fails(req: RecordedRequest, problem: RegExp) {
  const verdict = checkRequest(req);
  expect(verdict.problems.length, `expected a problem for ${req.method} ${req.url}`).toBeGreaterThan(0);
  expect(verdict.problems.join('\n')).toMatch(problem);
}

const NOTE = { text: 'Pass issued', detailDescriptionFlag: false, internalAnalysisFlag: true, resolutionFlag: false, processNotifications: false };

describe('ConnectWise requests', () => {
  it('passes the reads, the internal note and the status PATCH the published description has', () => {
    passes(cw('GET', '/service/tickets/5'), 'connectwise GET /service/tickets/{id}');
    passes(
      cw('GET', '/service/tickets?conditions=board%2Fname%3D%22Onboarding%22&orderBy=lastUpdated%20asc&page=2&pageSize=100'),
      'connectwise GET /service/tickets',
    );
    passes(cw('GET', '/service/tickets/5/notes?orderBy=id%20asc&pageSize=100'), 'connectwise GET /service/tickets/{parentId}/notes');
    passes(cw('POST', '/service/tickets/5/notes', { json: NOTE }), 'connectwise POST /service/tickets/{parentId}/notes');
    passes(
      cw('PATCH', '/service/tickets/5', { json: [{ op: 'replace', path: 'status', value: { id: 7 } }] }),
      'connectwise PATCH /service/tickets/{id}',
    );
    passes(cw('GET', '/system/myMembers/info', { headers: { Cookie: 'memberHash=x' } }), 'connectwise GET /system/myMembers/info');
    passes(request('GET', 'https://api-na.myconnectwise.net/login/companyinfo/acme', { headers: { clientId: 'g' } }), 'connectwise GET /login/companyinfo/{companyId}');
  });

  it('matches the most specific template (count, not {id})', () => {
    passes(cw('GET', '/service/tickets/count?conditions=id%3D1'), 'connectwise GET /service/tickets/count');
  });

  it('fails an endpoint ConnectWise does not have: GET /system/myAccount (issue 10)', () => {
    fails(cw('GET', '/system/myAccount'), /connectwise does not describe GET \/system\/myAccount/);
  });

  it('fails a note field ServiceNote does not have, and a field of the wrong type', () => {
    fails(cw('POST', '/service/tickets/5/notes', { json: { ...NOTE, private: true } }), /body\.private is not a field/);
    fails(cw('POST', '/service/tickets/5/notes', { json: { ...NOTE, internalAnalysisFlag: 'true' } }), /body\.internalAnalysisFlag should be boolean, is string/);
  });

  it('fails a PATCH body that is not an array of patch operations', () => {
    fails(cw('PATCH', '/service/tickets/5', { json: { op: 'replace', path: 'status', value: { id: 7 } } }), /body should be an array/);
    fails(cw('PATCH', '/service/tickets/5', { json: [{ op: 'replace', path: 'status', value: 7, from: 'x' }] }), /body\[0\]\.from is not a field/);
  });

  it('fails an unknown query parameter, a query value of the wrong type, and a missing clientId header', () => {
    fails(cw('GET', '/service/tickets?since=2026-01-01'), /query parameter "since" is not described/);
    fails(cw('GET', '/service/tickets?pageSize=all'), /"pageSize" should be integer/);
    fails(request('GET', `${CW}/service/tickets/5`, { headers: { Authorization: 'Basic x' } }), /header "clientid" is required/);
  });

  it('fails a body on a read and a body sent without a JSON Content-Type', () => {
    fails(cw('GET', '/service/tickets/5', { json: { id: 5 } }), /takes no body/);
    fails(cw('POST', '/service/tickets/5/notes', { json: NOTE, headers: { 'Content-Type': 'text/plain' } }), /without a JSON Content-Type/);
  });
});

const ACTION = { ticket_id: 5, outcome_id: 3, note_html: '<p>Pass</p>', hiddenfromuser: true, sendemail: false, new_status: 9 };

describe('HaloPSA requests', () => {
  it('passes the reads, the private action and the token request the published description has', () => {
    passes(halo('GET', '/Tickets/5?includedetails=true'), 'halo GET /Tickets/{id}');
    passes(halo('GET', '/Tickets?pageinate=true&page_size=100&page_no=1&requesttype_id=4&status_id=1&open_only=true'), 'halo GET /Tickets');
    passes(halo('GET', '/Client?pageinate=true&page_size=100&page_no=2'), 'halo GET /Client');
    passes(halo('POST', '/Actions', { json: [ACTION] }), 'halo POST /Actions');
    passes(halo('GET', '/Actions?ticket_id=5&excludesys=true'), 'halo GET /Actions');
    // The swagger types it bool; clients send an instant (specs/halopsa-additions.json, UNCONFIRMED).
    passes(halo('GET', '/Tickets?pageinate=true&page_size=100&page_no=1&lastupdatefromdate=2026-01-01T00%3A00%3A00'), 'halo GET /Tickets');
    passes(
      request('POST', `${HALO}/auth/token?tenant=acme`, { form: { grant_type: 'client_credentials', client_id: 'a', client_secret: 'b', scope: 'all' } }),
      'halo POST /token',
    );
  });

  it('fails a query parameter Halo does not describe (a typo it would silently ignore)', () => {
    fails(halo('GET', '/Tickets/5?includedetail=true'), /query parameter "includedetail" is not described/);
    fails(halo('GET', '/Tickets?page_size=ten'), /"page_size" should be integer/);
    fails(halo('GET', '/Tickets?open_only=yes'), /"open_only" should be boolean/);
    fails(halo('GET', '/Actions?ticketid=5'), /query parameter "ticketid" is not described/);
  });

  it('fails an action that is not in an array, an undescribed field and a field of the wrong type', () => {
    fails(halo('POST', '/Actions', { json: ACTION }), /body should be an array/);
    fails(halo('POST', '/Actions', { json: [{ ...ACTION, privatenote: 'x' }] }), /body\[0\]\.privatenote is not a field/);
    fails(halo('POST', '/Actions', { json: [{ ...ACTION, ticket_id: '5' }] }), /body\[0\]\.ticket_id should be integer, is string/);
  });

  it('fails a path Halo does not have, a missing token, and a token request without scope or with an extra field', () => {
    fails(halo('GET', '/Ticket/5'), /halo does not describe GET \/Ticket\/5/);
    fails(request('GET', `${HALO}/api/Tickets/5`), /header "authorization" is required/);
    fails(request('POST', `${HALO}/auth/token`, { form: { grant_type: 'client_credentials', client_id: 'a', client_secret: 'b' } }), /"scope" is required/);
    fails(
      request('POST', `${HALO}/auth/token`, { form: { grant_type: 'client_credentials', client_id: 'a', client_secret: 'b', scope: 's', password: 'p' } }),
      /form field "password" is not described/,
    );
  });
});

describe('Microsoft Graph requests', () => {
  it('passes the user read, the privileged-check reads and the pass calls the Graph docs describe', () => {
    passes(graph('GET', '/users/adele@contoso.com?$select=id,userPrincipalName,displayName,accountEnabled,userType'), 'graph GET /users/{id}');
    passes(graph('GET', "/users('$adele@contoso.com')?$select=id"), 'graph GET /users/{id}');
    passes(graph('GET', `/users/${USER}/transitiveMemberOf?$select=id,displayName,roleTemplateId`), 'graph GET /users/{id}/transitiveMemberOf');
    passes(
      graph('GET', `/roleManagement/directory/roleAssignments?$filter=principalId eq '${USER}'&$expand=roleDefinition`),
      'graph GET /roleManagement/directory/roleAssignments',
    );
    passes(
      graph('GET', `/roleManagement/directory/roleEligibilityScheduleInstances?$filter=principalId eq '${USER}'`),
      'graph GET /roleManagement/directory/roleEligibilityScheduleInstances',
    );
    passes(graph('GET', '/organization'), 'graph GET /organization');
    passes(
      graph('GET', '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass'),
      'graph GET /policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{id}',
    );
    passes(
      graph('POST', `/users/${USER}/authentication/temporaryAccessPassMethods`, { json: { startDateTime: '2026-12-01T08:00:00Z', lifetimeInMinutes: 60, isUsableOnce: true } }),
      'graph POST /users/{id}/authentication/temporaryAccessPassMethods',
    );
    passes(graph('GET', `/users/${USER}/authentication/temporaryAccessPassMethods`), 'graph GET /users/{id}/authentication/temporaryAccessPassMethods');
    passes(graph('GET', `/users/${USER}/authentication/temporaryAccessPassMethods/${USER}`), 'graph GET /users/{id}/authentication/temporaryAccessPassMethods/{id}');
    passes(graph('DELETE', `/users/${USER}/authentication/temporaryAccessPassMethods/${USER}`), 'graph DELETE /users/{id}/authentication/temporaryAccessPassMethods/{id}');
    passes(graph('GET', `/users/${USER}/authentication/methods`), 'graph GET /users/{id}/authentication/methods');
    passes(graph('GET', '/tenantRelationships/delegatedAdminCustomers?$top=300&$skiptoken=abc'), 'graph GET /tenantRelationships/delegatedAdminCustomers');
  });

  it('fails a cast sent without ConsistencyLevel: eventual and $count=true, and passes it with both (issue 10)', () => {
    const cast = `/users/${USER}/transitiveMemberOf/microsoft.graph.directoryRole`;
    fails(graph('GET', cast), /advanced query: it needs ConsistencyLevel: eventual and \$count=true/);
    fails(graph('GET', cast, { headers: { ConsistencyLevel: 'eventual' } }), /\$count absent/);
    fails(graph('GET', `${cast}?$count=true`), /ConsistencyLevel absent/);
    passes(graph('GET', `${cast}?$count=true`, { headers: { ConsistencyLevel: 'eventual' } }), `graph GET /users/{id}/transitiveMemberOf/microsoft.graph.directoryRole`);
    fails(graph('GET', `/users/${USER}/transitiveMemberOf?$filter=startswith(displayName,'a') and securityEnabled eq true`), /advanced query/);
  });

  it('fails query options an operation does not take, properties a resource does not have, and a $top too large', () => {
    fails(graph('GET', `/users/${USER}/authentication/methods?$select=id`), /query parameter "\$select" is not described/);
    fails(graph('GET', `/users/${USER}?$select=id,password`), /\$select names "password"/);
    fails(graph('GET', `/roleManagement/directory/roleAssignments?$filter=displayName eq 'x'`), /\$filter on "displayName"/);
    fails(graph('GET', '/tenantRelationships/delegatedAdminCustomers?$top=500'), /\$top=500 is above the 300/);
    fails(graph('GET', `/roleManagement/directory/roleEligibilityScheduleInstances?$expand=roleDefinitions`), /\$expand names "roleDefinitions"/);
    fails(graph('GET', '/organization?$top=abc&$select=id'), /query parameter "\$top" is not described/);
  });

  it('fails a pass body field Graph does not describe or of the wrong type, and a beta or unknown path', () => {
    fails(graph('POST', `/users/${USER}/authentication/temporaryAccessPassMethods`, { json: { lifetimeInMinutes: '60' } }), /lifetimeInMinutes should be integer/);
    fails(graph('POST', `/users/${USER}/authentication/temporaryAccessPassMethods`, { json: { lifetime: 60 } }), /body\.lifetime is not a field/);
    fails(request('GET', `https://graph.microsoft.com/beta/users/${USER}`, { headers: { Authorization: 'Bearer t' } }), /graph does not describe/);
    fails(graph('GET', `/users/${USER}/memberOf`), /graph does not describe GET \/users\/.*\/memberOf/);
    fails(request('GET', `${GRAPH}/organization`), /header "authorization" is required/);
  });
});

describe('sign-in and discovery requests, and unknown destinations', () => {
  it('passes the MSAL token POST (method and path; MSAL builds the body) and the OpenID discovery read', () => {
    passes(
      request('POST', `${LOGIN}/${USER}/oauth2/v2.0/token?client-request-id=1`, { form: { client_id: 'a', scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' } }),
      'entra-login POST /{tenant}/oauth2/v2.0/token',
    );
    passes(request('GET', `${LOGIN}/contoso.com/v2.0/.well-known/openid-configuration`), 'entra-login GET /{tenant}/v2.0/.well-known/openid-configuration');
  });

  it('fails a request to an address that belongs to no vendor', () => {
    const verdict = checkRequest(request('GET', 'https://example.com/anything'));
    expect(verdict.vendor).toBe('unknown');
    expect(verdict.problems[0]).toMatch(/is no vendor endpoint/);
  });
});
