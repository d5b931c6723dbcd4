import { DateTime } from 'luxon';

/**
 * The one place for time-zone arithmetic. Start dates are calendar dates in the customer's IANA zone; activation is
 * the mapping's hour on that date, converted to UTC by luxon (which knows each zone's daylight-saving rules).
 */

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(value: string): boolean {
  const m = CALENDAR_DATE.exec(value);
  if (!m) return false;
  return DateTime.fromObject({ year: +m[1]!, month: +m[2]!, day: +m[3]! }).isValid;
}

/**
 * The UTC instant of `hour`:00 local time on `date` in `zone`. On a spring-forward day an hour that does not exist
 * (02:00 in Europe/Amsterdam on the last Sunday of March) moves forward to the first valid local time, as clocks do.
 */
export function activationInstant(date: string, zone: string, hour: number): Date {
  const m = CALENDAR_DATE.exec(date);
  if (!m) throw new RangeError(`not a calendar date: ${date}`);
  const local = DateTime.fromObject({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour }, { zone });
  if (!local.isValid) throw new RangeError(`cannot place ${date} ${hour}:00 in ${zone}: ${local.invalidReason}`);
  return local.toUTC().toJSDate();
}

/** Today's calendar date in `zone`. */
export function todayIn(zone: string, now: Date): string {
  return DateTime.fromJSDate(now, { zone }).toISODate()!;
}

const LOCAL_FORMATS = new Map<string, Intl.DateTimeFormat | null>();

/** One en-GB formatter per zone for formatInZone (null: a zone Intl does not know). */
function localFormat(zone: string): Intl.DateTimeFormat | null {
  let format = LOCAL_FORMATS.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    } catch {
      format = null;
    }
    LOCAL_FORMATS.set(zone, format);
  }
  return format;
}

const MONTHS = new Map(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [m, i]));

/**
 * "Mon 7 Dec 2026, 08:00 (Europe/Amsterdam, UTC+01:00)" — unambiguous for a technician reading the note. The words are
 * luxon's "ccc d LLL yyyy, HH:mm" in en-GB and its ZZ offset (test/tap/format-in-zone.test.ts compares them), read
 * from one Intl formatter per zone: luxon took ~0.2 ms a call, twice in every pass note.
 */
export function formatInZone(instant: Date, zone: string): string {
  const format = localFormat(zone);
  const parts = format ? Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value])) : undefined;
  const month = parts?.month !== undefined ? MONTHS.get(parts.month.slice(0, 3)) : undefined;
  if (!parts || month === undefined) {
    const local = DateTime.fromJSDate(instant, { zone });
    return `${local.toFormat('ccc d LLL yyyy, HH:mm', { locale: 'en-GB' })} (${zone}, UTC${local.toFormat('ZZ')})`;
  }
  // The zone's offset, as luxon finds it: the local wall time read as if it were UTC, minus the instant.
  const wall = Date.UTC(Number(parts.year), month, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offset = Math.round((wall - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const abs = Math.abs(offset);
  const utc = `${offset >= 0 ? '+' : '-'}${String(Math.trunc(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}, ${parts.hour}:${parts.minute} (${zone}, UTC${utc})`;
}

/** An ISO instant (as stored, `toISOString()`) in `zone`: luxon's ISO parser costs five times Date.parse. */
export function instantInZone(iso: string, zone: string): DateTime {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? DateTime.fromMillis(ms, { zone }) : DateTime.fromISO(iso, { zone });
}

const ZONE_NAME_FORMATS = new Map<string, Intl.DateTimeFormat>();

/**
 * The zone's short name at that instant ("CET", "GMT+1"): what luxon's `ZZZZ` (en-US) gives, from one Intl formatter
 * per zone instead of a new one per call (~0.1 ms each, on every button answer).
 */
export function zoneAbbreviation(local: DateTime): string {
  const zone = local.zoneName;
  if (!local.isValid || !zone) return local.toFormat('ZZZZ', { locale: 'en-US' });
  let format = ZONE_NAME_FORMATS.get(zone);
  if (!format) {
    // The options luxon's IANAZone.offsetName passes to Intl.
    format = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZone: zone });
    ZONE_NAME_FORMATS.set(zone, format);
  }
  return format.formatToParts(local.toMillis()).find((part) => part.type.toLowerCase() === 'timezonename')?.value ?? local.toFormat('ZZZZ', { locale: 'en-US' });
}

/** "2026-12-07 07:00 UTC" */
export function formatUtc(instant: Date): string {
  return `${DateTime.fromJSDate(instant, { zone: 'utc' }).toFormat('yyyy-MM-dd HH:mm')} UTC`;
}

export function addMinutes(instant: Date, minutes: number): Date {
  return new Date(instant.getTime() + minutes * 60_000);
}
