import type { EntraConfig } from '../config/index.js';
import type { EntraDirectory } from '../entra/port.js';
import { createEntraFetch, createTokenProvider } from '../entra/index.js';
import type { Logger } from '../logger.js';
import { describeError } from './http.js';
import { fail, pass, type Check, type CheckGroup } from './report.js';

/** The Graph application permission that creates a pass; checked in the token's `roles` when the token is a JWT. */
const CREATE_PERMISSION = 'UserAuthenticationMethod.ReadWrite.All';

export interface MappedTenant {
  tenantId: string;
  /** Companies mapped to it, for the heading ("Contoso Ltd (ConnectWise 250)"). */
  companies: string[];
}

/**
 * Entra, read-only: a token in the partner tenant, then for each mapped tenant a token, the organization, the TAP
 * policy and a directory-role read — i.e. admin consent and the GDAP roles. Never creates a pass.
 */
export async function checkEntra(
  config: EntraConfig,
  directory: EntraDirectory,
  tenants: MappedTenant[],
  logger: Logger,
): Promise<CheckGroup[]> {
  const fetch = createEntraFetch({ trustedCaPem: config.trustedCaPem });
  const tokens = createTokenProvider({ ...config, fetch, logger });
  const groups: CheckGroup[] = [];

  const partner: Check[] = [];
  if (config.partnerTenantId) {
    try {
      await tokens.getToken(config.partnerTenantId);
      partner.push(pass('Partner tenant token', `issued in ${config.partnerTenantId}`));
    } catch (error) {
      partner.push(fail('Partner tenant token', describeError(error), 'Check ENTRA_CLIENT_ID, the secret or certificate, and ENTRA_PARTNER_TENANT_ID (your own tenant id).'));
    }
  } else {
    partner.push(pass('Partner tenant', 'ENTRA_PARTNER_TENANT_ID not set — suggestions from GDAP customers are off'));
  }
  if (tenants.length === 0) partner.push(pass('Mapped tenants', 'none yet — map companies on the admin Companies page'));
  groups.push({ title: `Microsoft Entra app (${config.clientId})`, checks: partner });

  for (const tenant of tenants) {
    groups.push({ title: `Tenant ${tenant.tenantId} — ${tenant.companies.join(', ')}`, checks: await checkTenant(tenant.tenantId, tokens.getToken.bind(tokens), directory, config) });
  }
  return groups;
}

async function checkTenant(
  tenantId: string,
  getToken: (tenantId: string) => Promise<string>,
  directory: EntraDirectory,
  config: EntraConfig,
): Promise<Check[]> {
  const checks: Check[] = [];
  let token: string;
  try {
    token = await getToken(tenantId);
    checks.push(pass('Token', 'issued'));
  } catch (error) {
    checks.push(fail('Token', describeError(error), `A Global Administrator of the customer grants admin consent: ${config.authorityHost}/${tenantId}/adminconsent?client_id=${config.clientId}`));
    return checks;
  }
  const roles = tokenRoles(token);
  if (roles && !roles.includes(CREATE_PERMISSION)) {
    checks.push(fail('Permission to create passes', `the token lacks ${CREATE_PERMISSION}`, `Add ${CREATE_PERMISSION} to the app's API permissions and grant admin consent again in this tenant.`));
  }
  try {
    const org = await directory.getOrganization(tenantId, { fresh: true });
    checks.push(pass('Organization', `${org.displayName} (${org.verifiedDomains.map((d) => d.name).join(', ') || 'no verified domains'})`));
  } catch (error) {
    checks.push(fail('Organization', describeError(error), 'Grant admin consent for Organization.Read.All (or Directory.Read.All) in this tenant.'));
  }
  try {
    const policy = await directory.getTapPolicy(tenantId, { fresh: true });
    checks.push(
      policy.state === 'enabled'
        ? pass('TAP policy', `enabled, ${policy.minimumLifetimeInMinutes}–${policy.maximumLifetimeInMinutes} minutes${policy.isUsableOnce ? ', one-time use forced' : ''}`)
        : fail('TAP policy', 'the Temporary Access Pass method is disabled', 'Enable Temporary Access Pass in Entra (Protection → Authentication methods) for the users who should get one.'),
    );
  } catch (error) {
    checks.push(fail('TAP policy', describeError(error), 'Grant admin consent for Policy.Read.AuthenticationMethod in this tenant.'));
  }
  // Role reads decide whether a target is privileged; without them every request is refused. The same probe as the
  // admin connection test: role assignments and PIM eligibility (issue 10).
  try {
    const access = await directory.checkRoleReads(tenantId);
    checks.push(
      access.eligibility === 'unlicensed-refusing'
        ? fail('Directory role reads', 'no Entra ID P2 in this tenant, so PIM eligibility cannot be read', 'Set ENTRA_PIM_UNLICENSED=no-eligible-roles to check active roles only in tenants without P2, or license P2.')
        : pass('Directory role reads', access.eligibility === 'readable' ? 'role assignments and PIM eligibility' : 'role assignments (no Entra ID P2: no PIM eligibility exists)'),
    );
  } catch (error) {
    checks.push(fail('Directory role reads', describeError(error), 'Grant admin consent for RoleManagement.Read.Directory and PrivilegedEligibilitySchedule.Read.AzureADGroup (and User.Read.All, GroupMember.Read.All) in this tenant; Directory.Read.All does not cover PIM eligibility.'));
  }
  return checks;
}

/** The application permissions in a JWT access token, or undefined when the token is not a readable JWT. */
function tokenRoles(token: string): string[] | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : undefined;
  } catch {
    return undefined;
  }
}
