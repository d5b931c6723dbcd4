import { htmlToText } from './html-text.js';

/**
 * A vendor's error message made safe to log and store. Vendors quote what they were sent (issue 11: Halo answered a
 * note with a 400 that quoted the note, and the pass went in clear to the log, `note_outbox.last_error` and the WAL),
 * so a message is kept only after:
 *
 * 1. every configured secret is cut out (in the forms a vendor might quote it: as is, JSON-escaped, URL-encoded);
 * 2. every run of ECHO_MIN or more characters that also occurs in what we sent is cut out — the request body (a JSON
 *    body by its string values, also without markup) and the credentials of the request. A Temporary Access Pass is at least
 *    8 characters long, so a pass quoted back whole (or any longer quote of a note) cannot survive, whatever it is
 *    wrapped in; the vendor's own words ("is not valid for this outcome") stay.
 */
export const ECHO_MIN = 8;
/** Longer messages are cut before scrubbing; a sentence of it is kept afterwards (see `clip`). */
const MAX_MESSAGE = 2_000;
const REDACTED = '[redacted]';

export interface ScrubSources {
  /** Configured secrets (client secret, private key). */
  secrets: readonly string[];
  /** What the request carried (body, authorization header). */
  sent: readonly string[];
}

export function scrubVendorMessage(message: string, sources: ScrubSources): string {
  let text = message;
  for (const secret of sources.secrets.filter((s) => s.length >= 4)) {
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])) text = text.split(form).join(REDACTED);
  }
  return cutEchoes(text.slice(0, MAX_MESSAGE), echoSources(sources.sent));
}

/**
 * The request as the vendor might quote it. A JSON body counts by its string values (decoded, JSON-escaped, and as text
 * without markup), not its keys: a vendor naming one of our fields (`[0].ticket_id: …`) quotes no secret.
 */
function echoSources(sent: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of sent) {
    if (!s) continue;
    const values = jsonStrings(s);
    if (values === undefined) {
      out.add(s);
      continue;
    }
    for (const value of values) {
      out.add(value);
      out.add(JSON.stringify(value).slice(1, -1));
      if (value.includes('<') || value.includes('&')) out.add(htmlToText(value));
    }
  }
  return [...out].filter((s) => s.length >= ECHO_MIN);
}

/** Every string value in a JSON text, or undefined when it is not JSON. */
function jsonStrings(text: string): string[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') found.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(json);
  return found;
}

/**
 * Left to right: at each position the longest run found in a source (doubling, then halving back) is replaced by
 * `[redacted]`. A run that occurs in a source has every prefix in it too, which is what makes the search valid.
 */
function cutEchoes(text: string, sources: readonly string[]): string {
  if (sources.length === 0) return text;
  const occurs = (needle: string) => sources.some((s) => s.includes(needle));
  const parts: string[] = [];
  let plainFrom = 0;
  let i = 0;
  while (i + ECHO_MIN <= text.length) {
    if (!occurs(text.slice(i, i + ECHO_MIN))) {
      i += 1;
      continue;
    }
    let good = ECHO_MIN;
    let step = ECHO_MIN;
    while (i + good < text.length && occurs(text.slice(i, Math.min(text.length, i + good + step)))) {
      good = Math.min(text.length - i, good + step);
      step *= 2;
    }
    for (step = Math.floor(step / 2); step >= 1; step = Math.floor(step / 2)) {
      if (i + good + step <= text.length && occurs(text.slice(i, i + good + step))) good += step;
    }
    parts.push(text.slice(plainFrom, i), REDACTED);
    i += good;
    plainFrom = i;
  }
  parts.push(text.slice(plainFrom));
  return parts.join('');
}

/** A vendor's error code, kept only when it looks like one (an identifier, not a sentence that could quote us). */
export function vendorCode(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return typeof value === 'string' && /^[A-Za-z][\w.-]{0,63}$/.test(value) ? value : undefined;
}
