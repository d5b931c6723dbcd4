import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CONFIG_VARIABLES } from '../src/config/index.js';
import { buildHarness } from './helpers/services.js';

const manifestSchema = z
  .object({
    name: z.literal('psa-tap-connector'),
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    description: z.string().min(20),
    buttons: z
      .array(
        z.object({
          psa: z.enum(['connectwise', 'halo']),
          label: z.literal('Issue TAP'),
          kind: z.enum(['hosted-api', 'server-to-server', 'runbook']),
          placement: z.string(),
          url: z.string().optional(),
          endpoint: z.string().optional(),
          authentication: z.string(),
        }),
      )
      .min(2),
    endpoints: z.array(z.object({ method: z.enum(['GET', 'POST', 'PUT', 'DELETE']), path: z.string().startsWith('/'), auth: z.string(), purpose: z.string() })),
    graphPermissions: z.object({
      type: z.literal('Application'),
      required: z.array(z.object({ permission: z.string(), why: z.string() })),
      optional: z.array(z.object({ permission: z.string(), why: z.string() })),
      gdapRoles: z.array(z.string()),
    }),
    psaPermissions: z.object({ connectwise: z.array(z.string()), halo: z.array(z.string()) }),
    settings: z.array(z.string()),
  })
  .strict();

const manifest = manifestSchema.parse(JSON.parse(readFileSync(new URL('../manifest.json', import.meta.url), 'utf8')));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('manifest.json', () => {
  it('matches the package version and names the Graph permissions the connector uses', () => {
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.graphPermissions.required.map((p) => p.permission)).toEqual(
      expect.arrayContaining(['UserAuthenticationMethod.ReadWrite.All', 'User.Read.All', 'Policy.Read.AuthenticationMethod']),
    );
  });

  it('names every endpoint the app serves, and the app serves every endpoint it names', () => {
    const { app } = buildHarness();
    const served = new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    for (const e of manifest.endpoints) {
      expect(served, `${e.method} ${e.path}`).toContain(`${e.method} ${e.path.replace(/\{(\w+)\}/g, ':$1')}`);
    }
    for (const b of manifest.buttons.filter((x) => x.endpoint)) {
      const [method, path = ''] = b.endpoint!.split(' ');
      expect(manifest.endpoints.some((e) => e.method === method && e.path === path.replace('connectwise', '{psa}').replace('halo', '{psa}'))).toBe(true);
    }
  });

  it('lists exactly the settings the configuration reads, each documented in .env.example', () => {
    expect([...manifest.settings].sort()).toEqual([...CONFIG_VARIABLES].sort());
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const name of CONFIG_VARIABLES) expect(example, name).toMatch(new RegExp(`^#?${name}=`, 'm'));
  });
});
