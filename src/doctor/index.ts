import type { Config } from '../config/index.js';
import type { TenantMapping } from '../db/mappings.js';
import { createEntraDirectory } from '../entra/index.js';
import type { EntraDirectory } from '../entra/port.js';
import type { Logger } from '../logger.js';
import { checkConnectWise } from './connectwise.js';
import { checkEntra, type MappedTenant } from './entra.js';
import { checkHalo } from './halo.js';
import { fail, pass, report, type CheckGroup, type DoctorReport } from './report.js';

export { formatReport, type Check, type CheckGroup, type DoctorReport } from './report.js';

const PSA_LABEL = { connectwise: 'ConnectWise', halo: 'Halo' } as const;

export interface DoctorDeps {
  logger: Logger;
  /** The mappings whose tenants are checked. */
  mappings: Pick<TenantMapping, 'psa' | 'companyId' | 'companyName' | 'tenantId'>[];
  /** The running connector's directory (admin page); the CLI builds one from the config. */
  directory?: EntraDirectory | undefined;
}

/**
 * Read-only checks of the real configuration against the real services: each PSA, the Entra app and every mapped
 * tenant. Never creates a pass or writes a note. `ok` only when everything configured works.
 */
export async function runDoctor(config: Config, deps: DoctorDeps): Promise<DoctorReport> {
  const setup: CheckGroup = { title: 'Configuration', checks: [] };
  const psaCount = Number(Boolean(config.connectwise)) + Number(Boolean(config.halo));
  setup.checks.push(
    psaCount > 0
      ? pass('PSA', [config.connectwise ? 'ConnectWise' : '', config.halo ? 'HaloPSA' : ''].filter(Boolean).join(' and '))
      : fail('PSA', 'neither ConnectWise nor HaloPSA is configured', 'Set the CW_* or HALO_* settings (README, "Configuration").'),
  );
  setup.checks.push(
    config.entra
      ? pass('Entra app', `client id ${config.entra.clientId}`)
      : fail('Entra app', 'not configured, so no pass can be issued', 'Set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET (or a certificate) from the app registration.'),
  );

  const [connectwise, halo, entra] = await Promise.all([
    config.connectwise ? checkConnectWise(config.connectwise, deps.logger) : undefined,
    config.halo ? checkHalo(config.halo, deps.logger) : undefined,
    config.entra
      ? checkEntra(
          config.entra,
          deps.directory ?? createEntraDirectory({ config: config.entra, policyCacheSeconds: 0, logger: deps.logger }),
          mappedTenants(deps.mappings),
          deps.logger,
        )
      : [],
  ]);
  return report([setup, ...[connectwise, halo].filter((g): g is CheckGroup => g !== undefined), ...entra]);
}

function mappedTenants(mappings: DoctorDeps['mappings']): MappedTenant[] {
  const byTenant = new Map<string, string[]>();
  for (const m of mappings) {
    const list = byTenant.get(m.tenantId) ?? [];
    list.push(`${m.companyName || m.companyId} (${PSA_LABEL[m.psa]} ${m.companyId})`);
    byTenant.set(m.tenantId, list);
  }
  return [...byTenant].map(([tenantId, companies]) => ({ tenantId, companies }));
}
