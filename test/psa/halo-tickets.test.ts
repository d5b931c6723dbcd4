import nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHaloConnector } from '../../src/psa/halo/index.js';
import type { PsaTicket } from '../../src/psa/port.js';
import { HALO_BASE, captureLogger, failure, haloConfig, recordingSleep, useNock } from './helpers.js';

useNock();

const note = { text: 'TAP issued', html: '<p>TAP issued</p>' };

function connector(overrides: Parameters<typeof haloConfig>[0] = {}) {
  const { sleep, waits } = recordingSleep();
  const { logger } = captureLogger();
  const halo = createHaloConnector({ config: haloConfig(overrides), logger, sleep, random: () => 0 });
  return { halo, waits };
}

const haloTicket = {
  id: 1234,
  summary: 'New starter: Jane Doe',
  details: '<p>Please set up <b>Jane&nbsp;Doe</b> &amp; her laptop.</p><p>UPN: jane.doe@fabrikam.com<br>Start: 7 Dec</p>',
  client_id: 12,
  client_name: 'Fabrikam Ltd',
  user_id: 88,
  user_name: 'Hank HR',
  user_email: 'hank@fabrikam.com',
  status_id: 1,
  status_name: 'New',
  tickettype_id: 31,
  tickettype_name: 'Onboarding',
  lastactiondate: '2026-11-20T18:04:26.55',
  customfields: [
    { id: 140, name: 'CFNewUserUPN', label: 'New user UPN', type: 0, value: 'jane.doe@fabrikam.com', display: 'jane.doe@fabrikam.com' },
    { id: 141, name: 'CFStartDate', label: 'Start date', type: 4, value: '2026-12-07T00:00:00', display: '07/12/2026' },
    { id: 142, name: 'CFLaptop', label: 'Laptop model', type: 2, value: 3, display: 'ThinkPad X1' },
    { id: 143, name: 'CFNotes', label: 'Notes', type: 1, value: '', display: '' },
  ],
};

describe('HaloPSA tickets and notes', () => {
  beforeEach(() => {
    nock(HALO_BASE).post('/auth/token').reply(200, { access_token: 'tok', expires_in: 3600 });
  });

  it('normalises a ticket: custom fields by name and label, calendar dates, details as text', async () => {
    const { halo } = connector();
    nock(HALO_BASE).get('/api/Tickets/1234').query({ includedetails: 'true' }).reply(200, haloTicket);

    const ticket = await halo.getTicket('1234');

    expect(ticket).toEqual<PsaTicket>({
      psa: 'halo',
      id: '1234',
      summary: 'New starter: Jane Doe',
      description: 'Please set up Jane Doe & her laptop.\nUPN: jane.doe@fabrikam.com\nStart: 7 Dec',
      companyId: '12',
      companyName: 'Fabrikam Ltd',
      contactName: 'Hank HR',
      contactEmail: 'hank@fabrikam.com',
      customFields: {
        CFNewUserUPN: 'jane.doe@fabrikam.com',
        'New user UPN': 'jane.doe@fabrikam.com',
        CFStartDate: '2026-12-07',
        'Start date': '2026-12-07',
        CFLaptop: 'ThinkPad X1',
        'Laptop model': 'ThinkPad X1',
        CFNotes: undefined,
        Notes: undefined,
      },
      statusName: 'New',
      statusId: '1',
      boardOrTypeName: 'Onboarding',
      lastUpdated: '2026-11-20T18:04:26.55Z',
    });
    expect(await halo.getTicketDescription(ticket!)).toBe(ticket!.description);
  });

  it('answers null for a missing ticket and for a malformed id', async () => {
    const { halo } = connector();
    nock(HALO_BASE).get('/api/Tickets/99').query({ includedetails: 'true' }).reply(404, { Message: 'Ticket not found' });

    expect(await halo.getTicket('99')).toBeNull();
    expect(await halo.getTicket('99; DROP')).toBeNull();
  });

  it('writes a private action as an array with the configured outcome, hidden and without e-mail', async () => {
    const { halo } = connector();
    let body: unknown;
    nock(HALO_BASE).post('/api/Actions', (b) => ((body = b), true)).reply(201, [{ id: 3, ticket_id: 1234 }]);

    await halo.writePrivateNote('1234', note);

    expect(body).toEqual([{ ticket_id: 1234, outcome_id: 7, note_html: '<p>TAP issued</p>', hiddenfromuser: true, sendemail: false }]);
  });

  it('moves the ticket with new_status on the same action', async () => {
    const { halo } = connector();
    let body: unknown;
    nock(HALO_BASE).post('/api/Actions', (b) => ((body = b), true)).reply(201, [{ id: 3 }]);

    await halo.writePrivateNote('1234', note, { status: '9' });

    expect(body).toEqual([
      { ticket_id: 1234, outcome_id: 7, note_html: '<p>TAP issued</p>', hiddenfromuser: true, sendemail: false, new_status: 9 },
    ]);
  });

  it('does not retry a note POST on a 5xx', async () => {
    const { halo, waits } = connector();
    const scope = nock(HALO_BASE).post('/api/Actions').times(2).reply(500, { Message: 'An error has occurred.' });

    const error = await failure(halo.writePrivateNote('1234', note));

    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(waits).toEqual([]);
    expect(scope.pendingMocks()).toHaveLength(1);
    nock.cleanAll();
  });

  it('retries a GET on a 5xx and honours Retry-After on a 429', async () => {
    const { halo, waits } = connector();
    nock(HALO_BASE)
      .get('/api/Tickets/1234').query({ includedetails: 'true' }).reply(502, 'Bad Gateway')
      .get('/api/Tickets/1234').query({ includedetails: 'true' }).reply(429, '', { 'Retry-After': '30' })
      .get('/api/Tickets/1234').query({ includedetails: 'true' }).reply(200, haloTicket);

    expect((await halo.getTicket('1234'))?.id).toBe('1234');
    expect(waits).toEqual([500, 30_000]);
  });

  it('turns Halo error shapes into clear PSA_ERROR sentences', async () => {
    const { halo } = connector();
    nock(HALO_BASE)
      .post('/api/Actions').reply(400, { ClassName: 'HaloException', Message: 'An Outcome must be entered for this Action' })
      .post('/api/Actions').reply(400, { '[0].ticket_id': ['The value is not valid.'] })
      .post('/api/Actions').reply(403, { resultCode: 1, errorMessage: 'You do not have access to this Action at the moment' });

    const outcome = await failure(halo.writePrivateNote('1234', note));
    const field = await failure(halo.writePrivateNote('1234', note));
    const access = await failure(halo.writePrivateNote('1234', note));

    expect(outcome).toMatchObject({
      code: 'PSA_ERROR',
      detail: 'HaloPSA rejected the request (HTTP 400, HaloException). HaloPSA said: "An Outcome must be entered for this Action"',
    });
    expect(field.detail).toContain('[0].ticket_id: The value is not valid.');
    expect(access.code).toBe('PSA_ERROR');
    expect(access.detail).toContain("agent's role");
    expect(access.detail).toContain('You do not have access to this Action');
  });
});
