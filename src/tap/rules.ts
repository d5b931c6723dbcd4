import type { TapPolicy } from '../entra/port.js';

/** Lifetime the tenant will accept: the request (or the fallback) clamped into the policy's [min, max]. */
export interface LifetimeDecision {
  requested: number | undefined;
  applied: number;
  clamped: boolean;
  policyMinimum: number;
  policyMaximum: number;
}

/** Graph accepts 10–43200 minutes at most, whatever the policy says (reference/entra-graph.md). */
const GRAPH_MIN = 10;
const GRAPH_MAX = 43_200;

export function clampLifetime(requested: number | undefined, fallback: number | null | undefined, policy: TapPolicy): LifetimeDecision {
  const min = Math.max(GRAPH_MIN, policy.minimumLifetimeInMinutes);
  const max = Math.min(GRAPH_MAX, Math.max(min, policy.maximumLifetimeInMinutes));
  const wanted = requested ?? fallback ?? policy.defaultLifetimeInMinutes;
  const applied = Math.min(max, Math.max(min, Math.round(wanted)));
  return { requested: requested ?? fallback ?? undefined, applied, clamped: applied !== wanted, policyMinimum: min, policyMaximum: max };
}

export interface UsableOnceDecision {
  usableOnce: boolean;
  forcedByPolicy: boolean;
}

/** A policy with isUsableOnce forces one-time passes; otherwise the request, else the mapping's rule. */
export function decideUsableOnce(requested: boolean | undefined, mappingDefault: boolean, policy: TapPolicy): UsableOnceDecision {
  const wanted = requested ?? mappingDefault;
  if (policy.isUsableOnce) return { usableOnce: true, forcedByPolicy: !wanted };
  return { usableOnce: wanted, forcedByPolicy: false };
}

const UPN = /^[^\s@()<>,;:\\"[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** A syntactically plausible UPN (user@domain.tld); normalised to lower-case domain. */
export function normaliseUpn(value: string): string | null {
  const trimmed = value.trim();
  if (trimmed.length > 256 || !UPN.test(trimmed)) return null;
  const at = trimmed.lastIndexOf('@');
  return `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
}

export function upnDomain(upn: string): string {
  return upn.slice(upn.lastIndexOf('@') + 1).toLowerCase();
}
