import type { z } from 'zod';
import type { HaloConfig } from '../../config/index.js';
import type { AppError } from '../../errors.js';
import { encodeQuery, parseBody, sendWithRetry, type HttpDeps, type PsaHttpRequest, type PsaHttpResponse } from '../http.js';
import { haloFailure } from './failure.js';
import { createHaloTokenProvider } from './token.js';

/** Transport for the Halo resource API: bearer token, the one refresh-and-retry on 401, error mapping. */

export type Query = Record<string, string | number | boolean | undefined>;

export interface HaloRequest {
  method: PsaHttpRequest['method'];
  /** Below `{baseUrl}/api`, e.g. `/Tickets/5`. */
  path: string;
  query?: Query;
  body?: unknown;
}

export interface HaloClient {
  /** Any status comes back; callers decide what a 404 means. */
  send(req: HaloRequest): Promise<PsaHttpResponse>;
  /** `send`, then a 2xx body parsed by `schema`; any other status becomes an AppError. */
  json<T>(req: HaloRequest, schema: z.ZodType<T>, what: string): Promise<T>;
  fail(res: PsaHttpResponse): AppError;
}

export function createHaloClient(config: HaloConfig, http: HttpDeps): HaloClient {
  const tokens = createHaloTokenProvider(config, http);
  const base = `${config.baseUrl.replace(/\/+$/, '')}/api`;

  async function sendWith(token: string, req: HaloRequest): Promise<PsaHttpResponse> {
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    return sendWithRetry(http, {
      method: req.method,
      url: `${base}${req.path}${encodeQuery(req.query ?? {})}`,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
    });
  }

  async function send(req: HaloRequest): Promise<PsaHttpResponse> {
    const token = await tokens.get();
    const first = await sendWith(token, req);
    if (first.status !== 401) return first;
    // The token may have been revoked or the app's secret rotated before expiry: one fresh token, one retry. A 401 means
    // the request was not processed, so resending even a POST is safe.
    tokens.invalidate(token);
    http.logger.info({ status: 401 }, 'HaloPSA refused the token; fetching a new one');
    return sendWith(await tokens.get(), req);
  }

  const fail = (res: PsaHttpResponse) => haloFailure(res, config, http);

  async function json<T>(req: HaloRequest, schema: z.ZodType<T>, what: string): Promise<T> {
    const res = await send(req);
    if (res.status < 200 || res.status > 299) throw fail(res);
    return parseBody('HaloPSA', res.text, schema, what);
  }

  return { send, json, fail };
}
