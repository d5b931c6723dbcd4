import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/errors.js';
import { buildHarness } from '../helpers/services.js';

const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

describe('the /errors pages problem documents link to', () => {
  const h = buildHarness({ env: { PUBLIC_BASE_URL: 'https://tap.msp.example' } });

  it('has a page for every code in the catalogue, saying its status, title and what to do', async () => {
    for (const code of CODES) {
      const res = await h.app.request(`/errors/${code.toLowerCase()}`);
      expect(res.status, code).toBe(200);
      expect(res.headers.get('content-type'), code).toMatch(/^text\/html/);
      const page = await res.text();
      expect(page, code).toContain(`<code>${code}</code>`);
      expect(page, code).toContain(String(ERROR_CATALOGUE[code].status));
      // hono/jsx escapes text: compare with the apostrophes escaped.
      expect(page, code).toContain(ERROR_CATALOGUE[code].explain.replaceAll("'", '&#39;'));
    }
  });

  it('lists every code on the index, each linking to its page', async () => {
    const page = await (await h.app.request('/errors')).text();
    for (const code of CODES) expect(page, code).toContain(`href="/errors/${code.toLowerCase()}"`);
  });

  it('answers an unknown code with a 404 problem', async () => {
    const res = await h.app.request('/errors/no_such_code');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
  });

  it('points each problem\'s type at its page under PUBLIC_BASE_URL, and that page is served', async () => {
    const res = await h.app.request('/v1/psa/connectwise/tickets/1/tap', { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    const problem = (await res.json()) as { type: string; code: string };
    expect(problem.type).toBe('https://tap.msp.example/errors/unauthorized');
    const page = await h.app.request(new URL(problem.type).pathname);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<code>UNAUTHORIZED</code>');
  });
});
