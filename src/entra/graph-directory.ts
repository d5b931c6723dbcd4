import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import type { z } from 'zod';
import type { Config } from '../config/index.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createGraphClients } from './graph-client.js';
import { graphErrorToAppError, graphStatus, type GraphCallContext } from './graph-errors.js';
import * as schema from './graph-schemas.js';
import { createEntraFetch, type Fetch } from './http.js';
import { assertMethodId, assertTenantId, userPath } from './paths.js';
import type { AuthenticationMethod, CreatedTap, EntraDirectory, EntraUser, PartnerCustomer, TapMethod, TapPolicy, TenantOrganization } from './port.js';
import { DEFAULT_READ_RETRY, retryRead, type ReadRetryPolicy } from './read-retry.js';
import { probeRoleReads, readRoleHoldings, type RoleReadTools } from './role-holdings.js';
import { createSharedCache } from './shared-cache.js';
import { createTenantResolver } from './tenant-discovery.js';
import { createTokenProvider, type TokenProvider } from './token-provider.js';

export interface EntraDirectoryOptions {
  config: NonNullable<Config['entra']>;
  policyCacheSeconds: number;
  logger: Logger;
  /** Defaults to global fetch, trusting `config.trustedCaPem` when set (sandbox). */
  fetch?: Fetch;
  now?: () => Date;
  /** How read retries wait; tests pass a recorder. */
  sleep?: (ms: number) => Promise<void>;
  readRetry?: Partial<typeof DEFAULT_READ_RETRY>;
  /** Defaults to an MSAL provider built from `config`. */
  tokens?: TokenProvider;
  /**
   * The role check in a tenant without Entra ID P2, where Graph refuses the PIM eligibility read: treat it as having no
   * eligible roles (the default; Microsoft removes eligibilities when the licence ends) or refuse every pass there.
   */
  pimUnlicensed?: 'no-eligible-roles' | 'refuse';
}

type CallContext = Omit<GraphCallContext, 'now'>;

const TAP_PERMISSION = 'UserAuthenticationMethod.ReadWrite.All';
const MAX_PAGES = 50;

