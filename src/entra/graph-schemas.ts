import { z } from 'zod';

/** The parts of Graph's answers this connector depends on (reference/entra-graph.md). Extra fields are ignored. */

const nextLink = { '@odata.nextLink': z.string().url().optional() };

export const userSchema = z.object({
  id: z.string().min(1),
  userPrincipalName: z.string().min(1),
  displayName: z.string().nullable().optional(),
  accountEnabled: z.boolean(),
  userType: z.string().nullable().optional(),
});

/**
 * `/users/{id}/transitiveMemberOf`: groups, administrative units and directory roles mixed. `@odata.type` is required —
 * an object whose type is unknown cannot be ruled out as a role, so such an answer fails the (fail-closed) role check.
 */
export const directoryObjectPageSchema = z.object({
  value: z.array(
    z.object({
      '@odata.type': z.string().min(1),
      id: z.string().min(1),
      displayName: z.string().nullable().optional(),
      roleTemplateId: z.string().nullable().optional(),
      isAssignableToRole: z.boolean().nullable().optional(),
    }),
  ),
  ...nextLink,
});

/** roleAssignments and roleEligibilityScheduleInstances, with `$expand=roleDefinition`. */
export const roleGrantPageSchema = z.object({
  value: z.array(
    z.object({
      principalId: z.string().min(1),
      roleDefinitionId: z.string().min(1),
      directoryScopeId: z.string().nullable().optional(),
      appScopeId: z.string().nullable().optional(),
      roleDefinition: z
        .object({
          displayName: z.string().nullable().optional(),
          isBuiltIn: z.boolean().nullable().optional(),
          templateId: z.string().nullable().optional(),
        })
        .nullable()
        .optional(),
    }),
  ),
  ...nextLink,
});

/**
 * `/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances`: PIM for Groups — the groups a principal can
 * activate membership (`member`) or ownership (`owner`) of. Any other accessId fails the (fail-closed) role check.
 */
export const groupEligibilityPageSchema = z.object({
  value: z.array(
    z.object({
      principalId: z.string().min(1),
      groupId: z.string().min(1),
      accessId: z.enum(['member', 'owner']),
    }),
  ),
  ...nextLink,
});

export const organizationListSchema = z.object({
  value: z.array(
    z.object({
      id: z.string().min(1),
      displayName: z.string().nullable().optional(),
      verifiedDomains: z
        .array(z.object({ name: z.string().min(1), isDefault: z.boolean().optional(), isInitial: z.boolean().optional() }))
        .default([]),
    }),
  ),
});

export const tapPolicySchema = z.object({
  state: z.enum(['enabled', 'disabled']),
  defaultLifetimeInMinutes: z.number().int().positive(),
  minimumLifetimeInMinutes: z.number().int().positive(),
  maximumLifetimeInMinutes: z.number().int().positive(),
  isUsableOnce: z.boolean(),
  defaultLength: z.number().int().positive().optional(),
});

export const createdTapSchema = z.object({
  id: z.string().min(1),
  temporaryAccessPass: z.string().min(1),
  createdDateTime: z.string().nullable().optional(),
  startDateTime: z.string().nullable().optional(),
  lifetimeInMinutes: z.number().int().positive(),
  isUsableOnce: z.boolean(),
  methodUsabilityReason: z.string().nullable().optional(),
});

export const tapMethodSchema = z.object({
  id: z.string().min(1),
  startDateTime: z.string().nullable().optional(),
  lifetimeInMinutes: z.number().int().nullable().optional(),
  isUsableOnce: z.boolean().nullable().optional(),
  methodUsabilityReason: z.string().nullable().optional(),
  isUsable: z.boolean().nullable().optional(),
  createdDateTime: z.string().nullable().optional(),
});

/** Graph returns at most one TAP method per user in this list (graph-doc-facts.md). */
export const tapMethodListSchema = z.object({ value: z.array(tapMethodSchema) });

export const authenticationMethodPageSchema = z.object({
  value: z.array(
    z.object({
      '@odata.type': z.string().min(1),
      id: z.string().min(1),
      createdDateTime: z.string().nullable().optional(),
      displayName: z.string().nullable().optional(),
    }),
  ),
  ...nextLink,
});

export const partnerCustomerPageSchema = z.object({
  value: z.array(z.object({ tenantId: z.string().min(1), displayName: z.string().nullable().optional() })),
  ...nextLink,
});

export const openIdConfigurationSchema = z.object({ issuer: z.string().url() });
