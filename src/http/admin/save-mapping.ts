import type { PsaKind } from '../../domain.js';
import type { TenantMapping } from '../../db/mappings.js';
import type { RoleReadAccess, TapPolicy, TenantOrganization } from '../../entra/port.js';
import { AppError } from '../../errors.js';
import { errorForLog } from '../../logger.js';
import type { Services } from '../../services.js';
import { resolveTenant } from '../mappings-api.js';
import type { FieldErrors, ParsedRules } from './mapping-fields.js';

export interface ConnectionTest {
  organization: { ok: true; value: TenantOrganization } | { ok: false; error: string };
  policy: { ok: true; value: TapPolicy } | { ok: false; error: string };
  /** The directory-role reads the privileged check makes (RoleManagement.Read.Directory): without them every pass is refused. */
  roles: { ok: true; value: RoleReadAccess } | { ok: false; error: string };
}

const explainFailure = (error: unknown) =>
  error instanceof AppError
    ? error.code === 'TENANT_NOT_FOUND'
      ? error.detail
      : `${error.title}: ${error.detail}`
    : 'The connector could not reach Microsoft Graph.';

/**
 * A real round trip into the customer tenant: a token, the organization (name, verified domains), the TAP policy and the
 * directory-role reads of the privileged check. All calls run even if one fails, so the admin sees everything that needs fixing at once.
 */
export async function testConnection(services: Services, tenantId: string): Promise<ConnectionTest> {
  const entra = services.entra;
  if (!entra) {
    const error = new AppError('ENTRA_NOT_CONFIGURED').detail;
    return { organization: { ok: false, error }, policy: { ok: false, error }, roles: { ok: false, error } };
  }
  const [org, policy, roles] = await Promise.allSettled([
    entra.getOrganization(tenantId, { fresh: true }),
    entra.getTapPolicy(tenantId, { fresh: true }),
    entra.checkRoleReads(tenantId),
  ]);
  for (const r of [org, policy, roles]) if (r.status === 'rejected') services.logger.warn({ tenantId, err: errorForLog(r.reason) }, 'admin: connection test failed');
  return {
    organization: org.status === 'fulfilled' ? { ok: true, value: org.value } : { ok: false, error: explainFailure(org.reason) },
    policy: policy.status === 'fulfilled' ? { ok: true, value: policy.value } : { ok: false, error: explainFailure(policy.reason) },
    roles: roles.status === 'fulfilled' ? { ok: true, value: roles.value } : { ok: false, error: explainFailure(roles.reason) },
  };
}

export type SaveResult =
  | { ok: true; mapping: TenantMapping; test: ConnectionTest; created: boolean; sharedWith: TenantMapping[] }
  | { ok: false; errors: FieldErrors };

/** Turns a failed tenant lookup into a message next to the tenant field. */
export async function resolveTenantField(services: Services, rules: Pick<ParsedRules, 'tenantId' | 'tenantDomain'>): Promise<{ tenantId: string } | { error: string }> {
  try {
    return { tenantId: await resolveTenant(services, rules.tenantId, rules.tenantDomain) };
  } catch (error) {
    if (error instanceof AppError && error.code === 'INVALID_REQUEST') {
      return { error: rules.tenantDomain ? `no Microsoft Entra tenant answers for ${rules.tenantDomain}` : error.detail };
    }
    if (error instanceof AppError) return { error: `${error.title}: ${error.detail}` };
    throw error;
  }
}

/**
 * Resolves the tenant, tests the connection, then saves. The mapping is saved even when the test fails (consent is
 * often granted after mapping); the page shows the failure so the admin knows the company cannot get a pass yet.
 */
export async function saveMapping(
  services: Services,
  target: { psa: PsaKind; companyId: string; companyName: string },
  rules: ParsedRules,
): Promise<SaveResult> {
  const resolved = await resolveTenantField(services, rules);
  if ('error' in resolved) return { ok: false, errors: { tenant: resolved.error } };
  const { tenantId } = resolved;
  const existing = services.mappings.get(target.psa, target.companyId);
  const test = await testConnection(services, tenantId);
  const org = test.organization.ok ? test.organization.value : undefined;
  const sameTenant = existing?.tenantId === tenantId;
  const defaultDomain = org?.verifiedDomains.find((d) => d.isDefault)?.name;
  const mapping = services.mappings.upsert(target.psa, target.companyId, {
    companyName: target.companyName,
    tenantId,
    tenantDomain: rules.tenantDomain ?? (sameTenant ? existing.tenantDomain : null) ?? defaultDomain ?? null,
    tenantName: org?.displayName ?? (sameTenant ? existing.tenantName : null),
    timeZone: rules.timeZone,
    activationHour: rules.activationHour,
    defaultLifetimeMinutes: rules.defaultLifetimeMinutes,
    usableOnce: rules.usableOnce,
    allowPrivileged: rules.allowPrivileged,
    enabled: rules.enabled,
  });
  services.logger.info({ psa: target.psa, companyId: target.companyId, tenantId, via: 'admin' }, existing ? 'mapping updated' : 'mapping created');
  // Only within one PSA: the same customer in ConnectWise and in Halo is one customer, not a mistake.
  const sharedWith = services.mappings.list().filter((m) => m.psa === target.psa && m.tenantId === tenantId && m.companyId !== target.companyId);
  return { ok: true, mapping, test, created: !existing, sharedWith };
}
