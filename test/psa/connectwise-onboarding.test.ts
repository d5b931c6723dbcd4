import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createConnectWiseConnector } from '../../src/psa/connectwise/index.js';
import { CW_SITE, captureLogger, cwConfig, recordingSleep, useNock } from './helpers.js';

useNock();

const API = '/v2025_1/apis/3.0';

function connector(onboarding: { board: string; status: string; type: string | undefined }) {
  const { logger } = captureLogger();
  return createConnectWiseConnector({ config: cwConfig({ codebase: 'v2025_1/', onboarding }), logger, sleep: recordingSleep().sleep });
}

const row = (id: number, lastUpdated: string) => ({
  id,
  summary: `Onboarding ${id}`,
  board: { id: 3, name: 'Onboarding' },
  status: { id: 12, name: 'New' },
  company: { id: 250, name: 'Fabrikam Ltd' },
  customFields: [],
  _info: { lastUpdated },
});

/** Intercepts GET /service/tickets and hands back the raw query string and its decoded parameters. */
function captureTicketQuery(reply: { rows: unknown[]; link?: string }) {
  const seen: { raw?: string; params?: URLSearchParams } = {};
  nock(CW_SITE)
    .get((uri) => uri.startsWith(`${API}/service/tickets?`))
    .reply(function (uri) {
      seen.raw = uri.slice(uri.indexOf('?') + 1);
      seen.params = new URLSearchParams(seen.raw);
      return [200, reply.rows, reply.link ? { Link: reply.link } : {}];
    });
  return seen;
}

describe('ConnectWise onboarding tickets', () => {
  it('filters by board, status and type names and lastUpdated >= the cursor, oldest change first', async () => {
    const cw = connector({ board: 'New "Starters"', status: 'New', type: "Joiner's form" });
    const seen = captureTicketQuery({
      rows: [row(10, '2026-11-20T18:04:26Z'), row(11, '2026-11-20T18:09:00Z')],
      link: `<${CW_SITE}${API}/service/tickets?page=3>; rel="next"`,
    });

    const page = await cw.listOnboardingTickets('2026-11-20T18:04:26.000Z', 2);

    expect(seen.params?.get('conditions')).toBe(
      'board/name="New \\"Starters\\"" AND status/name="New" AND type/name="Joiner\'s form" AND lastUpdated >= [2026-11-20T18:04:26Z]',
    );
    expect(seen.params?.get('orderBy')).toBe('lastUpdated asc');
    expect(seen.params?.get('page')).toBe('2');
    expect(seen.params?.get('pageSize')).toBe('100');
    // Quotes, spaces, apostrophes and brackets travel percent-encoded, never raw.
    expect(seen.raw).not.toMatch(/["' [\]]/);
    expect(page.tickets.map((t) => t.id)).toEqual(['10', '11']);
    expect(page.cursorAfter).toBe('2026-11-20T18:09:00Z');
    expect(page.hasMore).toBe(true);
  });

  it('uses ids for numeric settings, omits the cursor on the first run, and ends when no next link', async () => {
    const cw = connector({ board: '3', status: '12', type: undefined });
    const seen = captureTicketQuery({ rows: [row(10, '2026-11-20T18:04:26Z')] });

    const page = await cw.listOnboardingTickets(undefined, 1);

    expect(seen.params?.get('conditions')).toBe('board/id=3 AND status/id=12');
    expect(page.hasMore).toBe(false);
    expect(page.cursorAfter).toBe('2026-11-20T18:04:26Z');
  });

  it('keeps the cursor when a page is empty', async () => {
    const cw = connector({ board: 'Onboarding', status: 'New', type: undefined });
    captureTicketQuery({ rows: [] });

    const page = await cw.listOnboardingTickets('2026-11-20T18:04:26Z', 1);

    expect(page).toEqual({ tickets: [], cursorAfter: '2026-11-20T18:04:26Z', hasMore: false });
  });
});
