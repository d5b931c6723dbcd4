import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createEntraDirectory } from '../../src/entra/index.js';
import { CLIENT_SECRET, TENANT_A, TENANT_B, captureLogger, entraConfig, useNock } from './helpers.js';

useNock();

// Both hosts are the sandbox's kind: https, not Microsoft, with a port.
const AUTHORITY = 'https://127.0.0.1:9443';
const GRAPH_BASE = 'https://127.0.0.1:9444';

describe('directory with the real MSAL token provider', () => {
  it("gets each tenant's token once from a custom authority and sends it to a custom Graph base", async () => {
    const { logger, lines } = captureLogger();
    const entra = createEntraDirectory({
      config: entraConfig({ authorityHost: AUTHORITY, graphBaseUrl: GRAPH_BASE }),
      policyCacheSeconds: 0,
      logger,
      fetch: globalThis.fetch,
    });
    const scopes: string[] = [];
    for (const tenant of [TENANT_A, TENANT_B]) {
      nock(AUTHORITY)
        .post(`/${tenant}/oauth2/v2.0/token`)
        .query(true)
        .reply(200, (_uri, body) => {
          scopes.push(new URLSearchParams(String(body)).get('scope') ?? '');
          return { token_type: 'Bearer', expires_in: 3599, access_token: `msal-token-${tenant}` };
        });
      nock(GRAPH_BASE, { reqheaders: { authorization: `Bearer msal-token-${tenant}` } })
        .get('/v1.0/organization')
        .times(2)
        .reply(200, { value: [{ id: tenant, displayName: tenant, verifiedDomains: [] }] });
    }

    for (const tenant of [TENANT_A, TENANT_B, TENANT_A, TENANT_B]) {
      expect((await entra.getOrganization(tenant)).id).toBe(tenant);
    }

    expect(scopes).toEqual([`${GRAPH_BASE}/.default`, `${GRAPH_BASE}/.default`]);
    expect(nock.isDone()).toBe(true);
    const log = lines.join('\n');
    expect(log).not.toContain('msal-token-');
    expect(log).not.toContain(CLIENT_SECRET);
  });
});
