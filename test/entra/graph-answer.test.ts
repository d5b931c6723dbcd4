import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { Fetch } from '../../src/entra/http.js';
import { directory, expectAppError, graphError, TENANT_A } from './helpers.js';

/**
 * How a Graph answer is read: once, under the request's deadline, and handed to the SDK as it came — status, headers
 * and body — without a second WHATWG Response built around the bytes (~0.1 ms a call, eight calls a press: issue 14).
 */

const adele = { id: 'aaaaaaaa-0000-4000-8000-000000000001', userPrincipalName: 'adele@contoso.com', displayName: 'Adele Vance', accountEnabled: true, userType: 'Member' };
const OriginalResponse = globalThis.Response;

/** Counts Response objects built by anyone but the fake Graph below. */
function countResponses(): { built: number } {
  const counter = { built: 0 };
  globalThis.Response = class extends OriginalResponse {
    constructor(...args: ConstructorParameters<typeof Response>) {
      super(...args);
      counter.built += 1;
    }
  };
  return counter;
}

afterEach(() => {
  globalThis.Response = OriginalResponse;
});

/** A fake Graph: answers every request with `body` (bytes or JSON), `status` and `headers`. */
function graphAnswering(status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): Fetch & { reads: number } {
  const fetch = (async () => {
    const bytes = body instanceof Uint8Array ? body : new TextEncoder().encode(JSON.stringify(body));
    const response = new OriginalResponse(status === 204 ? null : bytes, { status, headers });
    // Count how often the body is read: once is the deadline's read.
    for (const method of ['arrayBuffer', 'text', 'json', 'blob'] as const) {
      const original: () => Promise<unknown> = response[method].bind(response);
      (response as unknown as Record<string, unknown>)[method] = () => {
        fetch.reads += 1;
        return original();
      };
    }
    return response;
  }) as unknown as Fetch & { reads: number };
  fetch.reads = 0;
  return fetch;
}

describe('a Graph answer', () => {
  it('is read once and not wrapped in a second Response', async () => {
    const fetch = graphAnswering(200, adele);
    const { entra } = directory({ fetch });
    const counter = countResponses();
    expect(await entra.getUser(TENANT_A, 'adele@contoso.com')).toEqual(adele);
    expect(fetch.reads).toBe(1);
    expect(counter.built).toBe(0);
  });

  it('with a UTF-8 byte order mark still parses (as Response.json() would)', async () => {
    const json = new TextEncoder().encode(JSON.stringify(adele));
    const fetch = graphAnswering(200, new Uint8Array([0xef, 0xbb, 0xbf, ...json]));
    const { entra } = directory({ fetch });
    expect(await entra.getUser(TENANT_A, 'adele@contoso.com')).toEqual(adele);
  });

  it('that is not JSON is refused as an unexpected form, as before', async () => {
    const fetch = graphAnswering(200, new TextEncoder().encode('<html>proxy login</html>'), { 'content-type': 'text/html' });
    const { entra } = directory({ fetch });
    const error = await expectAppError(entra.getTapPolicy(TENANT_A), 'INTERNAL');
    expect(error.detail).toContain('unexpected form');
  });

  it('that is an error keeps its status and Retry-After for the error mapping', async () => {
    const fetch = graphAnswering(429, graphError('TooManyRequests', 'slow down'), { 'content-type': 'application/json', 'retry-after': '7' });
    const { entra, waits } = directory({ fetch, readRetry: { maxRetries: 1 } });
    const error = await expectAppError(entra.getUser(TENANT_A, 'adele@contoso.com'), 'UPSTREAM_THROTTLED');
    expect(waits).toEqual([7000]);
    expect(error).toBeInstanceOf(AppError);
    expect(error.extra.retryAfterSeconds).toBe(7);
  });

  it('without content (204, a revoke) is fine', async () => {
    const fetch = graphAnswering(204, null, {});
    const { entra } = directory({ fetch });
    await expect(entra.deleteTap(TENANT_A, adele.id, 'bbbbbbbb-0000-4000-8000-000000000002')).resolves.toBeUndefined();
  });
});
