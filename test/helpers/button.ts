import { request as httpRequest } from 'node:http';
import type { PsaKind } from '../../src/domain.js';

/** The app in process (`app.request`), or a started connector's base URL. */
export type ButtonTarget = string | { request: (path: string, init: RequestInit) => Response | Promise<Response> };

export interface PressOptions {
  /** The PSA's button secret (sent as `Authorization: Bearer`). */
  secret: string;
  headers?: Record<string, string>;
  /** Over HTTP: one request on its own connection (no keep-alive), as a PSA's webhook call makes it. */
  freshConnection?: boolean;
}

/** The one way tests press the "Issue TAP" button: POST /v1/psa/{psa}/tickets/{id}/tap with a JSON body, as a PSA does. */
export function pressButton(target: ButtonTarget, psa: PsaKind, ticketId: string | number, body: unknown = {}, opts: PressOptions): Promise<Response> {
  const path = `/v1/psa/${psa}/tickets/${ticketId}/tap`;
  const headers = { authorization: `Bearer ${opts.secret}`, 'content-type': 'application/json', ...opts.headers };
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  if (typeof target !== 'string') return Promise.resolve(target.request(path, { method: 'POST', headers, body: raw }));
  if (opts.freshConnection) return postOnce(`${target}${path}`, headers, raw);
  return fetch(`${target}${path}`, { method: 'POST', headers, body: raw });
}

/** One POST on its own connection (no keep-alive). */
export function postOnce(url: string, headers: Record<string, string>, body: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') responseHeaders.set(k, v);
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers: responseHeaders }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
