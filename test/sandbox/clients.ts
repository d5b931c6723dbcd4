import { Agent } from 'undici';
import type { Sandbox } from '../../src/sandbox/index.js';

/** Small fetch wrappers that speak each vendor's protocol, so the tests read as behaviour, not HTTP plumbing. */

export function connectWiseClient(sb: Sandbox) {
  const { url, companyId, publicKey, privateKey, clientId } = sb.connectwise;
  const authorization = `Basic ${Buffer.from(`${companyId}+${publicKey}:${privateKey}`).toString('base64')}`;
  const headers = { Authorization: authorization, clientId, Accept: 'application/vnd.connectwise.com+json; version=2025.1' };
  const base = `${url}/${sb.connectwise.state.codebase}apis/3.0`;
  return {
    base,
    headers,
    get: (path: string, extra: Record<string, string> = {}) => fetch(`${base}${path}`, { headers: { ...headers, ...extra } }),
    send: (method: string, path: string, body: unknown) =>
      fetch(`${base}${path}`, { method, headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  };
}

export async function haloToken(sb: Sandbox, scope: string | null = 'edit:tickets read:customers'): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.halo.clientId, client_secret: sb.halo.clientSecret });
  if (scope !== null) form.set('scope', scope);
  const res = await fetch(`${sb.halo.url}/auth/token`, { method: 'POST', body: form });
  if (res.status !== 200) throw new Error(`token ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export function haloClient(sb: Sandbox, token: string) {
  return {
    get: (path: string) => fetch(`${sb.halo.url}/api${path}`, { headers: { Authorization: `Bearer ${token}` } }),
    post: (path: string, body: unknown) =>
      fetch(`${sb.halo.url}/api${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  };
}

/** fetch that trusts the sandbox CA for this call only (Node's fetch accepts an undici v6 dispatcher). */
export function entraFetch(sb: Sandbox) {
  const dispatcher = new Agent({ connect: { ca: sb.entra.caPem } });
  const f = (url: string, init: RequestInit = {}) => fetch(url, { ...init, dispatcher });
  return Object.assign(f, { close: () => dispatcher.close() });
}

export async function entraToken(sb: Sandbox, tenant: string, f = entraFetch(sb)): Promise<string> {
  const res = await f(`${sb.entra.authorityHost}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sb.entra.clientId,
      client_secret: sb.entra.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }),
  });
  if (res.status !== 200) throw new Error(`token ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
