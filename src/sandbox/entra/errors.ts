import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';

type Status = 400 | 401 | 403 | 404 | 405 | 409 | 429 | 500 | 503;

/** Graph's error body: `{error:{code, message, innerError:{date, request-id, client-request-id}}}`. */
export function graphErrorBody(code: string, message: string, clientRequestId?: string) {
  return {
    error: {
      code,
      message,
      innerError: {
        date: `${new Date().toISOString().slice(0, 19)}`,
        'request-id': randomUUID(),
        'client-request-id': clientRequestId ?? randomUUID(),
      },
    },
  };
}

export function graphError(c: Context, status: Status, code: string, message: string): Response {
  const body = graphErrorBody(code, message, c.req.header('client-request-id'));
  c.header('request-id', body.error.innerError['request-id']);
  c.header('client-request-id', body.error.innerError['client-request-id']);
  return c.json(body, status);
}

/** The identity platform's OAuth error body, with the AADSTS code in front of the description. */
export function aadErrorBody(error: string, aadsts: number, description: string) {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
  return {
    error,
    error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}Z`,
    error_codes: [aadsts],
    timestamp: `${timestamp}Z`,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  };
}

export const aadError = (c: Context, status: 400 | 401, error: string, aadsts: number, description: string) =>
  c.json(aadErrorBody(error, aadsts, description), status);