export function createEntraDirectory(opts: EntraDirectoryOptions): EntraDirectory {
  const { config, logger } = opts;
  const now = opts.now ?? (() => new Date());
  const fetch = opts.fetch ?? createEntraFetch({ trustedCaPem: config.trustedCaPem });
  const tokens = opts.tokens ?? createTokenProvider({ ...config, fetch, logger });
  const graph = createGraphClients({ graphBaseUrl: config.graphBaseUrl, tokens, fetch });
  const retry: ReadRetryPolicy = { ...DEFAULT_READ_RETRY, ...opts.readRetry, sleep: opts.sleep ?? delay, now };
  const policyCache = createSharedCache<TapPolicy>(opts.policyCacheSeconds * 1000, now);
  // Verified domains change rarely; the button checks a caller-supplied UPN against them on every press.
  const organizationCache = createSharedCache<TenantOrganization>(opts.policyCacheSeconds * 1000, now);
  const resolveTenantId = createTenantResolver({ authorityHost: config.authorityHost, fetch, retry });

  const fail = (error: unknown, ctx: CallContext): AppError => {
    const appError = graphErrorToAppError(error, { ...ctx, now: now() });
    if (['INTERNAL', 'ENTRA_ACCESS_DENIED', 'UPSTREAM_THROTTLED', 'UPSTREAM_UNAVAILABLE'].includes(appError.code)) {
      logger.warn({ tenantId: ctx.tenantId, action: ctx.action, code: appError.code, status: graphStatus(error) }, 'Graph call failed');
    }
    return appError;
  };

  /** Retried on 429/503/504 and on network failure: only for reads and the idempotent DELETE. */
  const withRetry = (request: () => Promise<unknown>): Promise<unknown> =>
    retryRead(request, retry, (error) => {
      const status = graphStatus(error);
      if (status === undefined || ![429, 503, 504, -1].includes(status)) return undefined;
      return { retryAfter: (error as { headers?: Headers }).headers?.get('retry-after') };
    });

  const send = async (ctx: CallContext, request: () => Promise<unknown>): Promise<unknown> => {
    assertTenantId(ctx.tenantId);
    try {
      return await withRetry(request);
    } catch (error) {
      throw fail(error, ctx);
    }
  };

  const parse = <S extends z.ZodType>(shape: S, body: unknown, ctx: CallContext): z.infer<S> => {
    const result = shape.safeParse(body);
    if (result.success) return result.data;
    logger.warn({ tenantId: ctx.tenantId, action: ctx.action, issues: result.error.issues.map((i) => i.path.join('.')) }, 'unexpected Graph response');
    // No cause attached: the create response holds the pass.
    throw new AppError('INTERNAL', `Microsoft Graph answered the request to ${ctx.action} in tenant ${ctx.tenantId} in an unexpected form.`);
  };

  /**
   * Follows @odata.nextLink until the last page, sending `headers` with every page (graph-client.ts keeps the token
   * on GRAPH_BASE_URL).
   */
  const readAllPages = async <S extends z.ZodType<{ value: unknown[]; '@odata.nextLink'?: string | undefined }>>(
    ctx: CallContext,
    shape: S,
    first: GraphRequest,
    headers: Record<string, string> = {},
    recover?: (error: unknown) => z.infer<S>['value'] | undefined,
  ): Promise<z.infer<S>['value']> => {
    assertTenantId(ctx.tenantId);
    const items: unknown[] = [];
    let request: GraphRequest | undefined = first.headers(headers);
    for (let page = 0; request && page < MAX_PAGES; page++) {
      const current: GraphRequest = request;
      let answer: unknown;
      try {
        answer = await withRetry(() => current.get());
      } catch (error) {
        // A caller may know what one particular failure of the first page means (e.g. no PIM licence: no eligibility).
        const recovered = page === 0 ? recover?.(error) : undefined;
        if (recovered) return recovered;
        throw fail(error, ctx);
      }
      const body = parse(shape, answer, ctx);
      items.push(...body.value);
      const next = body['@odata.nextLink'];
      request = next ? graph(ctx.tenantId).api(next).headers(headers) : undefined;
    }
    // A cut-off list could hide a privileged role, so too many pages is an error rather than a partial answer.
    if (request) throw new AppError('INTERNAL', `Microsoft Graph returned more than ${MAX_PAGES} pages to ${ctx.action} in tenant ${ctx.tenantId}.`);
    return items;
  };

  const pimUnlicensedLogged = new Set<string>();
  const roleReads: RoleReadTools = {
    api: (tenantId, path) => graph(tenantId).api(path),
    readAllPages,
    pimUnlicensed: opts.pimUnlicensed ?? config.pimUnlicensed ?? 'no-eligible-roles',
    onPimUnlicensed: (tenantId) => {
      if (pimUnlicensedLogged.has(tenantId)) return;
      pimUnlicensedLogged.add(tenantId);
      logger.info({ tenantId }, 'tenant has no Entra ID P2 licence: no PIM eligibility to check (ENTRA_PIM_UNLICENSED)');
    },
  };

  return {
    async getUser(tenantId, userPrincipalNameOrId) {
      const ctx = { tenantId, action: 'read the user', permission: 'User.Read.All', userScoped: true };
      const path = userPath(userPrincipalNameOrId);
      try {
        const body = await send(ctx, () => graph(tenantId).api(path).select(['id', 'userPrincipalName', 'displayName', 'accountEnabled', 'userType']).get());
        return toUser(parse(schema.userSchema, body, ctx));
      } catch (error) {
        if (error instanceof AppError && error.code === 'USER_NOT_FOUND') return null;
        throw error;
      }
    },

    getRoleHoldings: (tenantId, userId) => {
      assertTenantId(tenantId);
      return readRoleHoldings(roleReads, tenantId, userId);
    },

    checkRoleReads: (tenantId) => {
      assertTenantId(tenantId);
      return probeRoleReads(roleReads, tenantId);
    },

    getOrganization(tenantId, options) {
      const ctx = { tenantId, action: 'read the organization', permission: 'Organization.Read.All' };
      return organizationCache(
        tenantId,
        async () => {
          const body = parse(schema.organizationListSchema, await send(ctx, () => graph(tenantId).api('/organization').get()), ctx);
          const org = body.value[0];
          if (!org) throw new AppError('INTERNAL', `Microsoft Graph returned no organization for tenant ${tenantId}.`);
          return toOrganization(org);
        },
        options?.fresh,
      );
    },

    getTapPolicy(tenantId, options) {
      const ctx = { tenantId, action: 'read the Temporary Access Pass policy', permission: 'Policy.Read.AuthenticationMethod' };
      return policyCache(tenantId, async () => {
        const path = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';
        const body = parse(schema.tapPolicySchema, await send(ctx, () => graph(tenantId).api(path).get()), ctx);
        return { ...body, defaultLength: body.defaultLength ?? 8 };
      }, options?.fresh);
    },

    async createTap(tenantId, userId, request) {
      const ctx = { tenantId, action: 'create the pass', permission: TAP_PERMISSION, userScoped: true, isCreate: true };
      assertTenantId(tenantId);
      const body = {
        ...(request.startDateTime ? { startDateTime: request.startDateTime } : {}),
        lifetimeInMinutes: request.lifetimeInMinutes,
        isUsableOnce: request.isUsableOnce,
      };
      let response: unknown;
      try {
        // Exactly one attempt, whatever the failure: a replayed create silently replaces a pass already handed out
        // (reference/entra-graph.md). Callers decide, with their idempotency records, whether to ask again.
        response = await graph(tenantId).api(`${userPath(userId)}/authentication/temporaryAccessPassMethods`).post(body);
      } catch (error) {
        throw fail(error, ctx);
      }
      return toCreatedTap(parse(schema.createdTapSchema, response, ctx), now());
    },

    async listTaps(tenantId, userId) {
      const ctx = { tenantId, action: "list the user's passes", permission: TAP_PERMISSION, userScoped: true };
      const path = `${userPath(userId)}/authentication/temporaryAccessPassMethods`;
      const body = parse(schema.tapMethodListSchema, await send(ctx, () => graph(tenantId).api(path).get()), ctx);
      return body.value.map(toTapMethod);
    },

    async getTap(tenantId, userId, methodId) {
      const ctx = { tenantId, action: 'read the pass', permission: TAP_PERMISSION, userScoped: true };
      assertMethodId(methodId);
      const path = `${userPath(userId)}/authentication/temporaryAccessPassMethods/${methodId}`;
      try {
        return toTapMethod(parse(schema.tapMethodSchema, await send(ctx, () => graph(tenantId).api(path).get()), ctx));
      } catch (error) {
        // 404: deleted (by someone, or replaced by a newer pass); the follow-up says so.
        if (error instanceof AppError && error.code === 'USER_NOT_FOUND') return null;
        throw error;
      }
    },

    async listAuthenticationMethods(tenantId, userId) {
      const ctx = { tenantId, action: "list the user's authentication methods", permission: 'UserAuthenticationMethod.Read.All', userScoped: true };
      const first = graph(tenantId).api(`${userPath(userId)}/authentication/methods`);
      const methods = await readAllPages(ctx, schema.authenticationMethodPageSchema, first);
      return methods.map((m): AuthenticationMethod => ({ id: m.id, odataType: m['@odata.type'], createdDateTime: m.createdDateTime ?? undefined, displayName: m.displayName ?? undefined }));
    },

    async deleteTap(tenantId, userId, methodId) {
      const ctx = { tenantId, action: 'revoke the pass', permission: TAP_PERMISSION };
      assertMethodId(methodId);
      assertTenantId(tenantId);
      const path = `${userPath(userId)}/authentication/temporaryAccessPassMethods/${methodId}`;
      try {
        // DELETE is idempotent, so it is retried like a read.
        await withRetry(() => graph(tenantId).api(path).delete());
      } catch (error) {
        // 404: the pass (or its user) is already gone, which is what was asked for.
        if (graphStatus(error) === 404) return;
        throw fail(error, ctx);
      }
    },

    resolveTenantId,

    async listPartnerCustomers() {
      const tenantId = config.partnerTenantId;
      if (!tenantId) return [];
      const ctx = { tenantId, action: 'list GDAP customers', permission: 'DelegatedAdminRelationship.Read.All' };
      const first = graph(tenantId).api('/tenantRelationships/delegatedAdminCustomers').top(300);
      const customers = await readAllPages(ctx, schema.partnerCustomerPageSchema, first);
      return customers.map((c): PartnerCustomer => ({ tenantId: c.tenantId, displayName: c.displayName ?? c.tenantId }));
    },
  };
}

