import type { z } from 'zod';
import type { ConnectWiseConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';
import {
  clip,
  encodeQuery,
  errorFromResponse,
  parseBody,
  sendWithRetry,
  tryParseJson,
  type HttpDeps,
  type PsaHttpRequest,
  type PsaHttpResponse,
} from '../http.js';
import { cwCompanyInfoSchema, cwErrorSchema } from './schemas.js';

/**
 * Transport for the ConnectWise REST API: auth headers, codebase discovery, the 404 re-discovery, error mapping and
 * Link-header paging. Knows nothing about tickets.
 */

export type Query = Record<string, string | number | boolean | undefined>;

export interface CwRequest {
  method: PsaHttpRequest['method'];
  /** Path below `apis/3.0` (e.g. `/service/tickets/1`), or an absolute URL from a `Link` header. */
  path: string;
  query?: Query;
  body?: unknown;
}

export interface ConnectWiseClient {
  /** Sends with retries and the codebase re-discovery; returns any status (callers decide what a 404 means). */
  send(req: CwRequest): Promise<PsaHttpResponse>;
  /** `send`, then a 2xx body parsed by `schema`; any other status becomes an AppError. */
  json<T>(req: CwRequest, schema: z.ZodType<T>, what: string): Promise<{ data: T; next: string | undefined }>;
  /** Follows `Link: rel="next"` to the end (or until `stop` says enough), concatenating the pages. */
  all<T>(req: CwRequest, schema: z.ZodType<T[]>, what: string, stop?: (page: T[]) => boolean): Promise<T[]>;
  /** Maps a non-2xx answer to an AppError with a hint for the admin. */
  fail(response: PsaHttpResponse): AppError;
  /** `{site}/{codebase}apis/3.0`, discovering the codebase when needed. */
  apiBase(): Promise<string>;
  /** Headers every call carries apart from credentials (clientId, versioned Accept). */
  readonly commonHeaders: Record<string, string>;
}

const MAX_PAGES = 1_000;

export function createConnectWiseClient(config: ConnectWiseConfig, http: HttpDeps): ConnectWiseClient {
  const site = config.site.replace(/\/+$/, '');
  const siteOrigin = new URL(site).origin;
  const commonHeaders = {
    clientId: config.clientId,
    // The vnd type must come first and the version be pinned, or some endpoints change behaviour (reference "Hosts").
    Accept: `application/vnd.connectwise.com+json; version=${config.apiVersion}`,
  };
  const headers = {
    ...commonHeaders,
    Authorization: `Basic ${Buffer.from(`${config.companyId}+${config.publicKey}:${config.privateKey}`).toString('base64')}`,
  };
  const secrets = [config.privateKey, config.publicKey, headers.Authorization];

  let codebase: string | undefined = config.codebase;
  let discovery: Promise<string> | undefined;

  /** Single-flight: concurrent callers share one companyinfo request; a failure is not cached. */
  function discover(): Promise<string> {
    discovery ??= discoverCodebase().finally(() => {
      discovery = undefined;
    });
    return discovery;
  }

  async function discoverCodebase(): Promise<string> {
    const url = `${site}/login/companyinfo/${encodeURIComponent(config.companyId)}`;
    const res = await sendWithRetry(http, { method: 'GET', url, headers: { clientId: config.clientId, Accept: 'application/json' } });
    if (res.status < 200 || res.status > 299) throw fail(res);
    // An unknown company id answers `null` (reference "Hosts, codebase, headers").
    if (res.text.trim() === 'null' || res.text.trim() === '') {
      throw new AppError('PSA_ERROR', `ConnectWise does not know the company id "${config.companyId}"; check CW_COMPANY_ID and CW_SITE.`);
    }
    const info = parseBody('ConnectWise', res.text, cwCompanyInfoSchema, 'company info (codebase)');
    const found = info.Codebase.endsWith('/') ? info.Codebase : `${info.Codebase}/`;
    if (found !== codebase) http.logger.info({ codebase: found }, 'ConnectWise codebase discovered');
    codebase = found;
    return found;
  }

  async function apiBase(): Promise<string> {
    return `${site}/${codebase ?? (await discover())}apis/3.0`;
  }

  async function sendTo(base: string, req: CwRequest): Promise<PsaHttpResponse> {
    const url = /^https?:\/\//.test(req.path) ? req.path : `${base}${req.path}${encodeQuery(req.query ?? {})}`;
    // Link headers carry absolute URLs; never send the API keys to another host than the configured site.
    if (new URL(url).origin !== siteOrigin) {
      throw new AppError('PSA_ERROR', 'ConnectWise pointed the connector at another host; refusing to follow it.');
    }
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    return sendWithRetry(http, {
      method: req.method,
      url,
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    });
  }

  async function send(req: CwRequest): Promise<PsaHttpResponse> {
    const base = await apiBase();
    const first = await sendTo(base, req);
    // Hosted codebases move between versions; a 404 may mean ours is stale (reference: re-discover on 404, as
    // django-connectwise does). Once per call, and only when the codebase was discovered rather than configured.
    if (first.status !== 404 || config.codebase || /^https?:\/\//.test(req.path)) return first;
    const before = codebase;
    const after = await discover();
    // Same codebase: the 404 is real (missing record), and a second identical request would only cost a call.
    return after === before ? first : sendTo(await apiBase(), req);
  }

  function fail(res: PsaHttpResponse): AppError {
    return errorFromResponse(res, {
      vendor: 'ConnectWise',
      message: errorMessage(res.text),
      credentialHint:
        "check CW_COMPANY_ID, CW_PUBLIC_KEY and CW_PRIVATE_KEY (the API member's keys) and CW_CLIENT_ID",
      permissionHint: "the API member's security role lacks a permission this call needs (System → Security Roles)",
      secrets,
      now: http.now(),
    });
  }

  async function json<T>(req: CwRequest, schema: z.ZodType<T>, what: string) {
    const res = await send(req);
    if (res.status < 200 || res.status > 299) throw fail(res);
    return { data: parseBody('ConnectWise', res.text, schema, what), next: nextLink(res.headers.get('link')) };
  }

  async function all<T>(req: CwRequest, schema: z.ZodType<T[]>, what: string, stop?: (page: T[]) => boolean) {
    const rows: T[] = [];
    let current: CwRequest | undefined = req;
    for (let page = 0; current && page < MAX_PAGES; page++) {
      const { data, next }: { data: T[]; next: string | undefined } = await json(current, schema, what);
      rows.push(...data);
      if (stop?.(data)) break;
      current = next ? { method: 'GET', path: next } : undefined;
    }
    return rows;
  }

  return { send, json, all, fail, apiBase, commonHeaders };
}

/** The `rel="next"` target of an RFC 8288 Link header; absent on the last page (reference "Navigable paging"). */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  // URLs may hold commas (`fields=id,name`), so match `<…>` first and read the parameters after it.
  for (const match of header.matchAll(/<([^>]*)>([^<]*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? '')?.[1];
    if (rel?.toLowerCase().split(/\s+/).includes('next')) return match[1];
  }
  return undefined;
}

/** The vendor's own words from `{code,message,errors[]}`, or from a plain-text body. */
function errorMessage(text: string): string | undefined {
  const parsed = cwErrorSchema.safeParse(tryParseJson(text));
  if (!parsed.success) return text.trim().startsWith('<') || text.trim() === '' ? undefined : clip(text);
  const { message, errors } = parsed.data;
  const details = (errors ?? []).map((e) => (e.field ? `${e.field}: ${e.message ?? ''}` : e.message)).filter(Boolean);
  const joined = [message, ...details].filter(Boolean).join(' ');
  return joined || undefined;
}
