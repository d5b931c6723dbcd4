import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, HALO_CLIENT_IDS, type Sandbox } from '../../src/sandbox/index.js';
import { haloClient, haloToken } from './clients.js';

let sb: Sandbox;
let halo: ReturnType<typeof haloClient>;

beforeAll(async () => {
  sb = await startSandbox({ now: new Date('2026-11-26T10:00:00Z'), haloTokenLifetimeSeconds: 1800 });
  halo = haloClient(sb, await haloToken(sb));
});
afterAll(() => sb.close());

type TicketList = { record_count: number; page_no?: number; tickets: { id: number; tickettype_id: number; customfields: { label: string; value: string; display: string }[] }[] };

describe('Halo: auth', () => {
  it('issues client-credentials tokens with the configured expires_in', async () => {
    const res = await fetch(`${sb.halo.url}/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.halo.clientId, client_secret: sb.halo.clientSecret, scope: 'all' }),
    });
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 1800, access_token: expect.any(String) });
  });

  it('refuses a bad client with invalid_client and an unknown scope with invalid_scope', async () => {
    const bad = await fetch(`${sb.halo.url}/auth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.halo.clientId, client_secret: 'wrong', scope: 'all' }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_client' });
    const scope = await fetch(`${sb.halo.url}/auth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.halo.clientId, client_secret: sb.halo.clientSecret, scope: 'read:actions' }) });
    expect(await scope.json()).toEqual({ error: 'invalid_scope' });
  });

  it('issues a token without scope that then gets 401 on every call (the reference trap)', async () => {
    const scopeless = haloClient(sb, await haloToken(sb, null));
    expect((await scopeless.get('/Tickets/2001')).status).toBe(401);
    expect((await scopeless.get('/Client')).status).toBe(401);
  });

  it('refuses the API without a bearer token and checks scopes per resource', async () => {
    expect((await fetch(`${sb.halo.url}/api/Tickets`)).status).toBe(401);
    const ticketsOnly = haloClient(sb, await haloToken(sb, 'read:tickets'));
    expect((await ticketsOnly.get('/Tickets/2001')).status).toBe(200);
    expect((await ticketsOnly.get('/Client')).status).toBe(403);
    expect((await ticketsOnly.post('/Actions', [{ ticket_id: 2010, outcome_id: 7, note_html: 'x' }])).status).toBe(403);
  });
});

describe('Halo: tickets and clients', () => {
  it('returns a ticket with custom fields only with includedetails=true, and 404 for a missing one', async () => {
    const bare = (await (await halo.get('/Tickets/2001')).json()) as Record<string, unknown>;
    expect(bare).toMatchObject({ id: 2001, summary: expect.any(String) });
    expect(bare).not.toHaveProperty('customfields');
    const res = await halo.get('/Tickets/2001?includedetails=true');
    const t = (await res.json()) as TicketList['tickets'][number] & Record<string, unknown>;
    expect(t).toMatchObject({ id: 2001, client_id: HALO_CLIENT_IDS.contoso, client_name: 'Contoso Ltd', tickettype_id: 24, status_id: 1 });
    expect(t.customfields.find((f) => f.label === 'New user UPN')?.value).toBe('lars.mulder@contoso.example');
    expect(t.customfields.find((f) => f.label === 'Start date')).toMatchObject({ value: '2026-11-27T00:00:00', display: '27/11/2026' });
    expect((await halo.get('/Tickets/999999')).status).toBe(404);
  });

  it('filters by requesttype_id, status_id, client_id and open_only', async () => {
    const ids = async (q: string) => ((await (await halo.get(`/Tickets?${q}`)).json()) as TicketList).tickets.map((t) => t.id);
    expect(await ids('requesttype_id=24&status_id=1')).toEqual([2001, 2002, 2003, 2004, 2005, 2006, 2007]);
    expect(await ids(`client_id=${HALO_CLIENT_IDS.northwind}&open_only=true`)).toEqual([2006]);
  });

  it('ignores an unknown filter and returns everything (tickettype_id is not a filter)', async () => {
    const body = (await (await halo.get('/Tickets?tickettype_id=24')).json()) as TicketList;
    expect(body.record_count).toBe(11);
    expect(body.tickets.some((t) => t.tickettype_id !== 24)).toBe(true);
  });

  it('pages only with pageinate=true, and caps page_size at 100 while record_count counts everything', async () => {
    const unpaged = (await (await halo.get('/Client?page_size=10&page_no=2')).json()) as { clients: unknown[]; record_count: number };
    expect(unpaged.clients).toHaveLength(118); // 120 clients, 2 inactive; paging parameters ignored
    const first = (await (await halo.get('/Client?pageinate=true&page_size=1000&page_no=1')).json()) as { clients: { id: number }[]; record_count: number; page_size: number };
    expect(first.record_count).toBe(118);
    expect(first.clients).toHaveLength(100);
    const second = (await (await halo.get('/Client?pageinate=true&page_size=1000&page_no=2')).json()) as { clients: { id: number }[] };
    expect(second.clients).toHaveLength(18);
    expect(second.clients[0]!.id).not.toBe(first.clients[0]!.id);
    const all = (await (await halo.get('/Client?includeinactive=true')).json()) as { record_count: number };
    expect(all.record_count).toBe(120);
  });

  it('lists tickets without custom fields unless asked for by id', async () => {
    const plain = (await (await halo.get('/Tickets?requesttype_id=24')).json()) as TicketList;
    expect(plain.tickets.every((t) => !('customfields' in t))).toBe(true);
    const upn = sb.halo.state.customFieldDefs.find((d) => d.label === 'New user UPN')!;
    const asked = (await (await halo.get(`/Tickets?requesttype_id=24&include_custom_fields=${upn.id}`)).json()) as TicketList;
    expect(asked.tickets[0]!.customfields.map((f) => f.label)).toEqual(['New user UPN']);
  });

  it('answers 404 to paths Halo does not describe (halopsa-api-extract.json)', async () => {
    for (const path of [`/Client/${HALO_CLIENT_IDS.fabrikam}`, '/Ticket/2001', '/Tickets/2001/Actions', '/Agent/me']) expect((await halo.get(path)).status).toBe(404);
  });
});

describe('Halo: actions', () => {
  it('requires an array body', async () => {
    const res = await halo.post('/Actions', { ticket_id: 2010, outcome_id: 7, note_html: 'x' });
    expect(res.status).toBe(400);
  });

  it('requires an outcome, with the reference message', async () => {
    const res = await halo.post('/Actions', [{ ticket_id: 2010, note_html: '<p>x</p>', hiddenfromuser: true }]);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('An Outcome must be entered for this Action');
    expect(sb.halo.state.actions(2010)).toHaveLength(0);
  });

  it('stores a private note, moves the ticket with new_status, and hides it from excludeprivate reads', async () => {
    const res = await halo.post('/Actions', [{ ticket_id: 2001, outcome_id: 7, note_html: '<p>TAP issued</p>', hiddenfromuser: true, sendemail: false, new_status: 21 }]);
    expect(res.status).toBe(201);
    expect(sb.halo.state.actions(2001)).toEqual([
      expect.objectContaining({ id: 1, ticket_id: 2001, outcome_id: 7, note_html: '<p>TAP issued</p>', hiddenfromuser: true, sendemail: false, new_status: 21 }),
    ]);
    expect(((await (await halo.get('/Tickets/2001')).json()) as { status_id: number }).status_id).toBe(21);
    const publicOnly = (await (await halo.get('/Actions?ticket_id=2001&excludeprivate=true')).json()) as { actions: unknown[] };
    expect(publicOnly.actions).toHaveLength(0);
    const all = (await (await halo.get('/Actions?ticket_id=2001')).json()) as { actions: unknown[] };
    expect(all.actions).toHaveLength(1);
  });

  it('refuses a field the Actions schema lacks, or of the wrong type, and stores nothing', async () => {
    for (const action of [
      { ticket_id: 2011, outcome_id: 7, note_html: 'x', hidden_from_user: true },
      { ticket_id: 2011, outcome_id: 7, note_html: 'x', hiddenfromuser: 'true' },
      { ticket_id: '2011', outcome_id: 7, note_html: 'x' },
    ]) {
      const res = await halo.post('/Actions', [action]);
      expect(res.status).toBe(400);
    }
    expect(sb.halo.state.actions(2011)).toHaveLength(0);
  });

  it('accepts the outcome by name as well', async () => {
    const res = await halo.post('/Actions', [{ ticket_id: 2011, outcome: 'Private Note', note_html: 'x', hiddenfromuser: true }]);
    expect(res.status).toBe(201);
  });
});
