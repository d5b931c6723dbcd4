// English only: the package's main entry loads the parsers of every locale, which this never uses (memory, start-up).
import * as chrono from 'chrono-node/en';
import { DateTime } from 'luxon';
import { capText, htmlToText } from './html-text.js';
import type { PsaTicket } from './port.js';

/**
 * Who gets the pass and from when, read from the ticket the PSA returned (never from the caller).
 *
 * `readTicketFields` (button, hosted page): the configured custom field, else the ticket contact's e-mail; the start
 * date from its configured field.
 *
 * `readOnboardingInputs` (poller): the configured custom fields, else labelled lines in the summary, then in the
 * description (`UPN:`, `User:`, `Email:`, `Start date:`, any case). Never the ticket contact: on an onboarding ticket
 * the contact is whoever asked (HR, a manager), not the new user, so a pass for them would be a pass for the wrong
 * person.
 *
 * Ticket text is anyone's to write (web form, e-mail): only its first 64 KB is read (MAX_TICKET_TEXT), every pattern
 * here runs in linear time, and at most MAX_LABELLED_VALUES (20) labels are looked at per text (issue 11).
 */
export type DateOrder = 'DMY' | 'MDY';

export interface TicketFieldSettings {
  upnField: string | undefined;
  startDateField: string | undefined;
  /** How numeric day/month dates are read (DATE_ORDER). Without it a numeric form other than ISO is ambiguous. */
  dateOrder?: DateOrder | undefined;
}

export type StartDateReading =
  | { kind: 'none' }
  | { kind: 'date'; date: string; source: string }
  | { kind: 'unclear'; text: string; source: string; reason: 'ambiguous' | 'unparseable' };

export interface TicketInputs {
  userPrincipalName: string | undefined;
  upnSource: string | undefined;
  startDate: StartDateReading;
}

export function readTicketFields(ticket: PsaTicket, settings: TicketFieldSettings): TicketInputs {
  const fromField = settings.upnField ? ticket.customFields[settings.upnField]?.trim() : undefined;
  const upn = fromField || ticket.contactEmail?.trim() || undefined;
  const upnSource = fromField ? `field "${settings.upnField}"` : upn ? 'ticket contact e-mail' : undefined;
  return { userPrincipalName: upn, upnSource, startDate: readStartDateField(ticket, settings) };
}

export interface OnboardingInputs extends TicketInputs {
  /** True when the description was consulted (on ConnectWise one extra request, so it is read only when needed). */
  usedDescription: boolean;
}

/** The poller's reading. `loadDescription` runs only when the fields and the summary leave the UPN or the date open. */
export async function readOnboardingInputs(
  ticket: PsaTicket,
  settings: TicketFieldSettings,
  loadDescription: () => Promise<string>,
): Promise<OnboardingInputs> {
  const fieldUpn = settings.upnField ? ticket.customFields[settings.upnField]?.trim() || undefined : undefined;
  let upn = fieldUpn ? { value: fieldUpn, source: `field "${settings.upnField}"` } : undefined;
  let date = readStartDateField(ticket, settings);
  const consult = (text: string, source: string) => {
    const values = findLabelledValues(text);
    upn ??= upnFromText(values, source);
    if (date.kind === 'none') date = dateFromText(values, source, settings.dateOrder);
  };
  consult(capText(ticket.summary), 'ticket summary');
  let usedDescription = false;
  if (!upn || date.kind === 'none') {
    usedDescription = true;
    // Adapters hand over text, but a description pasted from an e-mail may still hold markup (line breaks as tags).
    consult(htmlToText(await loadDescription()), 'ticket description');
  }
  return { userPrincipalName: upn?.value, upnSource: upn?.source, startDate: date, usedDescription };
}

function readStartDateField(ticket: PsaTicket, settings: TicketFieldSettings): StartDateReading {
  const raw = settings.startDateField ? ticket.customFields[settings.startDateField]?.trim() : undefined;
  if (!raw) return { kind: 'none' };
  return toReading(raw, `field "${settings.startDateField}"`, settings.dateOrder);
}

function toReading(text: string, source: string, order: DateOrder | undefined): StartDateReading {
  const parsed = parseStartDate(text, order);
  if (parsed.kind === 'date') return { kind: 'date', date: parsed.date, source };
  // The text is quoted back in a ticket note: a few words are enough to recognise it, not a page of pasted text.
  const shown = text.length > MAX_DATE_TEXT ? `${text.slice(0, MAX_DATE_TEXT - 1)}…` : text;
  return { kind: 'unclear', text: shown, source, reason: parsed.reason };
}

// ---------------------------------------------------------------------------------------------- labelled lines

const UPN_LABELS = ['upn', 'email', 'user'] as const;
const LABEL_NAMES: Record<string, string> = { upn: 'upn', email: 'email', 'e-mail': 'email', user: 'user' };

