import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnectWiseConnector } from '../../src/psa/connectwise/index.js';
import type { PsaTicket } from '../../src/psa/port.js';
import { CW_SITE, captureLogger, cwConfig, failure, recordingSleep, useNock } from './helpers.js';

useNock();

const API = '/v2025_1/apis/3.0';
const note = { text: 'TAP for jane@fabrikam.com: ...', html: '<p>TAP</p>' };

function connector(overrides: Parameters<typeof cwConfig>[0] = {}) {
  const { sleep, waits } = recordingSleep();
  const { logger, lines } = captureLogger();
  const cw = createConnectWiseConnector({ config: cwConfig({ codebase: 'v2025_1/', ...overrides }), logger, sleep, random: () => 0 });
  return { cw, waits, lines };
}

const cwTicket = {
  id: 4711,
  summary: 'Onboarding: Jane Doe',
  recordType: 'ServiceTicket',
  board: { id: 3, name: 'Onboarding' },
  status: { id: 12, name: 'New' },
  type: { id: 8, name: 'New User' },
  company: { id: 250, identifier: 'Fabrikam', name: 'Fabrikam Ltd' },
  contact: { id: 77, name: 'Hank HR' },
  contactEmailAddress: 'hank@fabrikam.com',
  customFields: [
    { id: 1, caption: 'New user UPN', type: 'Text', entryMethod: 'EntryField', numberOfDecimals: 0, value: 'jane.doe@fabrikam.com' },
    { id: 2, caption: 'Start date', type: 'Date', entryMethod: 'Date', numberOfDecimals: 0, value: '2026-12-07T00:00:00Z' },
    { id: 3, caption: 'Laptop needed', type: 'Checkbox', entryMethod: 'EntryField', numberOfDecimals: 0, value: true },
    { id: 4, caption: 'Empty one', type: 'Text', entryMethod: 'EntryField', numberOfDecimals: 0 },
  ],
  _info: { lastUpdated: '2026-11-20T18:04:26Z', dateEntered: '2026-11-19T09:00:00Z' },
};

