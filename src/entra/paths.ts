import { AppError } from '../errors.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Characters a UPN's local part may hold in Entra, plus `$` (see userPath). Nothing that could alter a URL path. */
const UPN = /^[A-Za-z0-9'.\-_!#^~$&+=]{1,113}@[A-Za-z0-9.-]{1,255}$/;
/** A DNS name: letter/digit labels with inner hyphens, at least one dot, a letter-only top-level label. */
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Tenant ids end up in URL paths (the token authority); only GUIDs are accepted. */
export function assertTenantId(tenantId: string): void {
  if (!GUID.test(tenantId)) throw new AppError('INVALID_REQUEST', `"${tenantId.slice(0, 60)}" is not a tenant id (a GUID).`);
}

/**
 * `/users/{id|upn}` for Graph. A UPN starting with `$` would be read as an OData segment, so it takes the key form
 * `/users('$x@y')`; `#` is encoded as `%23` (reference/entra-graph.md, Users and roles).
 */
export function userPath(userIdOrUpn: string): string {
  if (GUID.test(userIdOrUpn)) return `/users/${userIdOrUpn}`;
  if (!UPN.test(userIdOrUpn)) {
    throw new AppError('INVALID_REQUEST', `"${userIdOrUpn.slice(0, 80)}" is not a user principal name (user@domain).`);
  }
  const encoded = userIdOrUpn.replace(/#/g, '%23');
  return userIdOrUpn.startsWith('$') ? `/users('${encoded.replace(/'/g, "''")}')` : `/users/${encoded}`;
}

/** Authentication method ids are GUIDs; anything else is refused before it reaches a DELETE path. */
export function assertMethodId(methodId: string): void {
  if (!GUID.test(methodId)) throw new AppError('INVALID_REQUEST', `"${methodId.slice(0, 60)}" is not an authentication method id.`);
}

/** Lower-cased domain name, or an INVALID_REQUEST naming what was given. */
export function normaliseDomain(domain: string): string {
  const candidate = domain.trim().toLowerCase();
  if (!DOMAIN.test(candidate)) throw new AppError('INVALID_REQUEST', `"${domain.slice(0, 80)}" is not a domain name such as contoso.com.`);
  return candidate;
}

export function isGuid(value: string): boolean {
  return GUID.test(value);
}
