import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, CW_COMPANY_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { connectWiseClient } from './clients.js';

let sb: Sandbox;
let cw: ReturnType<typeof connectWiseClient>;
const now = new Date('2026-11-26T10:00:00Z');
// A simulated clock a second further on at each reading, so "bumps lastUpdated" is deterministic.
let tick = now.getTime();
const clock = () => new Date((tick += 1000));

beforeAll(async () => {
  sb = await startSandbox({ now, clock });
  cw = connectWiseClient(sb);
});
afterAll(() => sb.close());

const links = (res: Response) =>
  Object.fromEntries([...(res.headers.get('link') ?? '').matchAll(/<([^>]+)>; rel="(\w+)"/g)].map((m) => [m[2]!, m[1]!]));

describe('ConnectWise: discovery and authentication', () => {
  it('answers companyinfo with the codebase, and null for an unknown company', async () => {
    const info = await (await fetch(`${sb.connectwise.url}/login/companyinfo/TAILSPIN`)).json();
    expect(info).toMatchObject({ Codebase: 'v2025_1/', CompanyID: 'tailspin', IsCloud: 'True' });
    const unknown = await fetch(`${sb.connectwise.url}/login/companyinfo/nobody`);
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toBeNull();
  });

  it('refuses a request without credentials, with a CW-shaped 401', async () => {
    const res = await fetch(`${cw.base}/system/info`, { headers: { clientId: sb.connectwise.clientId, Accept: cw.headers.Accept } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'Unauthorized', message: expect.any(String) });
  });

  it('refuses wrong keys and a missing clientId header', async () => {
    const wrong = `Basic ${Buffer.from(`tailspin+${sb.connectwise.publicKey}:nope`).toString('base64')}`;
    expect((await cw.get('/system/info', { Authorization: wrong })).status).toBe(401);
    const res = await fetch(`${cw.base}/system/info`, { headers: { Authorization: cw.headers.Authorization, Accept: cw.headers.Accept } });
    expect(res.status).toBe(401);
  });

  it('requires the vnd Accept type first', async () => {
    expect((await cw.get('/system/info', { Accept: 'application/json' })).status).toBe(400);
    expect((await cw.get('/system/info')).status).toBe(200);
  });

  it('answers 404 on a stale codebase, the cue to re-discover', async () => {
    const res = await fetch(`${sb.connectwise.url}/v2024_1/apis/3.0/system/info`, { headers: cw.headers });
    expect(res.status).toBe(404);
  });

  const memberCookies = (overrides: Record<string, string | undefined> = {}) => {
    const member = sb.connectwise.state.member('jsmith')!;
    const values: Record<string, string | undefined> = { companyName: 'tailspin', memberId: 'jsmith', memberHash: member.memberHash, memberContext: sb.connectwise.state.memberContext(member), ...overrides };
    return Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join('; ');
  };
  const asMember = (path: string, cookie: string, extra: Record<string, string> = {}) =>
    fetch(`${cw.base}${path}`, { headers: { clientId: cw.headers.clientId, Accept: cw.headers.Accept, Cookie: cookie, ...extra } });

  it('answers GET /system/myMembers/info to the Hosted API member cookies with that member\'s id and identifier', async () => {
    const res = await asMember('/system/myMembers/info', memberCookies());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 155, identifier: 'jsmith', firstName: 'Jo', lastName: 'Smith' });
  });

  it('refuses the cookie check without memberContext, with a wrong one, a forged hash, another company or no clientId', async () => {
    for (const overrides of [{ memberContext: undefined }, { memberContext: 'xyz' }, { memberHash: '0'.repeat(32) }, { companyName: 'othermsp' }, { memberId: undefined }]) {
      expect((await asMember('/system/myMembers/info', memberCookies(overrides))).status, JSON.stringify(overrides)).toBe(401);
    }
    const noClientId = await fetch(`${cw.base}/system/myMembers/info`, { headers: { Accept: cw.headers.Accept, Cookie: memberCookies() } });
    expect(noClientId.status).toBe(401);
  });

  // Security review: the hosted page asks ConnectWise, with the member's own cookies, whether they may open the ticket.
  it('lets the member cookies read GET /service/tickets/{id} (with fields) only for tickets on the member\'s boards: 403 otherwise', async () => {
    const onboarding = sb.connectwise.state.ticketList().find((t) => (t.board as { id: number }).id === 23)!;
    const serviceDesk = sb.connectwise.state.ticketList().find((t) => (t.board as { id: number }).id === 1)!;
    // The seeded demo technician sees every board.
    const open = await asMember(`/service/tickets/${onboarding.id}?fields=id`, memberCookies());
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ id: onboarding.id });
    // mdevries is seeded with the Service Desk board only.
    const mdevries = sb.connectwise.state.member('mdevries')!;
    const asMdevries = memberCookies({ memberId: 'mdevries', memberHash: mdevries.memberHash, memberContext: sb.connectwise.state.memberContext(mdevries) });
    expect((await asMember(`/service/tickets/${serviceDesk.id}?fields=id`, asMdevries)).status).toBe(200);
    expect((await asMember(`/service/tickets/${onboarding.id}?fields=id`, asMdevries)).status).toBe(403);
    expect((await asMember('/service/tickets/999999?fields=id', memberCookies())).status).toBe(404);
    // A forged cookie reads nothing.
    expect((await asMember(`/service/tickets/${serviceDesk.id}`, memberCookies({ memberHash: '0'.repeat(32) }))).status).toBe(401);
  });

  it('gives the member cookies nothing else: no ticket list, notes, or writes', async () => {
    const ticket = sb.connectwise.state.ticketList()[0]!;
    for (const path of ['/service/tickets', `/service/tickets/${ticket.id}/notes`, '/company/companies']) {
      expect((await asMember(path, memberCookies())).status, path).toBe(401);
    }
    const patch = await fetch(`${cw.base}/service/tickets/${ticket.id}`, {
      method: 'PATCH',
      headers: { clientId: cw.headers.clientId, Accept: cw.headers.Accept, Cookie: memberCookies(), 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: 'summary', value: 'x' }]),
    });
    expect(patch.status).toBe(401);
  });

  it('answers for the API member when the call carries API keys, whatever cookies come with it', async () => {
    const res = await asMember('/system/myMembers/info', memberCookies(), { Authorization: cw.headers.Authorization });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ identifier: 'tapconnector' });
  });

  it('has no GET /system/myAccount (404 with cookies or keys), and cookies never open ticket data', async () => {
    expect((await asMember('/system/myAccount', memberCookies())).status).toBe(404);
    expect((await cw.get('/system/myAccount')).status).toBe(404);
    expect((await asMember('/service/tickets', memberCookies())).status).toBe(401);
  });
});