function toTapMethod(m: z.infer<typeof schema.tapMethodSchema>): TapMethod {
  return {
    id: m.id,
    startDateTime: m.startDateTime ?? undefined,
    lifetimeInMinutes: m.lifetimeInMinutes ?? undefined,
    isUsableOnce: m.isUsableOnce ?? undefined,
    isUsable: m.isUsable ?? undefined,
    methodUsabilityReason: m.methodUsabilityReason ?? undefined,
    createdDateTime: m.createdDateTime ?? undefined,
  };
}

function toUser(u: z.infer<typeof schema.userSchema>): EntraUser {
  // userType can be null on old accounts; an #EXT# UPN still marks a guest.
  const userType = u.userType ?? (u.userPrincipalName.includes('#EXT#') ? 'Guest' : 'Member');
  return { id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName ?? null, accountEnabled: u.accountEnabled, userType };
}

function toOrganization(o: z.infer<typeof schema.organizationListSchema>['value'][number]): TenantOrganization {
  return {
    id: o.id,
    displayName: o.displayName ?? o.id,
    verifiedDomains: o.verifiedDomains.map((d) => ({ name: d.name, isDefault: d.isDefault ?? false, isInitial: d.isInitial ?? false })),
  };
}

function toCreatedTap(t: z.infer<typeof schema.createdTapSchema>, now: Date): CreatedTap {
  return {
    id: t.id,
    temporaryAccessPass: t.temporaryAccessPass,
    startDateTime: t.startDateTime ?? t.createdDateTime ?? now.toISOString(),
    lifetimeInMinutes: t.lifetimeInMinutes,
    isUsableOnce: t.isUsableOnce,
    methodUsabilityReason: t.methodUsabilityReason ?? undefined,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
