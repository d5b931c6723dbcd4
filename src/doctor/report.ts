/**
 * What `npm run doctor` and the admin "Setup check" page show: groups of read-only checks, each ✔ or ✘, and for each
 * ✘ the fix in one sentence.
 */
export interface Check {
  name: string;
  ok: boolean;
  /** What was found ("codebase v2025_1/", "board 'Onboarding' (id 12)") or what went wrong. */
  detail: string;
  /** One sentence saying what to change; present exactly when `ok` is false. */
  fix?: string;
  /**
   * Passed as far as a read-only check can tell, but not confirmed (the vendor offers no documented read for it):
   * shown as "?" with the reason in `detail`, and not counted as a failure.
   */
  unconfirmed?: boolean;
}

export interface CheckGroup {
  title: string;
  checks: Check[];
}

export interface DoctorReport {
  groups: CheckGroup[];
  /** True only when every check of everything configured passed. */
  ok: boolean;
}

export const pass = (name: string, detail: string): Check => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, fix: string): Check => ({ name, ok: false, detail, fix });
export const unconfirmed = (name: string, detail: string): Check => ({ name, ok: true, detail, unconfirmed: true });

/** ✔, ✘, or ? for a check that could not be confirmed read-only. */
export const mark = (check: Check): string => (!check.ok ? '✘' : check.unconfirmed ? '?' : '✔');

export function report(groups: CheckGroup[]): DoctorReport {
  return { groups, ok: groups.every((g) => g.checks.every((c) => c.ok)) };
}

/** Plain text for the terminal: one line per check, the fix indented under each ✘. */
export function formatReport(result: DoctorReport): string {
  const lines: string[] = [];
  for (const group of result.groups) {
    lines.push(group.title);
    for (const check of group.checks) {
      lines.push(`  ${mark(check)} ${check.name}: ${check.detail}`);
      if (!check.ok && check.fix) lines.push(`      fix: ${check.fix}`);
    }
    lines.push('');
  }
  const failed = result.groups.flatMap((g) => g.checks).filter((c) => !c.ok).length;
  lines.push(result.ok ? 'Everything configured works.' : `${failed} check${failed === 1 ? '' : 's'} failed.`);
  return `${lines.join('\n')}\n`;
}
