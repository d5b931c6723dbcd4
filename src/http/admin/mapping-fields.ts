import { z } from 'zod';
import type { Config } from '../../config/index.js';
import { mappingBody } from '../mappings-api.js';

/**
 * One parser for the rules form and for CSV rows: both speak the CSV column names, so a message such as
 * "activation_hour: enter a whole hour from 0 to 23" means the same on the page and in an import report.
 * The checks themselves are the JSON API's (`mappingBody`); this only turns text into the types it expects.
 */
export const RULE_FIELDS = ['tenant', 'time_zone', 'activation_hour', 'default_lifetime_minutes', 'usable_once', 'allow_privileged', 'enabled'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];
export type RawRuleFields = Partial<Record<RuleField, string>>;

export interface ParsedRules {
  tenantId: string | undefined;
  tenantDomain: string | undefined;
  timeZone: string;
  activationHour: number;
  defaultLifetimeMinutes: number | null;
  usableOnce: boolean;
  allowPrivileged: boolean;
  enabled: boolean;
}

export type FieldErrors = Partial<Record<RuleField | 'psa' | 'company_id' | 'company_name' | 'form', string>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRUE = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off']);

/** Which API field reports on which of our fields. */
const API_TO_FIELD: Record<string, RuleField> = {
  tenantId: 'tenant',
  tenantDomain: 'tenant',
  timeZone: 'time_zone',
  activationHour: 'activation_hour',
  defaultLifetimeMinutes: 'default_lifetime_minutes',
  usableOnce: 'usable_once',
  allowPrivileged: 'allow_privileged',
  enabled: 'enabled',
};

const FRIENDLY: Partial<Record<RuleField, string>> = {
  activation_hour: 'enter a whole hour from 0 to 23',
  default_lifetime_minutes: 'enter whole minutes from 10 to 43200, or leave blank for the tenant policy default',
};

/**
 * Blank text means: `defaults` for the booleans (the form sends unticked boxes as absent = false; a CSV blank keeps the
 * usual default), the configured default zone and hour, and the policy's default lifetime.
 */
export function parseRuleFields(
  raw: RawRuleFields,
  defaults: { config: Config; booleans: { usable_once: boolean; allow_privileged: boolean; enabled: boolean } },
): { ok: true; value: ParsedRules } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const text = (f: RuleField) => (raw[f] ?? '').trim();

  const tenant = text('tenant');
  const bool = (f: 'usable_once' | 'allow_privileged' | 'enabled') => {
    const v = text(f).toLowerCase();
    if (v === '') return defaults.booleans[f];
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    errors[f] = 'enter true or false';
    return undefined;
  };
  const integer = (f: 'activation_hour' | 'default_lifetime_minutes') => {
    const v = text(f);
    if (v === '') return undefined;
    if (!/^\d{1,6}$/.test(v)) {
      errors[f] = FRIENDLY[f];
      return undefined;
    }
    return Number(v);
  };

  const candidate = {
    ...(tenant === '' ? {} : GUID.test(tenant) ? { tenantId: tenant } : { tenantDomain: tenant }),
    timeZone: text('time_zone') || defaults.config.tap.defaultTimeZone,
    activationHour: integer('activation_hour') ?? defaults.config.tap.defaultActivationHour,
    defaultLifetimeMinutes: integer('default_lifetime_minutes') ?? null,
    usableOnce: bool('usable_once'),
    allowPrivileged: bool('allow_privileged'),
    enabled: bool('enabled'),
  };
  const parsed = mappingBody.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = API_TO_FIELD[String(issue.path[0] ?? 'tenantId')] ?? 'tenant';
      errors[field] ??= FRIENDLY[field] ?? issue.message;
    }
  }
  if (tenant === '') errors.tenant = 'enter the tenant’s domain (contoso.com) or its tenant id';
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors };
  const v = parsed.data;
  return {
    ok: true,
    value: {
      tenantId: v.tenantId?.toLowerCase(),
      tenantDomain: v.tenantDomain,
      timeZone: v.timeZone!,
      activationHour: v.activationHour!,
      defaultLifetimeMinutes: v.defaultLifetimeMinutes ?? null,
      usableOnce: v.usableOnce!,
      allowPrivileged: v.allowPrivileged!,
      enabled: v.enabled!,
    },
  };
}

/** Reads the rule fields out of a parsed form or CSV record (anything that is not a string counts as blank). */
export function rawRuleFields(source: Record<string, unknown>): RawRuleFields {
  const raw: RawRuleFields = {};
  for (const f of RULE_FIELDS) if (typeof source[f] === 'string') raw[f] = source[f];
  return raw;
}

export const psaKindSchema = z.enum(['connectwise', 'halo']);
/** Same shape the JSON API accepts in its path. */
export const COMPANY_ID = /^[A-Za-z0-9_-]{1,64}$/;
