import nock from 'nock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHaloConnector } from '../../src/psa/halo/index.js';
import { readListedTicket } from '../../src/psa/port.js';
import { HALO_BASE, captureLogger, haloConfig, recordingSleep, useNock } from './helpers.js';

useNock();

function connector(overrides: Parameters<typeof haloConfig>[0] = {}) {
  const { logger } = captureLogger();
  return createHaloConnector({ config: haloConfig(overrides), logger, sleep: recordingSleep().sleep });
}

/** Answers every GET {path}?… with `respond(query)`, recording each query. */
function listEndpoint(path: string, respond: (q: URLSearchParams) => unknown) {
  const queries: URLSearchParams[] = [];
  nock(HALO_BASE)
    .persist()
    .get(path)
    .query(true)
    .reply((uri) => {
      const q = new URLSearchParams(uri.slice(uri.indexOf('?') + 1));
      queries.push(q);
      return [200, respond(q)];
    });
  return queries;
}

describe('HaloPSA lists', () => {
  beforeEach(() => {
    nock(HALO_BASE).post('/auth/token').reply(200, { access_token: 'tok', expires_in: 3600 });
  });

  it('pages through 250 clients 100 at a time, looping on rows returned (not record_count), skipping inactive', async () => {
    const halo = connector();
    const all = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, name: `Client ${i + 1}`, inactive: i + 1 === 150 }));
    const queries = listEndpoint('/api/Client', (q) => {
      // Like Halo: at most 100 rows whatever page_size asks for, and a record_count that cannot be trusted.
      const page = Number(q.get('page_no'));
      return { record_count: 717, clients: all.slice((page - 1) * 100, page * 100) };
    });

    const progress: number[] = [];
    const companies = await halo.listCompanies({ onProgress: (read) => progress.push(read) });

    expect(companies).toHaveLength(249);
    // The admin page shows how far a long listing got: rows read after each page.
    expect(progress).toEqual([100, 200, 250]);
    expect(companies.find((c) => c.id === '150')).toBeUndefined();
    expect(companies.at(-1)).toEqual({ id: '250', name: 'Client 250', identifier: undefined });
    expect(queries.map((q) => q.get('page_no'))).toEqual(['1', '2', '3', '4']);
    for (const q of queries) expect([q.get('pageinate'), q.get('page_size')]).toEqual(['true', '100']);
  });

  it('stops when the server ignores page_no and repeats the same page', async () => {
    const halo = connector();
    const queries = listEndpoint('/api/Client', () => ({ clients: [{ id: 1, name: 'Only' }] }));

    expect(await halo.listCompanies()).toEqual([{ id: '1', name: 'Only', identifier: undefined }]);
    expect(queries).toHaveLength(2);
  });

  it('asks for onboarding tickets by request type and status, and re-filters what Halo returns', async () => {
    const halo = connector({ onboarding: { requestTypeId: 31, statusId: 1 } });
    const full = (id: number) => ({ id, summary: `T${id}`, client_id: 12, client_name: 'Fabrikam', tickettype_id: 31, status_id: 1, customfields: [] });
    const queries = listEndpoint('/api/Tickets', () => ({
      record_count: 3,
      tickets: [
        { ...full(1) },
        { id: 2, summary: 'Printer', tickettype_id: 1, status_id: 1 }, // other request type: Halo ignored the filter
        { id: 3, summary: 'Closed joiner', tickettype_id: 31, status_id: 9 }, // other status
        { id: 4, summary: 'Joiner without fields in the list', tickettype_id: 31, status_id: 1 },
      ],
    }));
    const page = await halo.listOnboardingTickets('ignored-cursor', 1);

    expect(Object.fromEntries(queries[0]!)).toEqual({
      pageinate: 'true',
      page_size: '100',
      page_no: '1',
      requesttype_id: '31',
      status_id: '1',
      open_only: 'true',
    });
    expect(page.tickets.map((t) => t.id)).toEqual(['1', '4']);
    // Listed as they came: no read by id here (nock would refuse one). A row without custom fields says they are
    // unknown, not empty; the poller reads them by id only if it must look at the ticket.
    expect(page.tickets[0]?.customFields).toEqual({});
    expect(page.tickets[1]?.customFields).toBeUndefined();
    nock(HALO_BASE).get('/api/Tickets/4').query({ includedetails: 'true' }).reply(200, {
      ...full(4),
      customfields: [{ id: 140, name: 'CFNewUserUPN', label: 'New user UPN', value: 'new.joiner@fabrikam.com' }],
    });
    expect((await readListedTicket(halo, page.tickets[1]!))?.customFields['New user UPN']).toBe('new.joiner@fabrikam.com');
    expect(page.cursorAfter).toBeUndefined();
    expect(page.hasMore).toBe(false);
  });

  it('says more pages follow when a full page of 100 came back, and leaves status_id out when not set', async () => {
    const halo = connector({ onboarding: { requestTypeId: 31, statusId: undefined } });
    const rows = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, tickettype_id: 31, status_id: (i % 3) + 1, customfields: [] }));
    const queries = listEndpoint('/api/Tickets', () => ({ tickets: rows }));

    const page = await halo.listOnboardingTickets(undefined, 2);

    expect(queries[0]?.get('page_no')).toBe('2');
    expect(queries[0]?.has('status_id')).toBe(false);
    expect(page.tickets).toHaveLength(100);
    expect(page.hasMore).toBe(true);
  });

  it('pings with a one-row ticket list', async () => {
    const halo = connector();
    nock(HALO_BASE).get('/api/Tickets').query({ pageinate: 'true', page_size: '1', page_no: '1' }).reply(200, { tickets: [] });

    await expect(halo.ping()).resolves.toBeUndefined();
  });
});
