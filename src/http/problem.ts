import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../errors.js';

/** RFC 9457 problem document. `code` is stable; `detail` is a sentence a technician can act on. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId?: string;
  errors?: Record<string, string>;
}

/** Where the connector serves a page per error code (src/http/error-pages.tsx); each problem's `type` links there. */
export const ERRORS_PATH = '/errors';

/** The page of one code, e.g. https://tap.example.com/errors/user_privileged. */
export function problemTypeUrl(publicBaseUrl: string, code: ErrorCode): string {
  return `${publicBaseUrl}${ERRORS_PATH}/${code.toLowerCase()}`;
}

export function problemOf(error: AppError, publicBaseUrl: string, requestId?: string): Problem {
  return {
    type: problemTypeUrl(publicBaseUrl, error.code),
    title: ERROR_CATALOGUE[error.code].title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(requestId ? { requestId } : {}),
    ...(error.extra.fields ? { errors: error.extra.fields } : {}),
  };
}

/** `publicBaseUrl` is the connector's PUBLIC_BASE_URL: the error pages are linked where callers can reach them. */
export function problemResponse(c: Context, error: AppError, publicBaseUrl: string): Response {
  const body = problemOf(error, publicBaseUrl, c.get('requestId' as never) as string | undefined);
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (error.extra.retryAfterSeconds) headers['retry-after'] = String(Math.ceil(error.extra.retryAfterSeconds));
  if (error.status === 401) headers['www-authenticate'] = 'Bearer realm="psa-tap-connector"';
  return c.body(JSON.stringify(body), error.status as ContentfulStatusCode, headers);
}

/** Zod issues → one field map and one readable sentence. */
export function invalidRequest(issues: { path: PropertyKey[]; message: string; code?: string; keys?: string[] }[]): AppError {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) fields[key.slice(0, 60)] = 'is not a known field';
      continue;
    }
    const key = issue.path.map(String).join('.') || 'body';
    fields[key] ??= issue.message;
  }
  const detail = Object.entries(fields)
    .slice(0, 5)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return new AppError('INVALID_REQUEST', detail || 'The request was malformed.', { fields });
}
