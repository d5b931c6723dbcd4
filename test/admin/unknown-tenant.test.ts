import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createEntraDirectory } from '../../src/entra/index.js';
import { createLogger } from '../../src/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { adminHarness, signedIn } from './helpers.js';

/** A tenant id that names no tenant is the admin's typo, said as such — not "Internal error … (invalid_tenant)". */

const NO_SUCH_TENANT = '11111111-2222-4333-8444-555555555555';
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

function sandboxDirectory() {
  const config = loadConfig({ ...sandbox.env, TAP_SEAL_KEY: Buffer.alloc(32, 7).toString('base64') }, { trustedCaPem: sandbox.entra.caPem });
  return createEntraDirectory({ config: config.entra!, policyCacheSeconds: 0, logger: createLogger({ level: 'silent' }) });
}

describe('an unknown tenant id', () => {
  it('is TENANT_NOT_FOUND from the directory, with the sentence to act on', async () => {
    const error = await sandboxDirectory().getOrganization(NO_SUCH_TENANT, { fresh: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TENANT_NOT_FOUND', detail: expect.stringMatching(/^No such tenant — check the id or domain/) });
  });

  it('on the company page says "no such tenant — check the id or domain"', async () => {
    const h = await adminHarness();
    h.services.entra = sandboxDirectory();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    await client.post('/admin/companies/connectwise/101', { tenant: NO_SUCH_TENANT, time_zone: 'Europe/Amsterdam', activation_hour: '8', default_lifetime_minutes: '', usable_once: 'true', enabled: 'true' });
    const text = client.lastHtml.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('No such tenant — check the id or domain');
    expect(text).not.toMatch(/Internal error|invalid_tenant/);
  });
});
