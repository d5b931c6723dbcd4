import type { PrivateNote } from '../psa/port.js';
import type { ErrorCode } from '../errors.js';
import { ERROR_CATALOGUE } from '../errors.js';
import type { IssuedPass } from './issue.js';
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

export interface PassNoteContext {
  companyName: string;
  timeZone: string;
  requestedBy: string;
  reissue: boolean;
}

export function passNote(issued: IssuedPass, ctx: PassNoteContext): PrivateNote {
  const user = issued.user.displayName ? `${issued.user.displayName} (${issued.user.userPrincipalName})` : issued.user.userPrincipalName;
  const { lifetime, usableOnce } = issued;
  const paragraphs: string[] = [];
  if (ctx.reissue) paragraphs.push('This pass replaces any pass issued to this user before; the earlier pass no longer works.');
  if (issued.startMovedToNow) paragraphs.push('The requested start date has already passed, so this pass is usable now.');
  if (lifetime.clamped) {
    paragraphs.push(
      `The lifetime was adjusted to ${lifetime.applied} minutes to fit the tenant's Temporary Access Pass policy (${lifetime.policyMinimum}–${lifetime.policyMaximum} minutes)${lifetime.requested !== undefined ? `; ${lifetime.requested} minutes were asked for` : ''}.`,
    );
  }
  if (usableOnce.forcedByPolicy) paragraphs.push("The tenant's policy makes every pass usable once, so this one is too.");
  return render({
    title: `Temporary Access Pass issued for ${user}`,
    rows: [
      ['Pass', issued.pass],
      ['Valid from', `${formatInZone(issued.startDateTime, ctx.timeZone)} — ${formatUtc(issued.startDateTime)}`],
      ['Valid until', `${formatInZone(issued.expiresDateTime, ctx.timeZone)} — ${formatUtc(issued.expiresDateTime)}`],
      ['Use', usableOnce.usableOnce ? 'one sign-in only' : 'reusable until it expires'],
      ['Lifetime', `${lifetime.applied} minutes`],
      ['Customer', ctx.companyName],
      ['Requested by', ctx.requestedBy],
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
    doc.rows.length ? `<p>${doc.rows.map(([l, v]) => `${escapeHtml(l)}: <strong>${escapeHtml(v)}</strong>`).join('<br>')}</p>` : '',
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
