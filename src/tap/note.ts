import type { PrivateNote } from '../psa/port.js';
import type { ErrorCode } from '../errors.js';
import { ERROR_CATALOGUE } from '../errors.js';
import type { IssuedPass } from './issue.js';
import { DateTime } from 'luxon';
import { spellOut } from './spell-out.js';
import { formatInZone, formatUtc } from './time.js';

/**
 * The one module that words ticket notes. Each note is built once as a small document and rendered twice: plain
 * text for ConnectWise, simple escaped HTML for Halo.
 */
interface NoteDocument {
  title: string;
  rows: [label: string, value: string][];
  paragraphs: string[];
  steps?: { heading: string; items: string[] };
  footer?: string;
}

export const ENROL_URL = 'https://aka.ms/mysecurityinfo';

/** The row that carries the pass itself: monospace in HTML, followed by its spelled-out "Read out" row. */
const PASS_LABEL = 'Pass';

export interface PassNoteContext {
  companyName: string;
  timeZone: string;
  requestedBy: string;
  reissue: boolean;
  /** Sentences that open the note: what this pass replaces (another ticket's pass, one made outside, a revoked one). */
  preface?: string[] | undefined;
}

/** Whether a clamped lifetime went up to the tenant's minimum or down to its maximum. */
function lifetimeChange(lifetime: IssuedPass['lifetime']): string {
  if (lifetime.requested === undefined || lifetime.requested === lifetime.applied) return 'adjusted';
  return lifetime.requested < lifetime.applied ? 'raised' : 'lowered';
}

export function passNote(issued: IssuedPass, ctx: PassNoteContext): PrivateNote {
  const user = issued.user.displayName ? `${issued.user.displayName} (${issued.user.userPrincipalName})` : issued.user.userPrincipalName;
  const { lifetime, usableOnce } = issued;
  const paragraphs: string[] = [...(ctx.preface ?? [])];
  if (ctx.reissue && !ctx.preface?.length) paragraphs.push('This pass replaces any pass issued to this user before; the earlier pass no longer works.');
  if (issued.startMovedToNow) paragraphs.push('The requested start date has already passed, so this pass is usable now.');
  if (lifetime.clamped) {
    paragraphs.push(
      `The lifetime was ${lifetimeChange(lifetime)} to ${lifetime.applied} minutes to fit the tenant's Temporary Access Pass policy (${lifetime.policyMinimum}–${lifetime.policyMaximum} minutes)${lifetime.requested !== undefined ? `; ${lifetime.requested} minutes were asked for` : ''}.`,
    );
  }
  if (usableOnce.forcedByPolicy) paragraphs.push("The tenant's policy makes every pass usable once, so this one is too.");
  return render({
    title: `Temporary Access Pass issued for ${user}`,
    rows: [
      [PASS_LABEL, issued.pass],
      ['Read out', spellOut(issued.pass)],
      ['Valid from', `${formatInZone(issued.startDateTime, ctx.timeZone)} — ${formatUtc(issued.startDateTime)}`],
      ['Valid until', `${formatInZone(issued.expiresDateTime, ctx.timeZone)} — ${formatUtc(issued.expiresDateTime)}`],
      ['Use', usableOnce.usableOnce ? 'one sign-in only' : 'reusable until it expires'],
      ['Lifetime', `${lifetime.applied} minutes`],
      ['Customer', ctx.companyName],
      ['Requested by', ctx.requestedBy],
      ['Reference', issued.issuanceId],
    ],
    paragraphs,
    steps: {
      heading: 'How the user enrols',
      items: [
        `Go to ${ENROL_URL} and sign in as ${issued.user.userPrincipalName}.`,
        'When asked how to sign in, choose "Temporary Access Pass" and type the pass above.',
        'Add Microsoft Authenticator, a passkey or a security key before the pass expires.',
      ],
    },
    footer: 'Internal note: give the pass to the user in person or by phone, never by e-mail.',
  });
}

export interface RefusalNoteContext {
  userPrincipalName: string | undefined;
  requestedBy: string;
  code: ErrorCode;
  detail: string;
  reference: string | undefined;
}

