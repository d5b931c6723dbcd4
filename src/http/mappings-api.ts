import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { isIanaZone } from '../config/index.js';
import type { TenantMapping } from '../db/mappings.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { createAdminTokenGuard, type AdminTokenGuard } from './admin-token.js';
import { parseParams, readJsonBody } from './validate.js';

const MAPPING_BODY_LIMIT_BYTES = 16 * 1024;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{3,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

const params = z.object({
  psa: z.enum(['connectwise', 'halo']),
  companyId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
});

export const mappingBody = z
  .object({
    tenantId: z.string().regex(GUID, { message: 'expected a tenant id (GUID)' }).optional(),
    tenantDomain: z.string().trim().toLowerCase().regex(DOMAIN, { message: 'expected a domain such as contoso.com' }).optional(),
    companyName: z.string().trim().max(200).optional(),
    timeZone: z.string().refine(isIanaZone, { message: 'expected an IANA time zone such as Europe/Amsterdam' }).optional(),
    activationHour: z.number().int().min(0).max(23).optional(),
    defaultLifetimeMinutes: z.number().int().min(10).max(43_200).nullable().optional(),
    usableOnce: z.boolean().optional(),
    allowPrivileged: z.boolean().optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.tenantId || b.tenantDomain, { message: 'give tenantId or tenantDomain', path: ['tenantId'] });

export function mappingView(m: TenantMapping) {
  return {
    psa: m.psa,
    companyId: m.companyId,
    companyName: m.companyName,
    tenantId: m.tenantId,
    tenantDomain: m.tenantDomain,
    tenantName: m.tenantName,
    timeZone: m.timeZone,
    activationHour: m.activationHour,
    defaultLifetimeMinutes: m.defaultLifetimeMinutes,
    usableOnce: m.usableOnce,
    allowPrivileged: m.allowPrivileged,
    enabled: m.enabled,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

/** Resolves a tenant domain to its id (OpenID discovery); a given id must agree with the domain. */
export async function resolveTenant(services: Services, tenantId: string | undefined, tenantDomain: string | undefined): Promise<string> {
  if (!tenantDomain) return tenantId!.toLowerCase();
  if (!services.entra) throw new AppError('ENTRA_NOT_CONFIGURED');
  const resolved = await services.entra.resolveTenantId(tenantDomain);
  if (!resolved) throw new AppError('INVALID_REQUEST', `No Microsoft Entra tenant answers for the domain ${tenantDomain}.`, { fields: { tenantDomain: 'no tenant has this domain' } });
  if (tenantId && tenantId.toLowerCase() !== resolved.toLowerCase()) {
    throw new AppError('INVALID_REQUEST', `${tenantDomain} belongs to tenant ${resolved}, not ${tenantId}.`, { fields: { tenantId: 'does not match tenantDomain' } });
  }
  return resolved.toLowerCase();
}

/** GET/PUT/DELETE /v1/mappings — the JSON mappings API, guarded by ADMIN_API_TOKEN. */
export function mappingsApiRoutes(services: Services, adminToken: AdminTokenGuard = createAdminTokenGuard(services)) {
  const app = new Hono();
  const requireAdminToken = adminToken.require;
  const limitBody = bodyLimit({
    maxSize: MAPPING_BODY_LIMIT_BYTES,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE', `The body must be at most ${MAPPING_BODY_LIMIT_BYTES} bytes.`);
    },
  });
  app.use('/v1/mappings', requireAdminToken);
  app.use('/v1/mappings/*', requireAdminToken, limitBody);

  app.get('/v1/mappings', (c) => c.json({ mappings: services.mappings.list().map(mappingView) }));

  app.put('/v1/mappings/:psa/:companyId', async (c) => {
    const { psa, companyId } = parseParams(params, c.req.param());
    const body = await readJsonBody(c, mappingBody);
    const existing = services.mappings.get(psa, companyId);
    const tenantId = await resolveTenant(services, body.tenantId, body.tenantDomain);
    const saved = services.mappings.upsert(psa, companyId, {
      companyName: body.companyName,
      tenantId,
      tenantDomain: body.tenantDomain ?? (existing?.tenantId === tenantId ? existing.tenantDomain : null),
      tenantName: existing?.tenantId === tenantId ? existing.tenantName : null,
      timeZone: body.timeZone ?? existing?.timeZone ?? services.config.tap.defaultTimeZone,
      activationHour: body.activationHour ?? existing?.activationHour ?? services.config.tap.defaultActivationHour,
      defaultLifetimeMinutes: body.defaultLifetimeMinutes !== undefined ? body.defaultLifetimeMinutes : (existing?.defaultLifetimeMinutes ?? null),
      usableOnce: body.usableOnce ?? existing?.usableOnce ?? true,
      allowPrivileged: body.allowPrivileged ?? existing?.allowPrivileged ?? false,
      enabled: body.enabled ?? existing?.enabled ?? true,
    });
    services.logger.info({ psa, companyId, tenantId }, existing ? 'mapping updated' : 'mapping created');
    return c.json({ mapping: mappingView(saved) }, existing ? 200 : 201);
  });

  app.delete('/v1/mappings/:psa/:companyId', (c) => {
    const { psa, companyId } = parseParams(params, c.req.param());
    if (!services.mappings.remove(psa, companyId)) throw new AppError('NOT_FOUND', `No mapping for ${psa} company ${companyId}.`);
    services.logger.info({ psa, companyId }, 'mapping deleted');
    return c.body(null, 204);
  });
  return app;
}
