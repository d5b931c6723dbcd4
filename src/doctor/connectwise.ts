import { z } from 'zod';
import type { ConnectWiseConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import { createConnectWiseClient, type ConnectWiseClient } from '../psa/connectwise/client.js';
import { quoted, referenceIs } from '../psa/connectwise/conditions.js';
import { cwTicketListSchema, type CwTicket } from '../psa/connectwise/schemas.js';
import { sendWithRetry } from '../psa/http.js';
import { describeError, doctorHttp, variableName } from './http.js';
import { fail, pass, type Check, type CheckGroup } from './report.js';

const boardListSchema = z.array(z.object({ id: z.number(), name: z.string() }).passthrough());
const statusListSchema = z.array(z.object({ id: z.number(), name: z.string() }).passthrough());

/**
 * ConnectWise, read-only: codebase discovery, the API member's keys and the clientId, the onboarding board and its
 * statuses by name, and the custom field captions on a recent ticket. Later checks are skipped once the keys fail,
 * since every one of them would fail the same way.
 */
export async function checkConnectWise(config: ConnectWiseConfig, logger: Logger): Promise<CheckGroup> {
  const checks: Check[] = [];
  const http = doctorHttp('ConnectWise', logger);
  const group = { title: `ConnectWise PSA (${config.site})`, checks };

  // 1. Codebase discovery: the unauthenticated companyinfo call, which also proves CW_SITE and CW_COMPANY_ID.
  let codebase: string | undefined;
  try {
    const res = await sendWithRetry(http, {
      method: 'GET',
      url: `${config.site}/login/companyinfo/${encodeURIComponent(config.companyId)}`,
      headers: { clientId: config.clientId, Accept: 'application/json' },
    });
    const body = res.status === 200 ? (JSON.parse(res.text || 'null') as { Codebase?: string } | null) : undefined;
    if (body?.Codebase) {
      codebase = body.Codebase.endsWith('/') ? body.Codebase : `${body.Codebase}/`;
      if (config.codebase && config.codebase !== codebase) {
        checks.push(fail('Codebase', `CW_CODEBASE is ${config.codebase} but ConnectWise says ${codebase}`, 'Leave CW_CODEBASE blank so the connector discovers it.'));
      } else checks.push(pass('Codebase', `${codebase} (company "${config.companyId}")`));
    } else if (res.status === 200) {
      checks.push(fail('Codebase', `ConnectWise does not know the company id "${config.companyId}"`, 'Set CW_COMPANY_ID to the company id you type when signing in to ConnectWise.'));
    } else {
      checks.push(fail('Codebase', `${config.site} answered HTTP ${res.status} to the codebase lookup`, 'Set CW_SITE to your API host, such as https://api-na.myconnectwise.net.'));
    }
  } catch (error) {
    checks.push(fail('Codebase', `cannot reach ${config.site} (${describeError(error)})`, 'Set CW_SITE to your API host, such as https://api-na.myconnectwise.net, and check this machine can reach it.'));
  }
  if (!codebase) return group;

  // 2. Keys and clientId: the cheapest authenticated call.
  const client = createConnectWiseClient({ ...config, codebase }, http);
  const info = await client.send({ method: 'GET', path: '/system/info' }).catch((error: unknown) => error);
  if (info instanceof Error || (info as { status: number }).status !== 200) {
    const res = info instanceof Error ? undefined : (info as { status: number; text: string });
    const aboutClientId = res !== undefined && /clientid/i.test(res.text);
    checks.push(
      fail(
        'API keys and clientId',
        res ? `ConnectWise answered HTTP ${res.status}${aboutClientId ? ' about the clientId' : ''}` : describeError(info),
        aboutClientId
          ? 'Set CW_CLIENT_ID to the clientId from developer.connectwise.com.'
          : res?.status === 403
            ? "Give the API member's security role the permissions listed in the README (System → Security Roles)."
            : "Check CW_PUBLIC_KEY and CW_PRIVATE_KEY are the API member's keys for company CW_COMPANY_ID, and CW_CLIENT_ID is your clientId.",
      ),
    );
    return group;
  }
  checks.push(pass('API keys and clientId', 'accepted (GET /system/info)'));

  // 3. Onboarding board, its statuses by name, and the other statuses the connector moves tickets to.
  let boardId: number | undefined;
  if (config.onboarding) {
    boardId = await checkBoard(client, config.onboarding.board, checks);
    if (boardId !== undefined) {
      const statuses = await boardStatuses(client, boardId, checks);
      if (statuses) {
        const wanted: [string, string][] = [['CW_ONBOARDING_STATUS', config.onboarding.status]];
        for (const [key, value] of Object.entries(config)) {
          if (/Status$/.test(key) && typeof value === 'string') wanted.push([variableName('CW', key), value]);
        }
        for (const [name, value] of wanted) {
          const found = statuses.find((s) => (/^\d+$/.test(value.trim()) ? s.id === Number(value) : s.name.toLowerCase() === value.trim().toLowerCase()));
          checks.push(
            found
              ? pass(`${name}`, `"${found.name}" (id ${found.id}) on board "${config.onboarding.board}"`)
              : fail(`${name}`, `no status "${value}" on board "${config.onboarding.board}" (it has: ${statuses.map((s) => s.name).join(', ')})`, `Set ${name} to one of that board's statuses, spelt as ConnectWise shows it.`),
          );
        }
      }
    }
  } else {
    checks.push(pass('Onboarding poller', 'off (CW_ONBOARDING_BOARD not set) — nothing to check'));
  }

  // 4. Custom field captions, read from the most recent ticket (on the onboarding board when there is one).
  const captions = [
    ['CW_UPN_FIELD', config.upnField],
    ['CW_START_DATE_FIELD', config.startDateField],
  ].filter((e): e is [string, string] => e[1] !== undefined);
  if (captions.length > 0) {
    const ticket = await recentTicket(client, boardId, checks);
    if (ticket) {
      const onTicket = (ticket.customFields ?? []).map((f) => f.caption).filter((c): c is string => typeof c === 'string');
      for (const [name, caption] of captions) {
        checks.push(
          onTicket.some((c) => c.toLowerCase() === caption.toLowerCase())
            ? pass(name, `custom field "${caption}" is on ticket #${ticket.id}`)
            : fail(name, `ticket #${ticket.id} has no custom field "${caption}" (it has: ${onTicket.join(', ') || 'none'})`, `Set ${name} to the field's caption exactly as ConnectWise shows it on the ticket.`),
        );
      }
    }
  }
  return group;
}

async function checkBoard(client: ConnectWiseClient, board: string, checks: Check[]): Promise<number | undefined> {
  const conditions = /^\d+$/.test(board.trim()) ? `id=${Number(board)}` : `name=${quoted(board.trim())}`;
  try {
    const { data } = await client.json({ method: 'GET', path: '/service/boards', query: { conditions, fields: 'id,name', pageSize: 5 } }, boardListSchema, 'board list');
    const found = data[0];
    if (!found) {
      checks.push(fail('CW_ONBOARDING_BOARD', `no service board "${board}"`, 'Set CW_ONBOARDING_BOARD to the board name exactly as ConnectWise shows it (or its id).'));
      return undefined;
    }
    checks.push(pass('CW_ONBOARDING_BOARD', `"${found.name}" (id ${found.id})`));
    return found.id;
  } catch (error) {
    checks.push(fail('CW_ONBOARDING_BOARD', `the board list could not be read (${describeError(error)})`, "Allow the API member's security role to inquire on Service → Service Boards."));
    return undefined;
  }
}

async function boardStatuses(client: ConnectWiseClient, boardId: number, checks: Check[]) {
  try {
    const { data } = await client.json({ method: 'GET', path: `/service/boards/${boardId}/statuses`, query: { pageSize: 1000 } }, statusListSchema, 'board statuses');
    return data;
  } catch (error) {
    checks.push(fail('Board statuses', `could not be read (${describeError(error)})`, "Allow the API member's security role to inquire on Service → Service Boards."));
    return undefined;
  }
}

async function recentTicket(client: ConnectWiseClient, boardId: number | undefined, checks: Check[]): Promise<CwTicket | undefined> {
  try {
    const { data } = await client.json(
      {
        method: 'GET',
        path: '/service/tickets',
        query: { ...(boardId !== undefined ? { conditions: referenceIs('board', String(boardId)) } : {}), orderBy: 'id desc', pageSize: 1 },
      },
      cwTicketListSchema,
      'ticket list',
    );
    if (!data[0]) {
      checks.push(fail('Custom fields', 'no ticket to read them from', 'Open one test ticket (on the onboarding board, if set) and run the doctor again.'));
      return undefined;
    }
    return data[0];
  } catch (error) {
    checks.push(fail('Ticket read', `tickets could not be read (${describeError(error)})`, "Allow the API member's security role to inquire on Service → Service Tickets."));
    return undefined;
  }
}
