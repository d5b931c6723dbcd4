import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from './index.js';
import { param } from './prepared.js';
import { tenantMappings, type TenantMappingRow } from './schema.js';
import type { PsaKind } from '../domain.js';

export type TenantMapping = TenantMappingRow;

export interface MappingInput {
  companyName?: string | undefined;
  tenantId: string;
  tenantDomain?: string | null | undefined;
  tenantName?: string | null | undefined;
  timeZone: string;
  activationHour: number;
  defaultLifetimeMinutes: number | null;
  usableOnce: boolean;
  allowPrivileged: boolean;
  enabled: boolean;
}

export interface MappingStore {
  list(filter?: { psa?: PsaKind }): TenantMapping[];
  get(psa: PsaKind, companyId: string): TenantMapping | undefined;
  upsert(psa: PsaKind, companyId: string, input: MappingInput): TenantMapping;
  /** Writes all rows or none (CSV import). */
  upsertMany(rows: { psa: PsaKind; companyId: string; input: MappingInput }[]): number;
  remove(psa: PsaKind, companyId: string): boolean;
  /**
   * `${psa}:${tenantId}` for each tenant mapped to more than one company of the same PSA (flagged on the admin pages).
   * One customer in both PSAs is normal and not flagged.
   */
  sharedTenants(): Set<string>;
  /** Goes up with every write through this store: a cheap "have the mappings changed since?" for views built from them. */
  revision(): number;
}

export function createMappingStore(db: Db): MappingStore {
  // Every press reads its mapping: prepared once (src/db/prepared.ts).
  const mappingOf = db.select().from(tenantMappings).where(and(eq(tenantMappings.psa, param('psa')), eq(tenantMappings.companyId, param('companyId')))).prepare();
  let revision = 0;
  const upsert = (psa: PsaKind, companyId: string, input: MappingInput): TenantMapping => {
    revision += 1;
    const now = new Date().toISOString();
    const values = {
      psa,
      companyId,
      companyName: input.companyName ?? '',
      tenantId: input.tenantId.toLowerCase(),
      tenantDomain: input.tenantDomain ?? null,
      tenantName: input.tenantName ?? null,
      timeZone: input.timeZone,
      activationHour: input.activationHour,
      defaultLifetimeMinutes: input.defaultLifetimeMinutes,
      usableOnce: input.usableOnce,
      allowPrivileged: input.allowPrivileged,
      enabled: input.enabled,
      updatedAt: now,
    };
    const { psa: _p, companyId: _c, ...updatable } = values;
    // An empty company name in the input keeps the name already stored (the API may not know it).
    const set = input.companyName ? updatable : { ...updatable, companyName: sql`${tenantMappings.companyName}` };
    return db
      .insert(tenantMappings)
      .values(values)
      .onConflictDoUpdate({ target: [tenantMappings.psa, tenantMappings.companyId], set })
      .returning()
      .get();
  };
  return {
    list: (filter = {}) =>
      db
        .select()
        .from(tenantMappings)
        .where(filter.psa ? eq(tenantMappings.psa, filter.psa) : undefined)
        .orderBy(asc(tenantMappings.psa), asc(tenantMappings.companyName), asc(tenantMappings.companyId))
        .all(),
    get: (psa, companyId) => mappingOf.get({ psa, companyId }),
    upsert,
    upsertMany: (rows) => db.transaction(() => rows.map((r) => upsert(r.psa, r.companyId, r.input)).length),
    remove: (psa, companyId) => {
      revision += 1;
      return (
        db
          .delete(tenantMappings)
          .where(and(eq(tenantMappings.psa, psa), eq(tenantMappings.companyId, companyId)))
          .run().changes > 0
      );
    },
    sharedTenants: () =>
      new Set(
        db
          .select({ psa: tenantMappings.psa, tenantId: tenantMappings.tenantId })
          .from(tenantMappings)
          .groupBy(tenantMappings.psa, tenantMappings.tenantId)
          .having(sql`count(*) > 1`)
          .all()
          .map((r) => `${r.psa}:${r.tenantId}`),
      ),
    revision: () => revision,
  };
}