describe('ConnectWise tickets', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    process.env.TZ = zone;
  });

  it('normalises a ticket, keeping a Date custom field on its calendar date even west of UTC', async () => {
    // A zone where midnight UTC is still the previous evening: converting through Date would give the 6th.
    process.env.TZ = 'America/Los_Angeles';
    const { cw } = connector();
    nock(CW_SITE).get(`${API}/service/tickets/4711`).reply(200, cwTicket);

    const ticket = await cw.getTicket('4711');

    expect(ticket).toEqual<PsaTicket>({
      psa: 'connectwise',
      id: '4711',
      summary: 'Onboarding: Jane Doe',
      description: undefined,
      companyId: '250',
      companyName: 'Fabrikam Ltd',
      contactName: 'Hank HR',
      contactEmail: 'hank@fabrikam.com',
      customFields: { 'New user UPN': 'jane.doe@fabrikam.com', 'Start date': '2026-12-07', 'Laptop needed': 'true', 'Empty one': undefined },
      statusName: 'New',
      statusId: '12',
      boardOrTypeName: 'Onboarding',
      lastUpdated: '2026-11-20T18:04:26Z',
    });
  });

  it('reads the description from the earliest Discussion note', async () => {
    const { cw } = connector();
    nock(CW_SITE)
      .get(`${API}/service/tickets/4711/notes`)
      .query({ orderBy: 'id asc', pageSize: '100' })
      .reply(200, [
        { id: 90, text: 'internal remark', detailDescriptionFlag: false, internalAnalysisFlag: true },
        { id: 95, text: 'a later reply', detailDescriptionFlag: true },
        { id: 91, text: '  Please onboard Jane, starts 7 Dec.  ', detailDescriptionFlag: true },
      ]);

    const ticket = { id: '4711', description: undefined } as PsaTicket;
    expect(await cw.getTicketDescription(ticket)).toBe('Please onboard Jane, starts 7 Dec.');
  });

  it('lists companies, following Link rel="next" to the last page', async () => {
    const { cw } = connector();
    const path = `${API}/company/companies`;
    const page = (n: number) => `${CW_SITE}${path}?conditions=deletedFlag%3Dfalse&fields=id,identifier,name&pageSize=1000&page=${n}`;
    const rows = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ id: from + i, identifier: `C${from + i}`, name: `Company ${from + i}` }));
    let firstQuery: URLSearchParams | undefined;
    nock(CW_SITE)
      .get(path).query((q) => {
        firstQuery = new URLSearchParams(q as Record<string, string>);
        return q.page === undefined;
      })
      .reply(200, rows(1, 1000), { Link: `<${page(2)}>; rel="next", <${page(3)}>; rel="last"` })
      .get(path).query((q) => q.page === '2')
      .reply(200, rows(1001, 1000), { Link: `<${page(1)}>; rel="prev", <${page(3)}>; rel="next", <${page(3)}>; rel="last"` })
      .get(path).query((q) => q.page === '3')
      .reply(200, rows(2001, 3), { Link: `<${page(2)}>; rel="prev", <${page(1)}>; rel="first"` });

    const progress: number[] = [];
    const companies = await cw.listCompanies({ onProgress: (read) => progress.push(read) });

    expect(progress).toEqual([1000, 2000, 2003]);
    expect(firstQuery?.get('conditions')).toBe('deletedFlag=false');
    expect(firstQuery?.get('fields')).toBe('id,identifier,name');
    expect(firstQuery?.get('pageSize')).toBe('1000');
    expect(companies).toHaveLength(2003);
    expect(companies.at(-1)).toEqual({ id: '2003', name: 'Company 2003', identifier: 'C2003' });
  });

  it('refuses to follow a Link to another host (the keys would go with it)', async () => {
    const { cw } = connector();
    nock(CW_SITE)
      .get(`${API}/company/companies`).query(true)
      .reply(200, [{ id: 1, name: 'A' }], { Link: '<https://evil.example/steal?page=2>; rel="next"' });

    expect((await failure(cw.listCompanies())).code).toBe('PSA_ERROR');
  });

  it('writes an internal note with exactly the private flags and no status change by default', async () => {
    const { cw } = connector();
    let body: unknown;
    nock(CW_SITE)
      .post(`${API}/service/tickets/4711/notes`, (b) => ((body = b), true))
      .reply(201, { id: 501, ticketId: 4711, internalAnalysisFlag: true });

    await cw.writePrivateNote('4711', note);

    expect(body).toEqual({
      text: note.text,
      detailDescriptionFlag: false,
      internalAnalysisFlag: true,
      resolutionFlag: false,
      processNotifications: false,
    });
  });

  it('moves the ticket to a done status named on its board, looking the id up once', async () => {
    const { cw } = connector();
    const patches: unknown[] = [];
    nock(CW_SITE)
      // The board and status before the note, and the status again right before each PATCH (unchanged: still New).
      .get(`${API}/service/tickets/4711`).query({ fields: 'board,status' }).times(4).reply(200, { board: cwTicket.board, status: cwTicket.status })
      .get(`${API}/service/boards/3/statuses`).query({ conditions: 'name="Completed"' }).once()
      .reply(200, [{ id: 42, name: 'Completed' }])
      .post(`${API}/service/tickets/4711/notes`).twice().reply(201, { id: 1 })
      .patch(`${API}/service/tickets/4711`, (b) => (patches.push(b), true)).twice().reply(200, { id: 4711 });

    await cw.writePrivateNote('4711', note, { status: 'Completed' });
    await cw.writePrivateNote('4711', note, { status: 'completed' });

    expect(patches).toEqual([
      [{ op: 'replace', path: 'status', value: { id: 42 } }],
      [{ op: 'replace', path: 'status', value: { id: 42 } }],
    ]);
  });

  it('patches a numeric done status directly', async () => {
    const { cw } = connector();
    let patch: unknown;
    nock(CW_SITE)
      .get(`${API}/service/tickets/4711`).query({ fields: 'board,status' }).twice().reply(200, { board: cwTicket.board, status: cwTicket.status })
      .post(`${API}/service/tickets/4711/notes`).reply(201, { id: 1 })
      .patch(`${API}/service/tickets/4711`, (b) => ((patch = b), true)).reply(200, { id: 4711 });

    await cw.writePrivateNote('4711', note, { status: '42' });

    expect(patch).toEqual([{ op: 'replace', path: 'status', value: { id: 42 } }]);
  });

  it('does not fail a written note because the status change failed (a retry would duplicate the note)', async () => {
    const { cw, lines } = connector();
    nock(CW_SITE)
      .get(`${API}/service/tickets/4711`).query({ fields: 'board,status' }).twice().reply(200, { board: cwTicket.board, status: cwTicket.status })
      .post(`${API}/service/tickets/4711/notes`).reply(201, { id: 1 })
      .patch(`${API}/service/tickets/4711`).reply(400, { code: 'InvalidObject', message: 'status is not valid for this board' });

    await expect(cw.writePrivateNote('4711', note, { status: '999' })).resolves.toBeUndefined();
    expect(lines.some((l) => l.includes('ticket status not changed'))).toBe(true);
  });

  it('does not retry a note POST on a 5xx', async () => {
    const { cw, waits } = connector();
    const scope = nock(CW_SITE).post(`${API}/service/tickets/4711/notes`).times(2).reply(502, 'Bad Gateway');

    const error = await failure(cw.writePrivateNote('4711', note));

    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(waits).toEqual([]);
    expect(scope.pendingMocks()).toHaveLength(1); // the second reply was never asked for
    nock.cleanAll();
  });

  it('does retry a note POST on a 429, which CW did not process', async () => {
    const { cw, waits } = connector();
    nock(CW_SITE)
      .post(`${API}/service/tickets/4711/notes`).reply(429, { error: 'ConnectWiseAPI', message: 'Too many requests' }, { 'Retry-After': '2' })
      .post(`${API}/service/tickets/4711/notes`).reply(201, { id: 1 });

    await cw.writePrivateNote('4711', note);
    expect(waits).toEqual([2_000]);
  });

  it('reports a missing ticket on note POST as TICKET_NOT_FOUND', async () => {
    const { cw } = connector();
    nock(CW_SITE).post(`${API}/service/tickets/4711/notes`).reply(404, { code: 'NotFound', message: 'Ticket not found' });

    expect((await failure(cw.writePrivateNote('4711', note))).code).toBe('TICKET_NOT_FOUND');
  });
});
