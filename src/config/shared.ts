import { z } from 'zod';

/**
 * Building blocks shared by the per-concern configuration files. Each concern file exports its zod shape (one entry
 * per environment variable) and a builder that turns the parsed values into its part of the Config.
 */

/** Metadata carried by a variable's schema; `secret` keeps its value out of every problem line (see SECRET_VARIABLES). */
export interface VariableMeta {
  secret?: boolean;
  /** Part of unattended onboarding (poller, done status): without these a PSA is only reached through its button. */
  onboarding?: boolean;
}

/** Marks a variable as secret, once, in the schema itself: its value is never echoed. */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ secret: true } satisfies VariableMeta);
}

/** Marks a variable as an onboarding setting (see VariableMeta). */
export function onboardingSetting<T extends z.ZodType>(schema: T): T {
  return schema.meta({ onboarding: true } satisfies VariableMeta);
}

export function variableMeta(schema: z.ZodType): VariableMeta {
  return (schema.meta() as VariableMeta | undefined) ?? {};
}

/** True when the variable's schema was marked with `secret()`. */
export function isSecret(schema: z.ZodType): boolean {
  return (schema.meta() as VariableMeta | undefined)?.secret === true;
}

export const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
export const optionalString = z.preprocess(blankToUndefined, z.string().trim().optional());
export const int = (min: number, max: number, fallback: number) =>
  z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback));
export const bool = (fallback: boolean) =>
  z.preprocess(
    blankToUndefined,
    z
      .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
      .default(fallback ? 'true' : 'false')
      .transform((v) => ['1', 'true', 'yes', 'on'].includes(v)),
  );
/**
 * An http(s) URL without a trailing slash. Plain http is accepted only for loopback hosts (sandbox, tests). Parsed
 * once, inside the check: a value that is no URL at all ("x") is a problem line naming its variable, never a thrown
 * "Invalid URL". `bareHostIsHttps` accepts a host as a vendor's UI shows it ("api-na.myconnectwise.net") as https.
 */
export const baseUrl = (opts: { httpsOnly?: boolean; bareHostIsHttps?: boolean } = {}) =>
  z
    .string()
    .trim()
    .transform((v) => (opts.bareHostIsHttps && /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(\/\S*)?$/i.test(v) ? `https://${v}` : v))
    .superRefine((u, ctx) => {
      let url: URL;
      try {
        url = new URL(u);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected an absolute URL such as https://example.com' });
        return;
      }
      if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '') {
        ctx.addIssue({ code: 'custom', message: 'expected an absolute URL such as https://example.com' });
      } else if (url.protocol === 'http:' && (opts.httpsOnly || !isLoopback(url.hostname))) {
        ctx.addIssue({ code: 'custom', message: opts.httpsOnly ? 'expected an https:// URL' : 'expected an https:// URL (http:// only on loopback)' });
      }
    })
    .transform((u) => u.replace(/\/+$/, ''));
export const optionalBaseUrl = (opts?: { httpsOnly?: boolean; bareHostIsHttps?: boolean }) => z.preprocess(blankToUndefined, baseUrl(opts).optional());
export const tenantId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
  message: 'expected a tenant id (GUID)',
});

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\./.test(hostname);
}

export function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

/** A PSA whose settings are all absent is off; one that is half-configured is an error naming each missing variable. */
export function requireGroup(names: Record<string, unknown>, label: string, problems: string[]): boolean {
  const missing = Object.entries(names).filter(([, v]) => v === undefined || v === '');
  if (missing.length === Object.keys(names).length) return false;
  for (const [name] of missing) problems.push(`${name}: required to enable ${label} (not set)`);
  return missing.length === 0;
}

/** The parsed values of one concern's shape. */
export type ParsedShape<S extends z.ZodRawShape> = z.infer<z.ZodObject<S>>;
