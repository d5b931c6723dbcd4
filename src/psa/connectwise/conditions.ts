import type { ConnectWiseConfig } from '../../config/index.js';
import { AppError } from '../../errors.js';

/**
 * ConnectWise `conditions` strings (reference "Conditions grammar"): strings in double quotes, integers bare,
 * datetimes in square brackets, references as paths (`board/name`), joined with AND.
 */

/** A quoted string literal. A `"` inside is backslash-escaped (and so is a backslash) so a name cannot end the literal. */
export function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `board/id=5` when the setting is a number (an id), else `board/name="Onboarding"`. */
export function referenceIs(path: string, setting: string): string {
  const trimmed = setting.trim();
  return /^\d+$/.test(trimmed) ? `${path}/id=${Number(trimmed)}` : `${path}/name=${quoted(trimmed)}`;
}

/** `[2026-11-20T18:04:26Z]`: whole seconds in UTC, the form the reference shows. Fractions are dropped (rounded down). */
export function datetimeLiteral(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new AppError('INTERNAL', 'The stored ConnectWise polling cursor is not an ISO-8601 instant.');
  return `[${new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')}]`;
}

/**
 * The onboarding filter. `lastUpdated >= cursor`, not `>`: the cursor is the last seen ticket's lastUpdated, and
 * another ticket updated in the same second could sit just past a page boundary; `>` would lose it for good, while
 * `>=` only shows the last ticket again, which the poller's ledger ignores. (Rounding the cursor down to whole seconds
 * errs the same safe way.)
 */
export function onboardingConditions(onboarding: NonNullable<ConnectWiseConfig['onboarding']>, cursor: string | undefined): string {
  const parts = [referenceIs('board', onboarding.board), referenceIs('status', onboarding.status)];
  if (onboarding.type) parts.push(referenceIs('type', onboarding.type));
  if (cursor) parts.push(`lastUpdated >= ${datetimeLiteral(cursor)}`);
  return parts.join(' AND ');
}
