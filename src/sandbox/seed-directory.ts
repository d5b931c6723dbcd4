import type { EntraSeed, EntraTenant, EntraUser, TapPolicy } from './entra/state.js';
import { stableGuid } from './identifiers.js';

/** Fixed ids, so docs, tests and demo mappings can name them. */
export const TENANT_IDS = {
  partner: '7d3f0a52-8c1e-4b6a-9f27-1e5c0d9a4b81',
  contoso: '4a1c2e7f-3b9d-4c58-a6e2-8f0b1d3c5e97',
  fabrikam: '9e6b3d21-5a7c-4f84-b1d9-2c4e6a8f0b13',
  northwind: 'c2f8a4d6-1e3b-4a9c-8d57-6b0e2f4a9c31',
  adventureWorks: 'e5a7c9b1-2d4f-4e6a-9b8c-0f1e3d5a7c92',
} as const;
export const ENTRA_APP = {
  clientId: '5b8e1f3a-9c2d-4e7b-a6f1-3d0c8b2e9a47',
  clientSecret: 'sandbox~Entra.Secret-not-for-production-0001',
  displayName: 'PSA TAP Connector (sandbox)',
};
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const PRIVILEGED_AUTH_ADMIN = '7be44c8a-adaf-4e2a-84d6-ab2649e08a13';
const AUTH_ADMIN = 'c4e39bd9-1100-46d3-8c65-fb160da0071f';
const HELPDESK_ADMIN = '729827e3-9c14-49f7-bb1b-9608f156bbb8';
const SECURITY_ADMIN = '194ae4cb-b126-40b2-bd5b-6091b380977d';
const USER_ADMIN = 'fe930be7-5e62-47db-91af-98c3a49a38b1';

/** The portal's defaults (reference/entra-graph.md): enabled, 60–480 minutes, default 60, 8 characters, all users. */
const portalDefaultPolicy = (): TapPolicy => ({
  state: 'enabled',
  defaultLifetimeInMinutes: 60,
  defaultLength: 8,
  minimumLifetimeInMinutes: 60,
  maximumLifetimeInMinutes: 480,
  isUsableOnce: false,
  includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }],
  excludeTargets: [],
});

function user(domain: string, local: string, displayName: string, extra: Partial<EntraUser> = {}): EntraUser {
  const upn = extra.userPrincipalName ?? `${local}@${domain}`;
  const [givenName, ...rest] = (extra.displayName ?? displayName).split(' ');
  return {
    id: stableGuid(`user/${upn.toLowerCase()}`),
    userPrincipalName: upn,
    displayName,
    givenName,
    surname: rest.join(' ') || undefined,
    mail: upn.includes('#EXT#') ? undefined : upn,
    accountEnabled: true,
    userType: 'Member',
    methods: ['password'],
    ...extra,
  };
}
const guest = (initial: string, home: string, displayName: string): Partial<EntraUser> => ({
  userPrincipalName: `${home.replace('@', '_')}#EXT#@${initial}`,
  mail: home,
  userType: 'Guest',
  displayName,
});

/**
 * Every way of holding a directory role is seeded once in Contoso (issue 10): active tenant-wide directly (sanne) and
 * through a role-assignable group (erik), PIM-eligible directly (pieter) and through a group (ruud), scoped to an
 * administrative unit (marit), a custom role (joost), as owner of a role-assignable group (olga) and PIM-eligible for
 * membership of one (gijs, PIM for Groups). Alice and Bram are ordinary staff in ordinary groups and an
 * administrative unit: they must get passes.
 */
