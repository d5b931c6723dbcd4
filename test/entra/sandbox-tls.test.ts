import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEntraDirectory, createEntraFetch } from '../../src/entra/index.js';
import { TENANT_A, captureLogger, entraConfig } from './helpers.js';

// No nock here: a real loopback https server with a certificate made at run time, as in sandbox mode.
let server: Server;
let base: string;
let caPem: string;
const requests: string[] = [];

beforeAll(async () => {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'rsa',
    keySize: 2048,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ],
  });
  caPem = pems.cert;
  server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    requests.push(`${req.method} ${req.url?.split('?')[0]} ${req.headers.authorization ?? ''}`);
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url?.startsWith(`/${TENANT_A}/oauth2/v2.0/token`)) {
      res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: 'sandbox-token' }));
    } else if (req.url === '/v1.0/organization') {
      res.end(JSON.stringify({ value: [{ id: TENANT_A, displayName: 'Sandbox', verifiedDomains: [] }] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('Entra fetch with the sandbox CA', () => {
  it('trusts the given CA, while the plain fetch does not', async () => {
    const trusting = await createEntraFetch({ trustedCaPem: caPem })(`${base}/v1.0/organization`);
    expect(trusting.status).toBe(200);

    const error = await createEntraFetch()(`${base}/v1.0/organization`).then(
      () => undefined,
      (e: unknown) => e as Error & { cause?: { code?: string } },
    );
    expect(error?.cause?.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it('runs MSAL and Graph against the sandbox host: one token POST, then Graph with that token', async () => {
    requests.length = 0;
    const entra = createEntraDirectory({
      config: entraConfig({ authorityHost: base, graphBaseUrl: base, trustedCaPem: caPem }),
      policyCacheSeconds: 0,
      logger: captureLogger().logger,
    });

    await entra.getOrganization(TENANT_A);
    await entra.getOrganization(TENANT_A);

    expect(requests).toEqual([
      `POST /${TENANT_A}/oauth2/v2.0/token `,
      'GET /v1.0/organization Bearer sandbox-token',
      'GET /v1.0/organization Bearer sandbox-token',
    ]);
  });
});
