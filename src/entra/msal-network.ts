import { AuthError, ServerError, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import type { Fetch } from './http.js';
import { retryAfterSeconds } from '../retry-after.js';

const TOKEN_TIMEOUT_MS = 30_000;

/** A token-endpoint failure the caller should see as "try again later", with the server's Retry-After. */
export type TokenEndpointFailure = ServerError & { retryAfterSeconds?: number };

/**
 * MSAL's HTTP client, built on the injected fetch (so nock and the sandbox CA work).
 *
 * A 429 or 5xx is thrown as a ServerError carrying its status and Retry-After instead of being handed back to MSAL:
 * MSAL would otherwise throttle itself, refusing identical requests locally for up to 60 s with errors that carry no
 * status (reference/entra-graph.md). Our callers already back off on UPSTREAM_THROTTLED/UNAVAILABLE.
 */
export function createMsalNetworkClient(fetch: Fetch): INetworkModule {
  const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> => {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: options?.headers ?? {},
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        signal: AbortSignal.timeout(timeout ?? TOKEN_TIMEOUT_MS),
      });
    } catch (error) {
      // Thrown as an AuthError so MSAL passes it through; the cause is a name, never a request body.
      throw new AuthError('network_error', '', `Entra did not answer (${error instanceof Error ? error.name : 'error'})`);
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      const failure: TokenEndpointFailure = new ServerError(
        response.status === 429 ? 'throttled' : 'temporarily_unavailable',
        '',
        `HTTP ${response.status} from the Entra token endpoint`,
        undefined,
        undefined,
        response.status,
      );
      const after = retryAfterSeconds(headers['retry-after'], new Date());
      if (after !== undefined) failure.retryAfterSeconds = after;
      throw failure;
    }
    return { status: response.status, headers, body: (await parseJson(response)) as T };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/** MSAL reads errors from the JSON body; a non-JSON answer (a proxy's HTML page) becomes an error body it understands. */
async function parseJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: 'invalid_response', error_description: `HTTP ${response.status} with a body that is not JSON` };
  }
}
