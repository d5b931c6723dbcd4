import { z } from 'zod';
import type { HaloConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { createHaloClient, type HaloClient } from '../psa/halo/client.js';
import { haloTicketListSchema, haloTicketSchema } from '../psa/halo/schemas.js';
import { sendWithRetry, tryParseJson } from '../psa/http.js';
import { describeError, doctorHttp, variableName } from './http.js';
import { fail, pass, unconfirmed, type Check, type CheckGroup } from './report.js';

const tokenResponse = z.object({ access_token: z.string().min(1), scope: z.string().optional() }).passthrough();

/**
 * HaloPSA, read-only: the token and its scopes, a ticket read, the note outcome id, the status ids and the custom
 * field names. Later checks are skipped when no token can be had.
 */
export async function checkHalo(config: HaloConfig, logger: Logger): Promise<CheckGroup> {
  const checks: Check[] = [];
  const http = doctorHttp('HaloPSA', logger);
  const group = { title: `HaloPSA (${config.baseUrl})`, checks };

  // 1. The token, asked for exactly as the adapter asks, and the scopes Halo granted.
  try {
    const res = await sendWithRetry(http, {
      method: 'POST',
      url: `${config.authUrl}/token${config.tenant ? `?tenant=${encodeURIComponent(config.tenant)}` : ''}`,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret, scope: config.scope }).toString(),
      idempotent: true,
    });
    const body = tokenResponse.safeParse(tryParseJson(res.text));
    const error = (tryParseJson(res.text) as { error?: unknown } | undefined)?.error;
    if (res.status === 200 && body.success) {
      const granted = body.data.scope?.split(/\s+/).filter(Boolean);
      const missing = granted ? config.scope.split(/\s+/).filter((s) => s && !granted.includes(s) && !granted.includes('all')) : [];
      checks.push(
        missing.length === 0
          ? pass('Token and scopes', `issued${granted ? ` with ${granted.join(' ')}` : ''}`)
          : fail('Token and scopes', `issued without ${missing.join(', ')}`, "Allow those permissions on the API application (Configuration → Integrations → Halo API → your application → Permissions)."),
      );
    } else if (error === 'invalid_scope') {
      checks.push(fail('Token and scopes', 'Halo refused the scope (invalid_scope)', 'Set HALO_SCOPE to "edit:tickets read:customers" (the default).'));
    } else if (res.status === 400 || res.status === 401) {
      checks.push(fail('Token and scopes', `Halo refused the credentials (${typeof error === 'string' ? error : `HTTP ${res.status}`})`, 'Check HALO_CLIENT_ID and HALO_CLIENT_SECRET are the API application\'s (and HALO_TENANT on Halo-hosted instances).'));
    } else {
      checks.push(fail('Token and scopes', `${config.authUrl}/token answered HTTP ${res.status}`, 'Set HALO_BASE_URL to your Halo address (and HALO_AUTH_URL if the authorisation server lives elsewhere).'));
    }
  } catch (error) {
    checks.push(fail('Token and scopes', `cannot reach ${config.authUrl} (${describeError(error)})`, 'Set HALO_BASE_URL (and HALO_AUTH_URL) to your Halo address and check this machine can reach it.'));
  }
  if (!checks.every((c) => c.ok)) return group;

  const client = createHaloClient(config, http);

  // 2. Reading a ticket: the newest onboarding ticket when onboarding is set, else the newest ticket.
  const ticket = await newestTicket(client, config, checks);

  // 3. The outcome the pass note is written with, and every status id the connector moves tickets to. Halo documents
  // no read of its outcome or status tables (reference/specs/halopsa-api-extract.json), so each is confirmed by
  // seeing it used on at least one ticket; the outcome cannot be seen at all without writing.
  checks.push(outcomeCheck(config.noteOutcomeId));
  const statusIds: [string, number][] = [];
  if (config.onboarding?.statusId !== undefined) statusIds.push(['HALO_ONBOARDING_STATUS_ID', config.onboarding.statusId]);
  for (const [key, value] of Object.entries(config)) if (/StatusId$/.test(key) && typeof value === 'number') statusIds.push([variableName('HALO', key), value]);
  for (const [name, id] of statusIds) checks.push(await statusCheck(client, name, id));

  // 4. The change feed the poller reads while it follows tickets (H7): asked for tickets changed after tomorrow, an
  // instance that honours lastupdatefromdate lists none; one that ignores it lists every ticket, on every cycle.
  if (config.onboarding) checks.push(await changeFeedCheck(client, new Date(Date.now() + 24 * 3_600_000)));

  // 5. Custom field names on that ticket.
  const names = [
    ['HALO_UPN_FIELD', config.upnField],
    ['HALO_START_DATE_FIELD', config.startDateField],
  ].filter((e): e is [string, string] => e[1] !== undefined);
  if (names.length > 0 && ticket) {
    const fields = (ticket.customfields ?? []).flatMap((f) => [f.name, f.label]).filter((n): n is string => typeof n === 'string' && n !== '');
    for (const [name, field] of names) {
      checks.push(
        fields.some((f) => f.toLowerCase() === field.toLowerCase())
          ? pass(name, `custom field "${field}" is on ticket #${ticket.id}`)
          : fail(name, `ticket #${ticket.id} has no custom field "${field}"`, `Set ${name} to the field's name (CFxxx) or label as Halo shows it.`),
      );
    }
  }
  return group;
}

