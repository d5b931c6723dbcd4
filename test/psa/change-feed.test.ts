import nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createConnectWiseConnector } from '../../src/psa/connectwise/index.js';
import { createHaloConnector } from '../../src/psa/halo/index.js';
import { CW_SITE, HALO_BASE, captureLogger, cwConfig, haloConfig, recordingSleep, useNock } from './helpers.js';

/** Issue 12: the change feed that follows tickets after they left the onboarding queue, one request when idle. */
useNock();
const API = '/v2025_1/apis/3.0';

describe('ConnectWise change feed', () => {
  const cw = () =>
    createConnectWiseConnector({ config: cwConfig({ codebase: 'v2025_1/', onboarding: { board: 'Onboarding', status: 'New', type: undefined } }), logger: captureLogger().logger, sleep: recordingSleep().sleep });
  const row = (id: number, board: { id: number; name: string }, status: { id: number; name: string }, lastUpdated: string) => ({
    id,
    summary: `Ticket ${id}`,
    board,
    status,
    company: { id: 250, name: 'Fabrikam Ltd' },
    customFields: [],
    _info: { lastUpdated },
  });

  it('asks for every ticket changed since the cursor (any board), 1,000 a page, and marks those in the onboarding queue', async () => {
    let query: URLSearchParams | undefined;
    nock(CW_SITE)
      .get((uri) => uri.startsWith(`${API}/service/tickets?`))
      .reply(function (uri) {
        query = new URLSearchParams(uri.slice(uri.indexOf('?') + 1));
        return [
          200,
          [
            row(10, { id: 3, name: 'Onboarding' }, { id: 12, name: 'New' }, '2026-11-20T18:04:26Z'),
            row(11, { id: 3, name: 'Onboarding' }, { id: 13, name: 'TAP issued' }, '2026-11-20T18:05:00Z'),
            row(12, { id: 7, name: 'Projects' }, { id: 12, name: 'New' }, '2026-11-20T18:09:00Z'),
          ],
        ];
      });

    const page = await cw().listChangedTickets('2026-11-20T18:04:26.512Z', 1);

    expect(query!.get('conditions')).toBe('lastUpdated >= [2026-11-20T18:04:26Z]');
    expect(query!.get('orderBy')).toBe('lastUpdated asc');
    expect(query!.get('pageSize')).toBe('1000');
    expect(page.tickets.map((t) => t.id)).toEqual(['10', '11', '12']);
    expect(page.onboardingIds).toEqual(['10']);
    expect(page.cursorAfter).toBe('2026-11-20T18:09:00Z');
    expect(page.hasMore).toBe(false);
  });
});

describe('HaloPSA change feed', () => {
  beforeEach(() => {
    nock(HALO_BASE).post('/auth/token').reply(200, { access_token: 'tok', expires_in: 3600 });
  });
  const halo = () => createHaloConnector({ config: haloConfig({ onboarding: { requestTypeId: 12, statusId: 1 } }), logger: captureLogger().logger, sleep: recordingSleep().sleep });
  const ticket = (id: number, tickettype_id: number, status_id: number, lastactiondate: string) => ({
    id,
    summary: `Ticket ${id}`,
    client_id: 55,
    client_name: 'Contoso',
    tickettype_id,
    status_id,
    lastactiondate,
    customfields: [],
  });

  it('sends lastupdatefromdate (Halo UTC, no suffix), drops rows older than the cursor in case Halo ignored it, and marks onboarding tickets', async () => {
    let query: URLSearchParams | undefined;
    nock(HALO_BASE)
      .get('/api/Tickets')
      .query(true)
      .reply((uri) => {
        query = new URLSearchParams(uri.slice(uri.indexOf('?') + 1));
        return [200, { record_count: 3, tickets: [ticket(1, 12, 1, '2026-11-20T18:00:00'), ticket(2, 12, 9, '2026-11-20T18:05:00'), ticket(3, 4, 1, '2026-11-20T18:06:00.5')] }];
      });

    const page = await halo().listChangedTickets('2026-11-20T18:04:00.000Z', 1);

    expect(query!.get('lastupdatefromdate')).toBe('2026-11-20T18:04:00');
    expect(query!.get('pageinate')).toBe('true');
    expect(query!.has('requesttype_id')).toBe(false);
    expect(page.tickets.map((t) => t.id)).toEqual(['2', '3']);
    expect(page.onboardingIds).toEqual([]);
    expect(page.cursorAfter).toBe('2026-11-20T18:06:00.5Z');
  });

  it('without an onboarding status, a ticket of the type in the done or cancelled status is not a new starter', async () => {
    nock(HALO_BASE)
      .get('/api/Tickets')
      .query(true)
      .reply(200, { tickets: [ticket(5, 12, 1, '2026-11-21T08:00:00'), ticket(6, 12, 9, '2026-11-21T08:00:00'), ticket(7, 12, 13, '2026-11-21T08:00:00')] });
    const h = createHaloConnector({ config: haloConfig({ onboarding: { requestTypeId: 12, statusId: undefined }, doneStatusId: 9, cancelledStatusId: 13 }), logger: captureLogger().logger, sleep: recordingSleep().sleep });
    const page = await h.listChangedTickets('2026-11-20T18:04:00.000Z', 1);
    expect(page.onboardingIds).toEqual(['5']);
  });

  it('a ticket of the onboarding type and status is marked as in the queue', async () => {
    nock(HALO_BASE).get('/api/Tickets').query(true).reply(200, { tickets: [ticket(5, 12, 1, '2026-11-21T08:00:00')] });
    const page = await halo().listChangedTickets('2026-11-20T18:04:00.000Z', 1);
    expect(page.onboardingIds).toEqual(['5']);
  });
});

it('HaloPSA: a stored cursor that is not an instant is refused before any request', async () => {
  const halo = createHaloConnector({ config: haloConfig({ onboarding: { requestTypeId: 12, statusId: 1 } }), logger: captureLogger().logger, sleep: recordingSleep().sleep });
  await expect(halo.listChangedTickets('yesterday', 1)).rejects.toMatchObject({ code: 'INTERNAL' });
});