export function refusalNote(ctx: RefusalNoteContext): PrivateNote {
  const rows: [string, string][] = [['Reason', ERROR_CATALOGUE[ctx.code].title]];
  if (ctx.userPrincipalName) rows.unshift(['User', ctx.userPrincipalName]);
  rows.push(['Requested by', ctx.requestedBy], ['Code', ctx.code]);
  if (ctx.reference) rows.push(['Reference', ctx.reference]);
  return render({
    title: 'Temporary Access Pass NOT issued',
    rows,
    paragraphs: [ctx.detail],
  });
}

export function scheduledNote(ctx: { userPrincipalName: string; startAt: Date; issueAt: Date; timeZone: string }): PrivateNote {
  return render({
    title: `Temporary Access Pass scheduled for ${ctx.userPrincipalName}`,
    rows: [
      ['Pass valid from', `${formatInZone(ctx.startAt, ctx.timeZone)} — ${formatUtc(ctx.startAt)}`],
      ['Pass issued on', `${formatInZone(ctx.issueAt, ctx.timeZone)} — ${formatUtc(ctx.issueAt)}`],
    ],
    paragraphs: [
      'The connector will create the pass closer to the start date and add it to this ticket as another internal note. Change the start date on the ticket to reschedule.',
    ],
  });
}

export function unclearStartDateNote(ctx: { text: string; source: string; reason: 'ambiguous' | 'unparseable' }): PrivateNote {
  const why =
    ctx.reason === 'ambiguous'
      ? `"${ctx.text}" (from ${ctx.source}) could mean two different days.`
      : `"${ctx.text}" (from ${ctx.source}) is not a date the connector can read.`;
  return render({
    title: 'Temporary Access Pass waiting for a clear start date',
    rows: [],
    paragraphs: [why, 'Write the start date as YYYY-MM-DD (for example 2026-12-01); the connector looks at the ticket again when it changes.'],
  });
}