async function newestTicket(client: HaloClient, config: HaloConfig, checks: Check[]) {
  try {
    const list = await client.json(
      {
        method: 'GET',
        path: '/Tickets',
        query: { pageinate: true, page_size: 1, page_no: 1, order: 'id', orderdesc: true, ...(config.onboarding ? { requesttype_id: config.onboarding.requestTypeId } : {}) },
      },
      haloTicketListSchema,
      'ticket list',
    );
    const first = list.tickets[0];
    if (!first) {
      checks.push(fail('Ticket read', 'the ticket list is empty', 'Log one test ticket (of the onboarding request type, if set) and run the doctor again.'));
      return undefined;
    }
    const ticket = await client.json({ method: 'GET', path: `/Tickets/${first.id}`, query: { includedetails: true } }, haloTicketSchema, 'ticket');
    checks.push(pass('Ticket read', `ticket #${ticket.id} read`));
    return ticket;
  } catch (error) {
    checks.push(fail('Ticket read', `tickets could not be read (${describeError(error)})`, 'Give the API application\'s agent permission to read tickets.'));
    return undefined;
  }
}

/** `lastupdatefromdate` as the adapter sends it (UTC, no zone suffix: src/psa/halo/connector.ts). */
async function changeFeedCheck(client: HaloClient, future: Date): Promise<Check> {
  const name = 'Change feed (lastupdatefromdate)';
  try {
    const list = await client.json(
      { method: 'GET', path: '/Tickets', query: { pageinate: true, page_size: 1, page_no: 1, lastupdatefromdate: future.toISOString().replace(/\.\d{3}Z$/, '') } },
      haloTicketListSchema,
      'ticket list',
    );
    return list.tickets.length === 0
      ? pass(name, 'Halo filters the ticket list by last update: following issued passes costs one request per cycle')
      : fail(
          name,
          `asked for tickets changed after ${future.toISOString().slice(0, 16)} UTC, Halo listed ticket #${list.tickets[0]!.id}: it ignores lastupdatefromdate`,
          'Nothing to set: report it (docs/verify-on-a-real-instance.md, H7). Until it is addressed, each poll cycle that follows a pass reads every ticket of this instance (up to 500 pages), paced by HALO_MAX_REQUESTS_PER_MINUTE.',
        );
  } catch (error) {
    return fail(name, `tickets could not be read (${describeError(error)})`, "Give the API application's agent permission to read tickets.");
  }
}

const countSchema = z.object({ record_count: z.number().optional() }).passthrough();

/** No documented read shows Halo's outcomes (not even the actions of one ticket), so this one is said, not checked. */
function outcomeCheck(outcomeId: number): Check {
  return unconfirmed(
    'HALO_NOTE_OUTCOME_ID',
    `${outcomeId} — Halo documents no read of its outcomes, so the first note confirms it (a wrong id is refused with "An Outcome must be entered for this Action")`,
  );
}

async function statusCheck(client: HaloClient, name: string, statusId: number): Promise<Check> {
  try {
    const { record_count: count = 0 } = await client.json({ method: 'GET', path: '/Tickets', query: { status_id: statusId, pageinate: true, page_size: 1, page_no: 1 } }, countSchema, 'ticket count');
    return count > 0
      ? pass(name, `status ${statusId} is on ${count} ticket${count === 1 ? '' : 's'}`)
      : unconfirmed(name, `no ticket has status ${statusId}, so it cannot be confirmed without writing; check it in Configuration → Tickets → Status`);
  } catch (error) {
    return fail(name, `tickets could not be read (${describeError(error)})`, "Give the API application's agent permission to read tickets.");
  }
}
