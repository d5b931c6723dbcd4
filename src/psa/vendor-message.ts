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
 *    wrapped in; the vendor's own words ("is not valid for this outcome") stay;
 * 3. the same again on the message read through its escapes (HTML entities, JSON/JavaScript `\uXXXX` and `\"`-style
 *    escapes, URL `%XX`), against the sent values and secrets decoded the same way: a vendor that re-escapes what it
 *    quotes ('&' as `&amp;`, `\u0026` or `%26`) splits an echo into runs shorter than ECHO_MIN, which step 2 alone
 *    lets through. What is cut is the escaped text the decoded echo came from.
 *
 * Shorter echoes are not cut: below 8 characters the vendor's own words and the values we send (field names, numbers,
 * dates, short words of a note) meet by chance, and what must not leak is longer — a pass is at least 8 characters
 * (the policy's minimum length) and secrets are longer still. A `+` in a form-encoded quote (a space) is not decoded.
 */
export const ECHO_MIN = 8;
/** Longer messages are cut to this (scrubbed with CUT_MARGIN characters past it); a sentence of it is kept afterwards (see `clip`). */
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
  const echoes = echoSources(sources.sent);
  // Read a little past the cut, so an echo that straddles it is found whole and its part before the cut goes too.
  text = text.slice(0, MAX_MESSAGE + CUT_MARGIN);
  const ranges = echoRanges(text, echoes);
  // Step 3: the same text read through its escapes (not step 2's output: a cut made there would split a decoded echo
  // into runs too short to find); a cut there cuts the escaped text it was read from.
  const view = unescaped(text);
  if (view.text !== text) {
    const decodedSources = [...new Set([...echoes, ...sources.secrets].flatMap((s) => [s, unescaped(s).text]))].filter((s) => s.length >= ECHO_MIN);
    for (const [from, to] of echoRanges(view.text, decodedSources)) ranges.push([view.from[from]!, view.to[to - 1]!]);
  }
  return redact(text.slice(0, MAX_MESSAGE), merged(ranges, MAX_MESSAGE));
}

/** Characters read past MAX_MESSAGE (longer than any pass, which is at most 48). */
const CUT_MARGIN = 256;

/** The ranges in order, overlapping or touching ones joined, cut to `[0, limit)`. */
function merged(ranges: readonly (readonly [number, number])[], limit: number): [number, number][] {
  const out: [number, number][] = [];
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (start >= limit) break;
    const last = out.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], Math.min(end, limit));
    else out.push([start, Math.min(end, limit)]);
  }
  return out;
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const JSON_ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const ESCAPE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos|nbsp));|\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(["'\\/bfnrt]))|((?:%[0-9a-fA-F]{2})+)/g;

/**
 * The text with its escapes read (one level), and for each character of it where in `text` it came from: `from[i]`
 * is the start of the escape (or character) it was read from, `to[i]` its end. Linear in the length of the text.
 */
function unescaped(text: string): { text: string; from: number[]; to: number[] } {
  const out: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const push = (chars: string, start: number, end: number) => {
    // By UTF-16 unit, so indexes into the joined text line up (a code point beyond U+FFFF is two).
    for (let k = 0; k < chars.length; k += 1) {
      out.push(chars[k]!);
      from.push(start);
      to.push(end);
    }
  };
  let at = 0;
  for (const m of text.matchAll(ESCAPE)) {
    const start = m.index;
    for (let i = at; i < start; i += 1) push(text[i]!, i, i + 1);
    const end = start + m[0].length;
    push(readEscape(m), start, end);
    at = end;
  }
  for (let i = at; i < text.length; i += 1) push(text[i]!, i, i + 1);
  return { text: out.join(''), from, to };
}

function readEscape(m: RegExpMatchArray): string {
  const [whole, dec, hex, named, u, x, simple, percent] = m;
  const code = (n: number) => (n <= 0x10ffff ? String.fromCodePoint(n) : whole);
  if (dec !== undefined) return code(Number(dec));
  if (hex !== undefined) return code(parseInt(hex, 16));
  if (named !== undefined) return NAMED_ENTITIES[named] ?? whole;
  if (u !== undefined) return String.fromCharCode(parseInt(u, 16));
  if (x !== undefined) return String.fromCharCode(parseInt(x, 16));
  if (simple !== undefined) return JSON_ESCAPES[simple] ?? whole;
  if (percent !== undefined) {
    try {
      return decodeURIComponent(percent);
    } catch {
      // Not UTF-8: each byte as its own character.
      return percent.replace(/%([0-9a-fA-F]{2})/g, (_p, h: string) => String.fromCharCode(parseInt(h, 16)));
    }
  }
  return whole;
}

/** The text with each range (start, end; in order, not overlapping: see `merged`) replaced by `[redacted]`. */
function redact(text: string, ranges: readonly (readonly [number, number])[]): string {
  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    if (end <= at) continue;
    parts.push(text.slice(at, Math.max(at, start)), REDACTED);
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join('');
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
 * Left to right: at each position the longest run found in a source (doubling, then halving back) is a range to cut.
 * A run that occurs in a source has every prefix in it too, which is what makes the search valid.
 */
function echoRanges(text: string, sources: readonly string[]): [number, number][] {
  if (sources.length === 0) return [];
  const occurs = (needle: string) => sources.some((s) => s.includes(needle));
  const ranges: [number, number][] = [];
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
    ranges.push([i, i + good]);
    i += good;
  }
  return ranges;
}

/** A vendor's error code, kept only when it looks like one (an identifier, not a sentence that could quote us). */
export function vendorCode(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return typeof value === 'string' && /^[A-Za-z][\w.-]{0,63}$/.test(value) ? value : undefined;
}