function render(doc: NoteDocument): PrivateNote {
  const labelWidth = Math.max(0, ...doc.rows.map(([l]) => l.length)) + 1;
  const text = [
    doc.title,
    '',
    ...doc.rows.map(([label, value]) => `${`${label}:`.padEnd(labelWidth + 1)}${value}`),
    ...(doc.paragraphs.length ? ['', ...doc.paragraphs] : []),
    ...(doc.steps ? ['', `${doc.steps.heading}:`, ...doc.steps.items.map((s, i) => `${i + 1}. ${s}`)] : []),
    ...(doc.footer ? ['', doc.footer] : []),
  ].join('\n');
  const html = [
    `<p><strong>${escapeHtml(doc.title)}</strong></p>`,
    // The pass in monospace (<code>), so 0/O and 1/l/I look different; the "Read out" row spells it for the phone.
    doc.rows.length
      ? `<p>${doc.rows.map(([l, v]) => `${escapeHtml(l)}: <strong>${l === PASS_LABEL ? `<code>${escapeHtml(v)}</code>` : escapeHtml(v)}</strong>`).join('<br>')}</p>`
      : '',
    ...doc.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    doc.steps ? `<p>${escapeHtml(doc.steps.heading)}:</p><ol>${doc.steps.items.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ol>` : '',
    doc.footer ? `<p><em>${escapeHtml(doc.footer)}</em></p>` : '',
  ].join('');
  return { text, html };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Onboarding poller: the ticket names no new user, or no start date (unclear dates have their own note above). */
export function onboardingDetailsMissingNote(ctx: { missingUser: boolean; missingStartDate: boolean }): PrivateNote {
  const missing = [ctx.missingUser ? 'the new user' : '', ctx.missingStartDate ? 'the start date' : ''].filter(Boolean).join(' and ');
  const lines: string[] = [];
  if (ctx.missingUser) lines.push('UPN: jane.doe@contoso.com');
  if (ctx.missingStartDate) lines.push('Start date: 2026-12-01');
  return render({
    title: 'Temporary Access Pass waiting for onboarding details',
    rows: [],
    paragraphs: [
      `This onboarding ticket does not say ${missing}, so no pass was issued.`,
      `Fill in the ticket's onboarding fields, or add a line to the summary or description such as: ${lines.join(' / ')}. The connector looks at the ticket again when it changes.`,
    ],
  });
}

/** Onboarding: the account was looked for until the pass's start and never appeared in the tenant. */
export function userNeverAppearedNote(ctx: { userPrincipalName: string; startAt: Date; timeZone: string; attempts: number }): PrivateNote {
  return render({
    title: 'Temporary Access Pass NOT issued',
    rows: [
      ['User', ctx.userPrincipalName],
      ['Reason', ERROR_CATALOGUE.USER_NOT_FOUND.title],
      ['Pass was due from', `${formatInZone(ctx.startAt, ctx.timeZone)} — ${formatUtc(ctx.startAt)}`],
      ['Attempts', String(ctx.attempts)],
      ['Code', 'USER_NOT_FOUND'],
    ],
    paragraphs: [
      `No account ${ctx.userPrincipalName} appeared in the mapped tenant before the start time, so the connector stopped trying.`,
      'Create or sync the account, then issue the pass with the ticket\'s "Issue TAP" button.',
    ],
  });
}

/** "Mon 7 Dec 2026, 08:00 (Europe/Amsterdam, UTC+01:00) — 2026-12-07 07:00 UTC" */
function when(instant: Date, zone: string): string {
  return `${formatInZone(instant, zone)} — ${formatUtc(instant)}`;
}

/** On the older ticket, when a pass issued for another ticket replaced (and so killed) its pass. */
export function passReplacedNote(ctx: { userPrincipalName: string; byTicket: string; requestedBy: string }): PrivateNote {
  return render({
    title: `Temporary Access Pass replaced for ${ctx.userPrincipalName}`,
    rows: [
      ['User', ctx.userPrincipalName],
      ['Replaced by', `the pass issued on ${ctx.byTicket}`],
      ['Requested by', ctx.requestedBy],
    ],
    paragraphs: [
      'Microsoft Entra keeps one Temporary Access Pass per user, so the pass noted on this ticket no longer works. Use the pass noted on the other ticket.',
    ],
  });
}

export interface RevokedPassSummary {
  startAt: Date;
  expiresAt: Date;
}

/** A technician revoked the ticket's passes (DELETE …/tap or the hosted page's "Revoke pass"). */
export function passRevokedNote(ctx: {
  userPrincipalNames: string[];
  passes: RevokedPassSummary[];
  droppedFrom?: Date | undefined;
  revokedBy: string;
  timeZone: string;
  /** The pass note was still waiting (the PSA could not be reached) and was discarded: nobody received the pass. */
  neverDelivered?: boolean | undefined;
}): PrivateNote {
  return render({
    title: `Temporary Access Pass revoked for ${ctx.userPrincipalNames.join(', ')}`,
    rows: [
      ...ctx.passes.map((p, i): [string, string] => [ctx.passes.length > 1 ? `Pass ${i + 1} was valid from` : 'Was valid from', when(p.startAt, ctx.timeZone)]),
      ...(ctx.droppedFrom ? [['Scheduled pass dropped, due from', when(ctx.droppedFrom, ctx.timeZone)] as [string, string]] : []),
      ['Revoked by', ctx.revokedBy],
    ],
    paragraphs: [
      ...(ctx.neverDelivered ? ['The pass note was never written to this ticket (the PSA had not accepted it yet) and has been discarded: nobody received the pass.'] : []),
      'The pass no longer works. Press "Issue TAP" on this ticket to issue a new one.',
    ],
  });
}

/** What changed on an onboarding ticket after its pass was issued or scheduled, and what the connector did about it. */
export type TicketChange =
  | { kind: 'start-date'; from: string; to: string }
  | { kind: 'user'; from: string; to: string }
  /** The ticket moved to another PSA company: the pass belonged to the first company's tenant and onboarding. */
  | { kind: 'company'; from: string; to: string }
  | { kind: 'cancelled'; status: string };

function changeSentence(change: TicketChange): string {
  if (change.kind === 'start-date') return `The ticket's start date changed from ${change.from} to ${change.to}.`;
  if (change.kind === 'user') return `The ticket's new user changed from ${change.from} to ${change.to}.`;
  if (change.kind === 'company') return `The ticket moved from the company ${change.from} to ${change.to}.`;
  return `The ticket moved to the status "${change.status}": the onboarding is cancelled.`;
}

/**
 * One note for a change: what was revoked (or which schedule was dropped) and when the new pass comes. `next` is
 * undefined when nothing replaces it (cancelled, or the new user is handled by its own note).
 */
export function ticketChangedNote(ctx: {
  change: TicketChange;
  userPrincipalName: string;
  revoked: RevokedPassSummary | undefined;
  droppedSchedule: { startAt: Date; issueAt: Date } | undefined;
  next: { kind: 'scheduled'; startAt: Date; issueAt: Date; userPrincipalName: string } | undefined;
  timeZone: string;
}): PrivateNote {
  const rows: [string, string][] = [['User', ctx.userPrincipalName]];
  if (ctx.revoked) rows.push(['Revoked pass was valid from', when(ctx.revoked.startAt, ctx.timeZone)]);
  if (ctx.droppedSchedule && !ctx.revoked) rows.push(['Dropped pass, due from', when(ctx.droppedSchedule.startAt, ctx.timeZone)]);
  if (ctx.next) {
    if (ctx.next.userPrincipalName !== ctx.userPrincipalName) rows.push(['New user', ctx.next.userPrincipalName]);
    rows.push(['New pass valid from', when(ctx.next.startAt, ctx.timeZone)], ['New pass issued on', when(ctx.next.issueAt, ctx.timeZone)]);
  }
  const title =
    ctx.change.kind === 'cancelled'
      ? `Temporary Access Pass ${ctx.revoked ? 'revoked' : 'dropped'}: onboarding cancelled`
      : ctx.next
        ? `Temporary Access Pass rescheduled for ${ctx.next.userPrincipalName}`
        : `Temporary Access Pass ${ctx.revoked ? 'revoked' : 'dropped'}: ticket changed`;
  const paragraphs = [changeSentence(ctx.change)];
  if (ctx.revoked) paragraphs.push('The pass issued before no longer works.');
  if (ctx.next) paragraphs.push('The connector will create the new pass on the date above and add it to this ticket as another internal note.');
  return render({ title, rows, paragraphs });
}

/** The opening of a pass note that replaces a pass revoked because the ticket changed. */
export function replacesRevokedSentence(change: TicketChange, revoked: RevokedPassSummary, timeZone: string): string {
  return `${changeSentence(change)} The pass valid from ${formatInZone(revoked.startAt, timeZone)} was revoked; this pass replaces it.`;
}

export const STRONG_METHOD_NAMES: Record<string, string> = {
  '#microsoft.graph.microsoftauthenticatorauthenticationmethod': 'Microsoft Authenticator',
  '#microsoft.graph.fido2authenticationmethod': 'a passkey (FIDO2)',
  '#microsoft.graph.windowshelloforbusinessauthenticationmethod': 'Windows Hello for Business',
  '#microsoft.graph.softwareoathauthenticationmethod': 'a software OATH token',
};

/** The follow-up found a strong method registered after the pass started. */
export function enrolledNote(ctx: { userPrincipalName: string; method: string; at: Date | undefined; timeZone: string }): PrivateNote {
  const at = ctx.at ? ` at ${DateTime.fromJSDate(ctx.at, { zone: ctx.timeZone }).toFormat('HH:mm')} (${ctx.timeZone})` : '';
  return render({
    title: `${ctx.userPrincipalName} registered ${ctx.method}${at}`,
    rows: [
      ['User', ctx.userPrincipalName],
      ['Registered', ctx.method],
      ...(ctx.at ? [['On', when(ctx.at, ctx.timeZone)] as [string, string]] : []),
    ],
    paragraphs: ['The new starter has enrolled a strong sign-in method with the Temporary Access Pass.'],
  });
}

/** The follow-up found the pass expired, used once, or deleted, with nothing registered. */
export function notEnrolledNote(ctx: { userPrincipalName: string; reason: 'expired' | 'used' | 'deleted'; expiresAt: Date; timeZone: string }): PrivateNote {
  const title = {
    expired: `Temporary Access Pass expired: ${ctx.userPrincipalName} has not enrolled`,
    used: `Temporary Access Pass used once: ${ctx.userPrincipalName} has not enrolled`,
    deleted: `Temporary Access Pass deleted outside the connector for ${ctx.userPrincipalName}`,
  }[ctx.reason];
  const what = {
    expired: `The pass expired on ${formatInZone(ctx.expiresAt, ctx.timeZone)} and no strong sign-in method was registered with it.`,
    used: 'The one-time pass was used to sign in, but no strong sign-in method was registered with it.',
    deleted: 'The pass was deleted in Entra (or replaced by a pass created there) before the user registered a strong sign-in method.',
  }[ctx.reason];
  return render({
    title,
    rows: [['User', ctx.userPrincipalName]],
    paragraphs: [what, 'Next: press "Issue TAP" on this ticket to issue a new pass, and make sure the user adds Microsoft Authenticator or a passkey while signed in with it.'],
  });
}