describe('ConnectWise: only what the 2025.1 API describes', () => {
  it('keeps its operations table equal to the published extract (method and path, same order)', async () => {
    const { readFileSync } = await import('node:fs');
    const published = JSON.parse(readFileSync(new URL('../contract/specs/connectwise-2025.1-operations.json', import.meta.url), 'utf8')) as { operations: { method: string; path: string }[] };
    const table = JSON.parse(readFileSync(new URL('../../src/sandbox/connectwise/operations-2025.1.json', import.meta.url), 'utf8')) as { operations: string[] };
    expect(table.operations).toEqual(published.operations.map((o) => `${o.method} ${o.path}`));
  });

  it('answers 404 to a path the API does not have, and 405 to a method a described path does not take', async () => {
    for (const path of ['/service/tickets/48112/frobnicate', '/system/nothing', '/service/ticket/48112', '/system/mymembers/info']) {
      const res = await cw.get(path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'NotFound' });
    }
    const wrongMethod = await cw.send('POST', '/system/info', {});
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect((await cw.send('DELETE', '/system/myMembers/info', {})).status).toBe(405);
  });

  it('refuses a note with a field ServiceNote does not have, or a field of the wrong type', async () => {
    const note = { text: 'x', detailDescriptionFlag: false, internalAnalysisFlag: true, resolutionFlag: false, processNotifications: false };
    for (const body of [{ ...note, internal: true }, { ...note, notify: false }, { ...note, internalAnalysisFlag: 'true' }, { ...note, text: 5 }, [note]]) {
      const res = await cw.send('POST', '/service/tickets/48112/notes', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'InvalidObject' });
    }
    expect(sb.connectwise.state.notes(48112).filter((n) => n.text === 'x')).toHaveLength(0);
  });

  it('refuses a ticket PATCH that is not an array of PatchOperation {op, path, value}', async () => {
    for (const body of [{ op: 'replace', path: 'status', value: { id: 2 } }, [{ op: 'replace', path: 'status', value: { id: 2 }, from: 'x' }], [{ op: 'replace', value: { id: 2 } }], []]) {
      const res = await cw.send('PATCH', '/service/tickets/48111', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('ConnectWise: tickets', () => {
  it('filters onboarding tickets by board and status and returns the reference fields', async () => {
    const res = await cw.get(`/service/tickets?conditions=${encodeURIComponent('board/name="Onboarding" AND status/name="New"')}`);
    const tickets = (await res.json()) as { id: number; customFields: { caption: string; value?: string }[] }[];
    expect(tickets.map((t) => t.id)).toEqual([48101, 48102, 48103, 48104, 48105, 48106, 48107]);
    const bram = tickets[0]!;
    expect(bram).toMatchObject({
      summary: 'New starter: Bram de Vries',
      board: { id: 23, name: 'Onboarding' },
      status: { name: 'New' },
      company: { id: CW_COMPANY_IDS.contoso, identifier: 'ContosoLtd' },
      contactEmailAddress: 'anouk.hendriks@contoso.example',
      type: { name: 'New Starter' },
    });
    // Start date is the day after `now` in Amsterdam, returned as midnight UTC.
    expect(bram.customFields.find((f) => f.caption === 'Start date')?.value).toBe('2026-11-27T00:00:00Z');
    const henry = tickets.find((t) => t.id === 48104)!;
    expect(henry.customFields.find((f) => f.caption === 'Start date')).not.toHaveProperty('value');
  });

  it('parses datetimes in brackets, integers, contains and OR', async () => {
    const q = async (c: string) => ((await (await cw.get(`/service/tickets?conditions=${encodeURIComponent(c)}`)).json()) as { id: number }[]).map((t) => t.id);
    // Seeded lastUpdated values are hours before `now`: 48110 −10 h, 48111 −8 h, 48112 −3 h, 48101 −30 h, 48102 −28 h.
    expect(await q('lastUpdated > [2026-11-25T23:00:00Z]')).toEqual([48110, 48111, 48112]);
    expect(await q('_info/lastUpdated <= [2026-11-25T04:00:00Z] AND board/id = 23')).toEqual([48101, 48108]);
    expect(await q(`company/id = ${CW_COMPANY_IDS.northwind}`)).toEqual([48106, 48113]);
    expect(await q('summary contains "mfa" OR type/name = "Leaver"')).toEqual([48112]);
    expect(await q('status/id != 150 AND board/name = "Onboarding"')).toEqual([48108]);
  });

  it('refuses unparseable conditions with a CW error body', async () => {
    for (const bad of ['board/name = Onboarding', 'lastUpdated > "2026-11-20"', 'board/name ==', 'nosuchfield = 1', 'board/name = "x" AND']) {
      const res = await cw.get(`/service/tickets?conditions=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'InvalidObject', message: expect.any(String), errors: [expect.objectContaining({ resource: 'conditions' })] });
    }
  });

  it('orders by lastUpdated and id', async () => {
    const ids = async (o: string) => ((await (await cw.get(`/service/tickets?orderBy=${encodeURIComponent(o)}&pageSize=3`)).json()) as { id: number }[]).map((t) => t.id);
    expect(await ids('id desc')).toEqual([48113, 48112, 48111]);
    expect(await ids('lastUpdated asc')).toEqual([48108, 48113, 48101]);
    expect((await cw.get('/service/tickets?orderBy=bogus%20asc')).status).toBe(400);
  });

  it('pages companies with a Link header whose next is absent on the last page', async () => {
    const first = await cw.get('/company/companies?conditions=deletedFlag=false&fields=id,identifier,name&pageSize=50');
    const rows = (await first.json()) as Record<string, unknown>[];
    expect(rows).toHaveLength(50);
    expect(Object.keys(rows[0]!).sort()).toEqual(['id', 'identifier', 'name']);
    let next = links(first).next;
    const seen = rows.length;
    let total = seen;
    let pages = 1;
    while (next) {
      const res = await fetch(next, { headers: cw.headers });
      total += ((await res.json()) as unknown[]).length;
      next = links(res).next;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(total).toBe(117); // 120 companies, 3 deleted
  });

  it('defaults to 25 per page and caps pageSize at 1000', async () => {
    const res = await cw.get('/company/companies');
    expect(((await res.json()) as unknown[]).length).toBe(25);
    expect(links(res)).toHaveProperty('next');
    const big = await cw.get('/company/companies?pageSize=5000');
    expect(((await big.json()) as unknown[]).length).toBe(120);
    expect(links(big)).not.toHaveProperty('next');
  });

  it('supports childConditions on company types', async () => {
    const res = await cw.get(`/company/companies?pageSize=1000&childConditions=${encodeURIComponent('types/name="Prospect"')}`);
    expect(((await res.json()) as unknown[]).length).toBe(11);
  });

  it('answers 404 with a CW body for a missing ticket', async () => {
    const res = await cw.get('/service/tickets/1');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NotFound' });
  });

  it('moves a ticket by JSON Patch and bumps lastUpdated', async () => {
    const before = (await (await cw.get('/service/tickets/48110')).json()) as { _info: { lastUpdated: string } };
    const res = await cw.send('PATCH', '/service/tickets/48110', [{ op: 'replace', path: 'status', value: { id: 2 } }]);
    expect(res.status).toBe(200);
    const after = (await res.json()) as { status: { name: string }; _info: { lastUpdated: string } };
    expect(after.status.name).toBe('In Progress');
    expect(Date.parse(after._info.lastUpdated)).toBeGreaterThan(Date.parse(before._info.lastUpdated));
    const wrongBoard = await cw.send('PATCH', '/service/tickets/48110', [{ op: 'replace', path: 'status', value: { id: 150 } }]);
    expect(wrongBoard.status).toBe(400);
  });

  it('lists board statuses', async () => {
    const res = await cw.get('/service/boards/23/statuses');
    expect(((await res.json()) as { name: string }[]).map((s) => s.name)).toEqual(['New', 'In Progress', 'TAP Issued', 'Completed']);
    expect((await cw.get('/service/boards/999/statuses')).status).toBe(404);
  });
});

describe('ConnectWise: notes', () => {
  it('keeps the initial description as the first Discussion note', async () => {
    const notes = (await (await cw.get('/service/tickets/48104/notes')).json()) as { text: string; detailDescriptionFlag: boolean }[];
    expect(notes[0]).toMatchObject({ detailDescriptionFlag: true, text: expect.stringContaining('Start date: 03/04/27') });
  });

  it('refuses a note without any type flag, with the reference message', async () => {
    const res = await cw.send('POST', '/service/tickets/48112/notes', { text: 'hello', processNotifications: false });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string; errors: { message: string }[] };
    expect(body.message).toContain('serviceNote object is invalid');
    expect(body.errors[0]!.message).toBe('Please choose where to display the notes in order to save this record.');
    expect(sb.connectwise.state.notes(48112)).toHaveLength(1);
  });

  it('stores an internal note with its flags and processNotifications, and bumps lastUpdated', async () => {
    const before = Date.parse(((await (await cw.get('/service/tickets/48112')).json()) as { _info: { lastUpdated: string } })._info.lastUpdated);
    const res = await cw.send('POST', '/service/tickets/48112/notes', {
      text: 'TAP issued', detailDescriptionFlag: false, internalAnalysisFlag: true, resolutionFlag: false, processNotifications: false,
    });
    expect(res.status).toBe(201);
    const stored = sb.connectwise.state.notes(48112).at(-1)!;
    expect(stored).toMatchObject({ text: 'TAP issued', internalAnalysisFlag: true, detailDescriptionFlag: false, processNotifications: false, createdBy: 'tapconnector' });
    const after = Date.parse(((await (await cw.get('/service/tickets/48112')).json()) as { _info: { lastUpdated: string } })._info.lastUpdated);
    expect(after).toBeGreaterThan(before);
    const internalOnly = await cw.get(`/service/tickets/48112/notes?conditions=${encodeURIComponent('internalAnalysisFlag = true')}`);
    expect(((await internalOnly.json()) as unknown[]).length).toBe(1);
  });
});

describe('ConnectWise: Hosted API host page', () => {
  it('frames the connector URL with [cw_id] replaced and carries the member authentication', async () => {
    const page = `${sb.connectwise.url}/hosted-host?url=${encodeURIComponent('http://127.0.0.1:9/cw/hosted?id=[cw_id]')}&id=48112&member=jsmith`;
    const html = await (await fetch(page)).text();
    expect(html).toContain('http://127.0.0.1:9/cw/hosted?id=48112');
    expect(html).toContain("message.hosted_request === 'getMemberAuthentication'");
    expect(html).toContain(sb.connectwise.state.member('jsmith')!.memberHash);
    expect(html).toContain(`"memberContext":"${sb.connectwise.state.memberContext(sb.connectwise.state.member('jsmith')!)}"`);
    expect(html).toContain(`"site":"${new URL(sb.connectwise.url).host}"`);
    expect((await fetch(`${sb.connectwise.url}/hosted-host?url=x&id=1`)).status).toBe(400);
  });
});