function contoso(): EntraTenant {
  const d = 'contoso.example';
  const admins = stableGuid('group/contoso/global-admins');
  const allStaff = stableGuid('group/contoso/all-staff');
  const sales = stableGuid('group/contoso/sales');
  const securityPim = stableGuid('group/contoso/security-pim');
  const amsterdam = stableGuid('au/contoso/amsterdam');
  const passwordResetter = stableGuid('role/contoso/password-resetter');
  const id = (local: string) => stableGuid(`user/${local}@${d}`);
  return {
    id: TENANT_IDS.contoso,
    displayName: 'Contoso Ltd',
    domains: [d, 'contoso.onmicrosoft.com'],
    timeZone: 'Europe/Amsterdam',
    region: 'EU',
    tapPolicy: portalDefaultPolicy(),
    groups: [
      { id: admins, displayName: 'Contoso Global Admins', isAssignableToRole: true, roles: [GLOBAL_ADMIN] },
      { id: allStaff, displayName: 'All Staff', isAssignableToRole: false, roles: [] },
      { id: sales, displayName: 'Sales', isAssignableToRole: false, roles: [] },
      { id: securityPim, displayName: 'Contoso Security (PIM)', isAssignableToRole: true, roles: [], roleGrants: [{ roleDefinitionId: SECURITY_ADMIN, eligible: true }] },
    ],
    customRoles: [{ id: passwordResetter, displayName: 'Contoso Password Resetter' }],
    administrativeUnits: [{ id: amsterdam, displayName: 'Amsterdam office', members: [id('alice.jansen'), id('bram.devries'), id('marit.scoped')] }],
    users: [
      user(d, 'alice.jansen', 'Alice Jansen', { memberOf: [allStaff, sales], methods: ['password', 'microsoftAuthenticator'] }),
      user(d, 'bram.devries', 'Bram de Vries', { memberOf: [allStaff] }),
      user(d, 'femke.bakker', 'Femke Bakker', { memberOf: [allStaff, sales] }),
      user(d, 'lars.mulder', 'Lars Mulder', { memberOf: [allStaff] }),
      user(d, 'noor.elamrani', 'Noor El Amrani', { memberOf: [allStaff] }),
      user(d, 'dana.visser', 'Dana Visser', { accountEnabled: false }),
      user(d, '', '', guest('contoso.onmicrosoft.com', 'chris@outlook.example', 'Chris Guest')),
      // Holds Global Administrator only through a role-assignable group.
      user(d, 'erik.admin', 'Erik Admin', { memberOf: [admins, allStaff], methods: ['password', 'fido2'] }),
      user(d, 'sanne.helpdesk', 'Sanne Helpdesk', { directRoles: [AUTH_ADMIN] }),
      // PIM-eligible Global Administrator: nothing active, so transitiveMemberOf and roleAssignments show nothing.
      user(d, 'pieter.pim', 'Pieter Pim', { memberOf: [allStaff], roleGrants: [{ roleDefinitionId: GLOBAL_ADMIN, eligible: true }] }),
      // Eligible for Security Administrator through a role-assignable group.
      user(d, 'ruud.security', 'Ruud Security', { memberOf: [securityPim, allStaff] }),
      // Helpdesk Administrator over the Amsterdam office only.
      user(d, 'marit.scoped', 'Marit Scoped', { roleGrants: [{ roleDefinitionId: HELPDESK_ADMIN, directoryScopeId: `/administrativeUnits/${amsterdam}` }] }),
      user(d, 'joost.custom', 'Joost Custom', { roleGrants: [{ roleDefinitionId: passwordResetter }] }),
      // Owns the role-assignable Global Admins group (an owner can add itself): privileged.
      user(d, 'olga.owner', 'Olga Owner', { memberOf: [allStaff], ownerOf: [admins] }),
      // PIM for Groups: can activate membership of the Global Admins group: privileged.
      user(d, 'gijs.pimgroup', 'Gijs PIM Group', { memberOf: [allStaff], groupEligibility: [{ groupId: admins, accessId: 'member' }] }),
      // A UPN starting with `$` must be read as /users('$scanner@…') (reference/entra-graph.md).
      user(d, '$scanner', 'Scan to mail'),
    ],
  };
}

