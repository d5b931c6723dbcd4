/** @jsxImportSource hono/jsx */
import type { Child, FC } from 'hono/jsx';
import { DateTime } from 'luxon';
import type { AdminSession } from './sessions.js';

/**
 * Page chrome for every admin page. Everything here goes through hono/jsx, which escapes text and attribute values:
 * company and tenant names come from customers' systems and must never become markup.
 */
export const CSRF_FIELD = '_csrf';

type Section = 'companies' | 'suggestions' | 'mappings' | 'onboarding' | 'audit' | 'health' | 'setup' | 'none';

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'companies', href: '/admin/companies', label: 'Companies' },
  { section: 'suggestions', href: '/admin/suggestions', label: 'Suggestions' },
  { section: 'mappings', href: '/admin/mappings', label: 'Import / export' },
  { section: 'onboarding', href: '/admin/onboarding', label: 'Onboarding' },
  { section: 'audit', href: '/admin/audit', label: 'Audit' },
  { section: 'health', href: '/admin/health', label: 'Health' },
  { section: 'setup', href: '/admin/setup', label: 'Setup check' },
];

export const Layout: FC<{ title: string; session?: AdminSession | undefined; section?: Section; children?: Child }> = ({
  title,
  session,
  section = 'none',
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · TAP connector admin`}</title>
      {/* An empty icon: browsers would otherwise ask for /favicon.ico on every page. */}
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href="/admin/assets/admin.css" />
      <script src="/admin/assets/admin.js" defer></script>
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">TAP connector</span>
        {session ? (
          <>
            <nav aria-label="Admin sections">
              <ul>
                {NAV.map((item) => (
                  <li>
                    <a href={item.href} aria-current={item.section === section ? 'page' : undefined}>
                      {item.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            <form method="post" action="/admin/sign-out" class="sign-out">
              <CsrfInput session={session} />
              <span class="who">{session.username}</span>
              <button type="submit" class="link">
                Sign out
              </button>
            </form>
          </>
        ) : null}
      </header>
      <main id="main" tabindex={-1}>
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

export const CsrfInput: FC<{ session: AdminSession }> = ({ session }) => <input type="hidden" name={CSRF_FIELD} value={session.csrfToken} />;

/** A notice box; `role=alert` only for errors so screen readers announce them without stealing focus for the rest. */
export const Notice: FC<{ kind: 'error' | 'ok' | 'warn' | 'info'; id?: string; children?: Child }> = ({ kind, id, children }) => (
  <div class={`notice ${kind}`} id={id} role={kind === 'error' ? 'alert' : 'status'}>
    {children}
  </div>
);

const describedBy = (name: string, hint?: string, error?: string) =>
  [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ') || undefined;

const FieldMessages: FC<{ name: string; hint?: string | undefined; error?: string | undefined }> = ({ name, hint, error }) => (
  <>
    {hint ? (
      <p class="hint" id={`${name}-hint`}>
        {hint}
      </p>
    ) : null}
    {error ? (
      <p class="field-error" id={`${name}-error`}>
        {error}
      </p>
    ) : null}
  </>
);

export const TextField: FC<{
  name: string;
  label: string;
  value?: string | undefined;
  error?: string | undefined;
  hint?: string | undefined;
  type?: string;
  required?: boolean;
  autocomplete?: string;
  inputmode?: 'numeric' | 'text' | 'email';
  autofocus?: boolean;
  /** Ids of other elements describing the field (e.g. a form-level error), read with it by screen readers. */
  describedBy?: string | undefined;
}> = ({ name, label, value, error, hint, type = 'text', required, autocomplete, inputmode, autofocus, describedBy: extra }) => (
  <div class={error ? 'field invalid' : 'field'}>
    <label for={name}>{label}</label>
    <input
      id={name}
      name={name}
      type={type}
      value={value ?? ''}
      required={required}
      autocomplete={autocomplete}
      inputmode={inputmode}
      autofocus={autofocus}
      aria-invalid={error ? 'true' : undefined}
      aria-describedby={[extra, describedBy(name, hint, error)].filter(Boolean).join(' ') || undefined}
    />
    <FieldMessages name={name} hint={hint} error={error} />
  </div>
);

export const SelectField: FC<{
  name: string;
  label: string;
  value: string;
  options: { value: string; label: string }[];
  error?: string | undefined;
  hint?: string | undefined;
}> = ({ name, label, value, options, error, hint }) => (
  <div class={error ? 'field invalid' : 'field'}>
    <label for={name}>{label}</label>
    <select id={name} name={name} aria-invalid={error ? 'true' : undefined} aria-describedby={describedBy(name, hint, error)}>
      {options.map((o) => (
        <option value={o.value} selected={o.value === value}>
          {o.label}
        </option>
      ))}
    </select>
    <FieldMessages name={name} hint={hint} error={error} />
  </div>
);

export const CheckboxField: FC<{ name: string; label: string; checked: boolean; hint?: string | undefined; error?: string | undefined }> = ({
  name,
  label,
  checked,
  hint,
  error,
}) => (
  <div class={error ? 'field check invalid' : 'field check'}>
    <input id={name} name={name} type="checkbox" value="true" checked={checked} aria-describedby={describedBy(name, hint, error)} />
    <label for={name}>{label}</label>
    <FieldMessages name={name} hint={hint} error={error} />
  </div>
);

/** Previous/next links keeping the current filters. */
export const Pager: FC<{ page: number; pageSize: number; total: number; href: (page: number) => string }> = ({ page, pageSize, total, href }) => {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages <= 1) return <p class="count">{`${total} shown`}</p>;
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? <a href={href(page - 1)}>← Previous</a> : <span aria-hidden="true">← Previous</span>}
      <span>{`Page ${page} of ${pages} (${total} in all)`}</span>
      {page < pages ? <a href={href(page + 1)}>Next →</a> : <span aria-hidden="true">Next →</span>}
    </nav>
  );
};

/** Instants as "2026-12-01 07:00 UTC": unambiguous for an admin comparing rows with PSA timestamps. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** An instant as the database stores it (`toISOString()`); anything else takes luxon's slower, lenient path. */
const STORED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ZONE_FORMATS = new Map<string, Intl.DateTimeFormat | undefined>();
/** One formatter per IANA zone (what luxon's yyyy-LL-dd HH:mm ZZZZ reads from Intl); undefined for a zone Intl refuses. */
function zoneFormat(zone: string): Intl.DateTimeFormat | undefined {
  if (!ZONE_FORMATS.has(zone)) {
    let format: Intl.DateTimeFormat | undefined;
    try {
      format = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    } catch {
      format = undefined;
    }
    ZONE_FORMATS.set(zone, format);
  }
  return ZONE_FORMATS.get(zone);
}

/**
 * An instant in the customer's zone, short enough for a table cell ("2026-12-07 08:00 CET"), with the UTC instant for
 * the hover title. Falls back to UTC for a missing or unknown zone.
 */
export function localInstant(iso: string | null | undefined, zone: string | null | undefined): { text: string; date: string; time: string; utc: string } | undefined {
  if (!iso) return undefined;
  const fast = STORED_INSTANT.test(iso) ? zoneFormat(zone || 'UTC') : undefined;
  const epoch = fast ? Date.parse(iso) : Number.NaN;
  if (fast && Number.isFinite(epoch)) {
    // The audit page prints three of these per row: luxon per call cost ~0.3 ms each (a 50-row page 50 ms or more).
    const p = Object.fromEntries(fast.formatToParts(epoch).map((part) => [part.type, part.value]));
    const date = `${p.year}-${p.month}-${p.day}`;
    const time = `${p.hour}:${p.minute} ${p.timeZoneName}`;
    return { text: `${date} ${time}`, date, time, utc: formatInstant(iso) };
  }
  const at = DateTime.fromISO(iso, { zone: 'utc' });
  if (!at.isValid) return { text: iso, date: iso, time: '', utc: iso };
  const local = zone ? at.setZone(zone) : at;
  const shown = local.isValid ? local : at;
  return { text: shown.toFormat('yyyy-LL-dd HH:mm ZZZZ', { locale: 'en-US' }), date: shown.toFormat('yyyy-LL-dd'), time: shown.toFormat('HH:mm ZZZZ', { locale: 'en-US' }), utc: formatInstant(iso) };
}

/** A <time> element showing the local time, with UTC on hover; it may break between date and time, never inside either. */
export const LocalTime: FC<{ iso: string | null | undefined; zone: string | null | undefined }> = ({ iso, zone }) => {
  const t = localInstant(iso, zone);
  if (!t) return <>—</>;
  return (
    <time datetime={iso ?? undefined} title={t.utc}>
      <span class="nowrap">{t.date}</span> <span class="nowrap">{t.time}</span>
    </time>
  );
};

/** Builds a query string from the non-empty values. */
export function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
