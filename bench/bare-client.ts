import { createEntraFetch } from '../src/entra/http.js';
import type { Sandbox } from '../src/sandbox/index.js';

/**
 * The floor the connector is compared with: a script that makes only the upstream calls an issuance cannot avoid, one
 * after another, with tokens fetched once beforehand — read the ticket, read the user, read the user's roles, read
 * the TAP policy, create the pass, write the note. No database, no validation, no audit.
 */
export async function bareClient(sb: Sandbox) {
  const entraFetch = createEntraFetch({ trustedCaPem: sb.entra.caPem });
  const graph = `${sb.entra.graphBaseUrl}/v1.0`;
  const entraTokens = new Map<string, string>();
  let haloToken = '';
  const cwBase = `${sb.connectwise.url}/${sb.connectwise.state.codebase}apis/3.0`;
  const cwHeaders = {
    Authorization: `Basic ${Buffer.from(`${sb.connectwise.companyId}+${sb.connectwise.publicKey}:${sb.connectwise.privateKey}`).toString('base64')}`,
    clientId: sb.connectwise.clientId,
    Accept: 'application/vnd.connectwise.com+json; version=2025.1',
    'Content-Type': 'application/json',
  };

  const ok = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  };

  /** Tokens once, before anything is timed. */
  async function warm(tenantIds: string[]): Promise<void> {
    for (const tenantId of tenantIds) {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.entra.clientId, client_secret: sb.entra.clientSecret, scope: `${sb.entra.graphBaseUrl}/.default` });
      const body = await ok(await entraFetch(`${sb.entra.authorityHost}/${tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form }), 'entra token');
      entraTokens.set(tenantId, String(body.access_token));
    }
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: sb.halo.clientId, client_secret: sb.halo.clientSecret, scope: 'edit:tickets read:customers' });
    haloToken = String((await ok(await fetch(`${sb.halo.url}/auth/token`, { method: 'POST', body: form }), 'halo token')).access_token);
  }

  async function issue(psa: 'connectwise' | 'halo', ticketId: number, tenantId: string, upn: string): Promise<void> {
    const auth = { Authorization: `Bearer ${entraTokens.get(tenantId)}` };
    if (psa === 'connectwise') await ok(await fetch(`${cwBase}/service/tickets/${ticketId}`, { headers: cwHeaders }), 'cw ticket');
    else await ok(await fetch(`${sb.halo.url}/api/Tickets/${ticketId}`, { headers: { Authorization: `Bearer ${haloToken}` } }), 'halo ticket');
    const user = await ok(await entraFetch(`${graph}/users/${encodeURIComponent(upn)}?$select=id,userPrincipalName,displayName,accountEnabled,userType`, { headers: auth }), 'user');
    await ok(await entraFetch(`${graph}/users/${encodeURIComponent(upn)}/transitiveMemberOf/microsoft.graph.directoryRole`, { headers: { ...auth, ConsistencyLevel: 'eventual' } }), 'roles');
    await ok(await entraFetch(`${graph}/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass`, { headers: auth }), 'policy');
    const tap = await ok(
      await entraFetch(`${graph}/users/${String(user.id)}/authentication/temporaryAccessPassMethods`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ lifetimeInMinutes: 60, isUsableOnce: false }) }),
      'create',
    );
    const text = `Temporary Access Pass issued for ${upn}\nPass: ${String(tap.temporaryAccessPass)}`;
    if (psa === 'connectwise') {
      await ok(await fetch(`${cwBase}/service/tickets/${ticketId}/notes`, { method: 'POST', headers: cwHeaders, body: JSON.stringify({ text, internalAnalysisFlag: true, detailDescriptionFlag: false, resolutionFlag: false }) }), 'cw note');
    } else {
      await ok(
        await fetch(`${sb.halo.url}/api/Actions`, { method: 'POST', headers: { Authorization: `Bearer ${haloToken}`, 'Content-Type': 'application/json' }, body: JSON.stringify([{ ticket_id: ticketId, outcome_id: 7, note_html: `<p>${text}</p>`, hiddenfromuser: true, sendemail: false }]) }),
        'halo note',
      );
    }
  }

  return { warm, issue };
}
