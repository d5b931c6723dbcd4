import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { TenantMapping } from '../db/mappings.js';
import type { OnboardingInputs } from '../psa/ticket-fields.js';
import { backoffDelay, type Backoff } from '../backoff.js';
import { activationInstant } from '../tap/time.js';

/**
 * When an onboarding ticket's pass is created. The pass itself always starts at the mapping's activation hour on the
 * start date (ticket-issuance computes that); this decides whether to create it now or park it in the scheduler.
 */
export type IssuePlan = { kind: 'issue_now'; startAt: Date | undefined } | { kind: 'schedule'; startAt: Date; issueAt: Date };

/** Even with ISSUE_LEAD_DAYS=0 the pass (and its note) should exist a little before the user needs it. */
export const MIN_LEAD_MS = 15 * 60_000;

/**
 * The issue instant: the mapping's activation hour on the calendar day `leadDays` before the start date, in the
 * customer's zone — so across a daylight-saving change it is still, say, 08:00 local, not 07:00 or 09:00 — and never
 * later than 15 minutes before the start.
 */
export function issueInstant(startDate: string, zone: string, hour: number, leadDays: number): Date {
  const startAt = activationInstant(startDate, zone, hour);
  const leadDate = DateTime.fromISO(startDate, { zone: 'utc' }).minus({ days: leadDays }).toISODate()!;
  const byCalendar = activationInstant(leadDate, zone, hour);
  return new Date(Math.min(byCalendar.getTime(), startAt.getTime() - MIN_LEAD_MS));
}

/** A mapping that is missing or disabled is issued "now" so ticket-issuance refuses it with its usual note. */
export function planIssue(startDate: string, mapping: TenantMapping | undefined, now: Date, leadDays: number): IssuePlan {
  if (!mapping || !mapping.enabled) return { kind: 'issue_now', startAt: undefined };
  const startAt = activationInstant(startDate, mapping.timeZone, mapping.activationHour);
  const issueAt = issueInstant(startDate, mapping.timeZone, mapping.activationHour, leadDays);
  return issueAt.getTime() > now.getTime() ? { kind: 'schedule', startAt, issueAt } : { kind: 'issue_now', startAt };
}

const WAITING_FOR_USER: Backoff = { baseMs: 15 * 60_000, maxMs: 4 * 3_600_000 };

/**
 * Waiting for an account that does not exist yet: 15 min, 30 min, 1 h … capped at 4 h, and never past the start
 * (the attempt at the start is the last one).
 */
export function userRetryAt(attempts: number, now: Date, startAt: Date): Date {
  const delay = backoffDelay(attempts, WAITING_FOR_USER);
  return new Date(Math.min(now.getTime() + delay, Math.max(startAt.getTime(), now.getTime())));
}

/**
 * The ledger fingerprint: `<inputs>.<mapping>`. The inputs part changes when the ticket's company, user or start date
 * reading changes; the mapping part when an admin edits the company's mapping (which can fix a refusal or move the
 * activation hour). Only hashes: the ledger holds no ticket text.
 */
export function fingerprint(companyId: string, inputs: OnboardingInputs, mapping: TenantMapping | undefined): string {
  const d = inputs.startDate;
  const date = d.kind === 'date' ? `date:${d.date}` : d.kind === 'unclear' ? `unclear:${d.text}` : 'none';
  const inputPart = hash(JSON.stringify([companyId, inputs.userPrincipalName?.toLowerCase() ?? '', date]));
  return `${inputPart}.${mappingPart(mapping)}`;
}

export function splitFingerprint(value: string | null | undefined): { inputs: string | undefined; mapping: string | undefined } {
  if (!value) return { inputs: undefined, mapping: undefined };
  const [inputs, mapping] = value.split('.');
  return { inputs, mapping };
}

export function mappingPart(mapping: TenantMapping | undefined): string {
  return mapping ? hash(`${mapping.id}|${mapping.updatedAt}`) : 'unmapped';
}

function hash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}
