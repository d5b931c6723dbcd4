import type { EntraSeed, EntraTenant, EntraUser, TapPolicy } from './entra/state.js';
import { stableGuid } from './identifiers.js';

/** Fixed ids, so docs, tests and demo mappings can name them. */
export const TENANT_IDS = {
  partner: '7d3f0a52-8c1e-4b6a-9f27-1e5c0d9a4b81',
  contoso: '4a1c2e7f-3b9d-4c58-a6e2-8f0b1d3c5e97',
  fabrikam: '9e6b3d21-5a7c-4f84-b1d9-2c4e6a8f0b13',
  northwind: 'c2f8a4d6-1e3b-4a9c-8d57-6b0e2f4a9c31',
} as const;
export const ENTRA_APP = {
  clientId: '5b8e1f3a-9c2d-4e7b-a6f1-3d0c8b2e9a47',
  clientSecret: 'sandbox~Entra.Secret-not-for-production-0001',
  displayName: 'PSA TAP Connector (sandbox)',
};
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const PRIVILEGED_AUTH_ADMIN = '7be44c8a-adaf-4e2a-84d6-ab2649e08a13';
const AUTH_ADMIN = 'c4e39bd9-1100-46d3-8c65-fb160da0071f';

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

function contoso(): EntraTenant {
  const d = 'contoso.example';
  const admins = stableGuid('group/contoso/global-admins');
  return {
    id: TENANT_IDS.contoso,
    displayName: 'Contoso Ltd',
    domains: [d, 'contoso.onmicrosoft.com'],
    timeZone: 'Europe/Amsterdam',
    region: 'EU',
    tapPolicy: portalDefaultPolicy(),
    groups: [{ id: admins, displayName: 'Contoso Global Admins', isAssignableToRole: true, roles: [GLOBAL_ADMIN] }],
    users: [
      user(d, 'alice.jansen', 'Alice Jansen', { methods: ['password', 'microsoftAuthenticator'] }),
      user(d, 'bram.devries', 'Bram de Vries'),
      user(d, 'femke.bakker', 'Femke Bakker'),
      user(d, 'lars.mulder', 'Lars Mulder'),
      user(d, 'noor.elamrani', 'Noor El Amrani'),
      user(d, 'dana.visser', 'Dana Visser', { accountEnabled: false }),
      user(d, '', '', guest('contoso.onmicrosoft.com', 'chris@outlook.example', 'Chris Guest')),
      // Holds Global Administrator only through a role-assignable group: only the transitive call shows it.
      user(d, 'erik.admin', 'Erik Admin', { memberOf: [admins], methods: ['password', 'fido2'] }),
      user(d, 'sanne.helpdesk', 'Sanne Helpdesk', { directRoles: [AUTH_ADMIN] }),
      // A UPN starting with `$` must be read as /users('$scanner@…') (reference/entra-graph.md).
      user(d, '$scanner', 'Scan to mail'),
    ],
  };
}

function fabrikam(): EntraTenant {
  const d = 'fabrikam.example';
  const tier0 = stableGuid('group/fabrikam/tier0');
  const breakGlass = stableGuid('group/fabrikam/break-glass');
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
    ],
    users: [
      user(d, 'grace.miller', 'Grace Miller'),
      user(d, 'henry.ortiz', 'Henry Ortiz'),
      user(d, 'mia.chen', 'Mia Chen'),
      user(d, 'noah.brooks', 'Noah Brooks'),
      user(d, 'ivan.petrov', 'Ivan Petrov', { methods: ['password', 'microsoftAuthenticator', 'phone'] }),
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
  return {
    id: TENANT_IDS.northwind,
    displayName: 'Northwind Traders',
    domains: [d, 'northwindtraders.onmicrosoft.com'],
    timeZone: 'Europe/London',
    region: 'EU',
    tapPolicy: { ...portalDefaultPolicy(), state: 'disabled' },
    groups: [{ id: admins, displayName: 'Northwind Admins', isAssignableToRole: true, roles: [GLOBAL_ADMIN] }],
    users: [
      user(d, 'oliver.smith', 'Oliver Smith'),
      user(d, 'rachel.green', 'Rachel Green'),
      user(d, 'paula.jones', 'Paula Jones'),
      user(d, 'victor.stone', 'Victor Stone', { accountEnabled: false }),
      user(d, '', '', guest('northwindtraders.onmicrosoft.com', 'quentin@gmail.example', 'Quentin Guest')),
      user(d, 'wendy.admin', 'Wendy Admin', { memberOf: [admins] }),
    ],
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
    delegatedAdminCustomers: [TENANT_IDS.contoso, TENANT_IDS.fabrikam, TENANT_IDS.northwind],
  };
}

export function defaultDirectory(): EntraSeed {
  return { app: { ...ENTRA_APP }, partnerTenantId: TENANT_IDS.partner, tenants: [partner(), contoso(), fabrikam(), northwind()] };
}