/**
 * A label counts at the start of a line (after bullets or spaces) or after a separator (`,` `;` `|` or a spaced
 * dash, as in a one-line summary "Onboarding – Start date: …"). So "Manager email: boss@…" is not read as the new
 * user's address. A value runs to the next label or the end of its line.
 */
const LABEL = /(^[\s>*•-]*|[,;|]\s*|\s[-–—]\s+)(upn|e-?mail|user|start[\s-]?date)\s*:/gim;

interface LabelledValue {
  label: 'upn' | 'email' | 'user' | 'start date';
  rawLabel: string;
  value: string;
}

/** Enough for any real ticket; a text repeating a label thousands of times is not read past this many. */
export const MAX_LABELLED_VALUES = 20;

export function findLabelledValues(input: string): LabelledValue[] {
  const found: LabelledValue[] = [];
  const text = capText(input);
  // Only lines holding a `:` can hold a label: go from colon to colon rather than splitting 64 KB into lines.
  for (let colon = text.indexOf(':'); colon !== -1; ) {
    const lineStart = text.lastIndexOf('\n', colon) + 1;
    const newline = text.indexOf('\n', colon);
    const lineEnd = newline === -1 ? text.length : newline;
    colon = newline === -1 ? -1 : text.indexOf(':', newline);
    const line = text.slice(lineStart, text[lineEnd - 1] === '\r' ? lineEnd - 1 : lineEnd);
    const matches: RegExpExecArray[] = [];
    // One match past the limit is kept only to end the last value where the next label starts.
    for (const m of line.matchAll(LABEL)) {
      matches.push(m);
      if (found.length + matches.length > MAX_LABELLED_VALUES) break;
    }
    matches.slice(0, MAX_LABELLED_VALUES - found.length).forEach((m, i) => {
      const rawLabel = m[2]!;
      const start = m.index + m[0].length;
      const end = matches[i + 1]?.index ?? line.length;
      const value = trimEnd(line.slice(start, end).trim(), VALUE_TAIL);
      const key = rawLabel.toLowerCase().replace(/\s+/g, ' ');
      const label = key.startsWith('start') ? 'start date' : (LABEL_NAMES[key] as LabelledValue['label']);
      found.push({ label, rawLabel, value });
    });
    if (found.length >= MAX_LABELLED_VALUES) break;
  }
  return found;
}

/** Separators and stops that end a value (`Start date: 1 Dec 2026.`), not part of it. */
const VALUE_TAIL = /[\s,;|.]/;

/**
 * `text` without the characters matching `tail` at its end. A loop, because `/[…]+$/` is quadratic on a long run of
 * them followed by anything else (the engine tries the run again from each of its characters).
 */
function trimEnd(text: string, tail: RegExp): string {
  let end = text.length;
  while (end > 0 && tail.test(text[end - 1]!)) end -= 1;
  return text.slice(0, end);
}

