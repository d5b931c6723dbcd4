import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNoteOutbox } from '../../src/delivery/outbox.js';
import { createConnectWiseConnector } from '../../src/psa/connectwise/index.js';
import { createOnboardingPoller } from '../../src/polling/index.js';
import { createTicketIssuance } from '../../src/tap/ticket-issuance.js';
import { buildHarness, CONTOSO } from './harness.js';

/** The poller against the real ConnectWise adapter, with the network mocked by nock: requests are counted exactly. */
const SITE = 'https://api-na.myconnectwise.net';
const API = '/v2025_1/apis/3.0';

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

const cwTicket = (id: number, lastUpdated: string) => ({
  id,
  summary: 'New starter',
  board: { id: 1, name: 'Onboarding' },
  status: { id: 5, name: 'New' },
  company: { id: 10, identifier: 'contoso', name: 'Contoso' },
  customFields: [
    { id: 1, caption: 'New user UPN', type: 'Text', value: 'jane@contoso.example' },
    // A CW Date field: midnight UTC for a calendar date, never shifted.
    { id: 2, caption: 'Start date', type: 'Date', value: '2026-11-27T00:00:00Z' },
  ],
  _info: { lastUpdated },
});

describe('poller + ConnectWise adapter (nock)', () => {
  it('issues from a listed ticket, then costs exactly one list request per idle cycle', async () => {
    const h = buildHarness({ now: new Date('2026-11-26T10:00:00Z'), env: { CW_CODEBASE: 'v2025_1/', CW_DONE_STATUS: '7' } });
    h.map('connectwise', '10');
    h.entra.addUser(CONTOSO, 'jane@contoso.example');
    const connector = createConnectWiseConnector({ config: h.config.connectwise!, logger: h.deps.logger, sleep: async () => undefined });

    // Registered first, so nock matches it before the list interceptor (whose query callback records every list).
    // The status before the note and right before the PATCH (still New: the done status may replace it).
    const statusReads = nock(SITE).get(`${API}/service/tickets/100`).query({ fields: 'board,status' }).twice().reply(200, { board: { id: 1, name: 'Onboarding' }, status: { id: 1, name: 'New' } });
    const lists: string[] = [];
    const scope = nock(SITE)
      .get(`${API}/service/tickets`)
      .query((q) => (lists.push(String(q.conditions)), true))
      .times(4)
      .reply(200, [cwTicket(100, '2026-11-26T09:59:00Z')]);
    const notes = nock(SITE).post(`${API}/service/tickets/100/notes`).reply(201, { id: 1 });
    const patch = nock(SITE)
      .patch(`${API}/service/tickets/100`, [{ op: 'replace', path: 'status', value: { id: 7 } }])
      .reply(200, cwTicket(100, '2026-11-26T10:00:01Z'));

    // Issuance and outbox on the real adapter too, so the note and the status change go through nock.
    const connectors = { connectwise: connector };
    const outbox = createNoteOutbox({ db: h.storage.db, sealKey: h.config.sealKey!, connectors, entra: h.entra, logger: h.deps.logger, now: h.now });
    const tickets = createTicketIssuance({ config: h.config, connectors, mappings: h.mappings, issuances: h.issuances, entra: h.entra, outbox, passes: h.passes, logger: h.deps.logger, transaction: (fn) => h.storage.sqlite.transaction(fn)(), now: h.now });
    const live = createOnboardingPoller({ ...h.deps, tickets, connectors });

    expect(await live.runCycle('connectwise')).toMatchObject({ issued: 1 });
    expect(notes.isDone()).toBe(true);
    expect(patch.isDone()).toBe(true);
    expect(statusReads.isDone()).toBe(true);
    expect(h.entra.passes[0]!.request.startDateTime).toBe('2026-11-27T07:00:00.000Z');
    expect(lists[0]).toBe('board/name="Onboarding" AND status/name="New"');

    for (let i = 0; i < 3; i += 1) await live.runCycle('connectwise');
    expect(scope.isDone()).toBe(true);
    expect(lists.slice(1)).toEqual(Array(3).fill('board/name="Onboarding" AND status/name="New" AND lastUpdated >= [2026-11-26T09:59:00Z]'));
    expect(nock.pendingMocks()).toEqual([]);
    expect(h.entra.passes).toHaveLength(1);
  });
});
