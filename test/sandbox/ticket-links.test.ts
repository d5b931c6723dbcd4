import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ticketUrl } from '../../src/http/admin/ticket-links.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

/** The admin pages' ticket links, pointed at the sandbox, open the simulated PSAs' ticket pages. */
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('ticket links in sandbox mode', () => {
  it('open the simulated ConnectWise and Halo ticket pages', async () => {
    const config = loadConfig({ ...sandbox.env, TAP_SEAL_KEY: Buffer.alloc(32, 1).toString('base64') }, { sandbox: { caPem: sandbox.entra.caPem } });
    const cw = await fetch(ticketUrl(config, 'connectwise', '48112')!);
    expect(cw.status).toBe(200);
    expect(await cw.text()).toContain('Service Ticket #48112');
    const halo = await fetch(ticketUrl(config, 'halo', '2012')!);
    expect(halo.status).toBe(200);
    expect(await halo.text()).toContain('Ticket #2012');
  });
});