/** An e-mail-like address; run only from where a match can start (see findAddress). */
const ADDRESS = /[^\s@<>()[\],;:"']+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/y;
const NOT_LOCAL = /[\s@<>()[\],;:"']/;

/**
 * The first address in `text`. An unanchored search is quadratic on a long run of address characters without an `@`
 * (the engine starts again at every character); instead each `@` is visited once, its local part walked back, and
 * the pattern tried only from there — the same leftmost match, in linear time.
 */
function findAddress(text: string): string | undefined {
  let searchedTo = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    let start = at;
    while (start > searchedTo && !NOT_LOCAL.test(text[start - 1]!)) start -= 1;
    searchedTo = at + 1;
    if (start === at) continue;
    ADDRESS.lastIndex = start;
    const match = ADDRESS.exec(text);
    if (match) return match[0];
  }
  return undefined;
}

/** `UPN:` beats `Email:` beats `User:` (a UPN can differ from the mail address); the value must hold an address. */
function upnFromText(values: readonly LabelledValue[], source: string): { value: string; source: string } | undefined {
  for (const label of UPN_LABELS) {
    for (const v of values) {
      const address = v.label === label ? findAddress(v.value) : undefined;
      if (address) return { value: address, source: `"${v.rawLabel}:" in the ${source}` };
    }
  }
  return undefined;
}

/** The first `Start date:` line decides; a second one naming another day makes the reading ambiguous. */
function dateFromText(all: readonly LabelledValue[], source: string, order: DateOrder | undefined): StartDateReading {
  const values = all.filter((v) => v.label === 'start date' && v.value);
  const first = values[0];
  if (!first) return { kind: 'none' };
  const where = `"${first.rawLabel}:" in the ${source}`;
  const reading = toReading(first.value, where, order);
  if (reading.kind !== 'date') return reading;
  // The same text repeated is read once (chrono is the costly part of a reading).
  const seen = new Set([first.value]);
  const differs = values.slice(1).some((v) => {
    if (seen.has(v.value)) return false;
    seen.add(v.value);
    const p = parseStartDate(v.value, order);
    return p.kind !== 'date' || p.date !== reading.date;
  });
  if (differs) return { kind: 'unclear', text: values.map((v) => v.value).join(' / '), source: where, reason: 'ambiguous' };
  return reading;
}

// ---------------------------------------------------------------------------------------------- dates

export type DateReading = { kind: 'date'; date: string } | { kind: 'unclear'; reason: 'ambiguous' | 'unparseable' };

/**
 * A start date as a calendar date (YYYY-MM-DD), or why not. The rule — a date is never guessed:
 *
 * - ISO `2026-12-01` is read as written. An ISO date-time (`2026-12-07T00:00:00Z`, how a ConnectWise Date field
 *   arrives) keeps its date part as written: it is a calendar date, never shifted through a time zone.
 * - Year first with `/` or `.` (`2026/12/01`) is year-month-day: no day/month convention writes the year first.
 * - Day and month as numbers with a four-digit year (`03/04/2027`, `3.4.2027`, `3-4-2027`) are read in DATE_ORDER:
 *   under DMY 3 April, under MDY 4 March — both parts ≤ 12 is fine, the configured order is what settles it. A form
 *   that is not a real date in that order (`03/13/2027` under DMY) is unparseable, not silently read the other way.
 *   Without a configured order every such form is ambiguous.
 * - A two-digit year (`03/04/27`) is ambiguous: its century and which part is the year are both guesses.
 * - A month name in English: `1 December 2026`, `Dec 1, 2026`, `1st Dec 2026`, `Tue 1 Dec 2026`. The year is
 *   required (a missing year is a guess); a weekday that does not fall on that date, two dates, or a range is ambiguous.
 * - Anything else (`tomorrow`, `next Monday`, `31 February 2027`, `1 Dezember 2026`) is unparseable.
 *
 * Calendar validity is luxon's (and chrono's) business, never this module's.
 */
/** "Tuesday, 1st of December 2026" is 31 characters. */
const MAX_DATE_TEXT = 100;

export function parseStartDate(input: string, order: DateOrder | undefined): DateReading {
  const text = trimEnd(input.trim(), /[.,;]/).trim();
  const unparseable = { kind: 'unclear', reason: 'unparseable' } as const;
  const ambiguous = { kind: 'unclear', reason: 'ambiguous' } as const;
  // No way of writing a date needs more; longer text is not handed to the parsers below.
  if (text.length > MAX_DATE_TEXT) return unparseable;

  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text);
  if (iso) return calendarDate(+iso[1]!, +iso[2]!, +iso[3]!) ?? unparseable;

  const yearFirst = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$/.exec(text);
  if (yearFirst) return calendarDate(+yearFirst[1]!, +yearFirst[2]!, +yearFirst[3]!) ?? unparseable;

  const numeric = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$/.exec(text);
  if (numeric) {
    if (numeric[4]!.length === 2 || !order) return ambiguous;
    const [a, b, year] = [+numeric[1]!, +numeric[3]!, +numeric[4]!];
    return (order === 'DMY' ? calendarDate(year, b, a) : calendarDate(year, a, b)) ?? unparseable;
  }
  if (/^[\d\s/.-]+$/.test(text)) return unparseable;
  return monthNameDate(text) ?? unparseable;
}

function calendarDate(year: number, month: number, day: number): DateReading | undefined {
  const d = DateTime.fromObject({ year, month, day }, { zone: 'utc' });
  return d.isValid ? { kind: 'date', date: d.toISODate() } : undefined;
}

const MONTH_NAME = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?![a-z])/i;

/**
 * chrono reads the English month-name forms; it is given only text that names a month, in strict mode (so "tomorrow"
 * never reaches it), and its answer counts only when it read the whole text and was certain of day, month and year.
 */
function monthNameDate(text: string): DateReading | undefined {
  if (!MONTH_NAME.test(text)) return undefined;
  const results = chrono.strict.parse(text, new Date(0));
  if (results.length > 1) return { kind: 'unclear', reason: 'ambiguous' };
  const result = results[0];
  if (!result) return undefined;
  const rest = (text.slice(0, result.index) + text.slice(result.index + result.text.length)).replace(/[\s,.]/g, '');
  if (rest !== '') return undefined;
  if (result.end) return { kind: 'unclear', reason: 'ambiguous' };
  const start = result.start;
  if (!start.isCertain('day') || !start.isCertain('month')) return undefined;
  if (!start.isCertain('year')) return { kind: 'unclear', reason: 'ambiguous' };
  const date = calendarDate(start.get('year')!, start.get('month')!, start.get('day')!);
  if (!date || date.kind !== 'date') return undefined;
  if (start.isCertain('weekday')) {
    // luxon numbers Monday 1 … Sunday 7; chrono Sunday 0 … Saturday 6.
    if (DateTime.fromISO(date.date, { zone: 'utc' }).weekday % 7 !== start.get('weekday')) return { kind: 'unclear', reason: 'ambiguous' };
  }
  return date;
}