function fabrikam(): EntraTenant {
  const d = 'fabrikam.example';
  const tier0 = stableGuid('group/fabrikam/tier0');
  const breakGlass = stableGuid('group/fabrikam/break-glass');
  const employees = stableGuid('group/fabrikam/employees');
  return {
    id: TENANT_IDS.fabrikam,
    displayName: 'Fabrikam Inc',
    domains: [d, 'fabrikam.onmicrosoft.com'],
    timeZone: 'America/New_York',
    region: 'NA',
    tapPolicy: {
      ...portalDefaultPolicy(),
      defaultLifetimeInMinutes: 120,
      maximumLifetimeInMinutes: 1440,
      defaultLength: 12,
      isUsableOnce: true,
      excludeTargets: [{ targetType: 'group', id: breakGlass }],
    },
    groups: [
      { id: tier0, displayName: 'Fabrikam Tier 0', isAssignableToRole: true, roles: [GLOBAL_ADMIN, PRIVILEGED_AUTH_ADMIN] },
      { id: breakGlass, displayName: 'Break-glass accounts', isAssignableToRole: false, roles: [] },
      { id: employees, displayName: 'Fabrikam Employees', isAssignableToRole: false, roles: [] },
    ],
    users: [
      user(d, 'grace.miller', 'Grace Miller', { memberOf: [employees] }),
      user(d, 'henry.ortiz', 'Henry Ortiz', { memberOf: [employees] }),
      user(d, 'mia.chen', 'Mia Chen', { memberOf: [employees] }),
      user(d, 'noah.brooks', 'Noah Brooks', { memberOf: [employees] }),
      user(d, 'ivan.petrov', 'Ivan Petrov', { memberOf: [employees], methods: ['password', 'microsoftAuthenticator', 'phone', 'softwareOath'] }),
      // PIM-eligible User Administrator.
      user(d, 'olivia.eligible', 'Olivia Eligible', { memberOf: [employees], roleGrants: [{ roleDefinitionId: USER_ADMIN, eligible: true }] }),
      user(d, 'kevin.old', 'Kevin Old', { accountEnabled: false }),
      user(d, '', '', guest('fabrikam.onmicrosoft.com', 'judy@partner.example', 'Judy Guest')),
      user(d, 'laura.admin', 'Laura Admin', { memberOf: [tier0] }),
      // Enabled policy, but the user is in an excluded group: the create call is refused like a disabled policy.
      user(d, 'breakglass', 'Break Glass', { memberOf: [breakGlass] }),
    ],
  };
}

function northwind(): EntraTenant {
  const d = 'northwind.example';
  const admins = stableGuid('group/northwind/admins');
  const staff = stableGuid('group/northwind/staff');
  return {
    id: TENANT_IDS.northwind,
    displayName: 'Northwind Traders',
    domains: [d, 'northwindtraders.onmicrosoft.com'],
    timeZone: 'Europe/London',
    region: 'EU',
    tapPolicy: { ...portalDefaultPolicy(), state: 'disabled' },
    // A Business Premium customer: Entra ID P1 only, so no PIM (the eligibility read answers AadPremiumLicenseRequired).
    pimLicensed: false,
    groups: [
      { id: admins, displayName: 'Northwind Admins', isAssignableToRole: true, roles: [GLOBAL_ADMIN] },
      { id: staff, displayName: 'Northwind Staff', isAssignableToRole: false, roles: [] },
    ],
    users: [
      user(d, 'oliver.smith', 'Oliver Smith', { memberOf: [staff] }),
      user(d, 'rachel.green', 'Rachel Green', { memberOf: [staff] }),
      user(d, 'paula.jones', 'Paula Jones', { memberOf: [staff] }),
      user(d, 'victor.stone', 'Victor Stone', { accountEnabled: false }),
      user(d, '', '', guest('northwindtraders.onmicrosoft.com', 'quentin@gmail.example', 'Quentin Guest')),
      user(d, 'wendy.admin', 'Wendy Admin', { memberOf: [admins] }),
    ],
  };
}

/**
 * A GDAP customer that no PSA company is mapped to yet: the PSAs' "Adventure Works" companies are unmapped in the
 * demo, so Suggestions has a partner-customer match to accept.
 */
function adventureWorks(): EntraTenant {
  const d = 'adventure-works.example';
  return {
    id: TENANT_IDS.adventureWorks,
    displayName: 'Adventure Works',
    domains: [d, 'adventureworks.onmicrosoft.com'],
    timeZone: 'America/Los_Angeles',
    region: 'NA',
    tapPolicy: portalDefaultPolicy(),
    groups: [],
    users: [user(d, 'kim.abercrombie', 'Kim Abercrombie'), user(d, 'jon.morris', 'Jon Morris')],
  };
}

function partner(): EntraTenant {
  const d = 'tailspin-msp.example';
  return {
    id: TENANT_IDS.partner,
    displayName: 'Tailspin IT Services',
    domains: [d, 'tailspinmsp.onmicrosoft.com'],
    timeZone: 'Europe/Amsterdam',
    region: 'EU',
    tapPolicy: portalDefaultPolicy(),
    groups: [],
    users: [user(d, 'tom.tech', 'Tom Tech'), user(d, 'mira.lead', 'Mira Lead')],
    delegatedAdminCustomers: [TENANT_IDS.contoso, TENANT_IDS.fabrikam, TENANT_IDS.northwind, TENANT_IDS.adventureWorks],
  };
}

export function defaultDirectory(): EntraSeed {
  return { app: { ...ENTRA_APP }, partnerTenantId: TENANT_IDS.partner, tenants: [partner(), contoso(), fabrikam(), northwind(), adventureWorks()] };
}
