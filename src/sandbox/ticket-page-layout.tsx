/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Child, FC } from 'hono/jsx';

/**
 * Chrome for the simulated PSAs' own pages (ticket list, ticket): what a technician would see in ConnectWise or Halo,
 * so the sandbox shows what the connector did. Not part of any vendor API; served outside the API base paths.
 * Every value goes through hono/jsx, which escapes it; note HTML is shown inside a sandboxed frame (no scripts).
 */
export const REFRESH_SECONDS = 5;

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1f24; background: #f4f6f8; font-size: 15px; line-height: 1.45; }
header { background: var(--brand); color: #fff; padding: .6rem 1.25rem; display: flex; gap: 1.25rem; align-items: baseline; flex-wrap: wrap; }
header a { color: #fff; }
header .product { font-weight: 700; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
h1 { font-size: 1.4rem; margin: .25rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: .9rem 1.1rem; margin: 0 0 1rem; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.25rem; margin: 0; }
dl.fields dt { font-weight: 600; color: #57606a; }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
.entry { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; margin: 0 0 .75rem; }
.entry.private { border-left: 5px solid #8a5a00; }
.entry .meta { display: flex; flex-wrap: wrap; gap: .4rem .75rem; align-items: center; padding: .45rem .9rem; border-bottom: 1px solid #d0d7de; background: #f6f8fa; border-radius: 8px 8px 0 0; font-size: .9rem; }
.flag { display: inline-block; padding: 0 .45rem; border-radius: 999px; border: 1px solid #8c959f; font-size: .8rem; font-weight: 600; }
.flag.on { background: #fff8e5; border-color: #8a5a00; color: #6b4500; }
.flag.off { color: #57606a; }
.entry pre { margin: 0; padding: .75rem .9rem; white-space: pre-wrap; overflow-wrap: anywhere; font: .92rem/1.45 ui-monospace, "Cascadia Mono", Consolas, monospace; }
.entry iframe { display: block; width: 100%; height: 22rem; resize: vertical; border: 0; border-radius: 0 0 8px 8px; background: #fff; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #d0d7de; }
th, td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
thead th { background: #eef1f4; font-size: .9rem; }
.scroll { overflow-x: auto; }
.muted { color: #57606a; font-size: .9rem; }
.nowrap { white-space: nowrap; }
`;

export const SandboxPage: FC<{ title: string; product: string; brand: string; listHref: string; refresh?: boolean; children?: Child }> = ({
  title,
  product,
  brand,
  listHref,
  refresh = true,
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      {refresh ? <meta http-equiv="refresh" content={String(REFRESH_SECONDS)} /> : null}
      <title>{`${title} · ${product} (sandbox)`}</title>
      <link rel="icon" href="data:," />
      <style>{`:root { --brand: ${brand}; }${STYLE}`}</style>
    </head>
    <body>
      <header>
        <span class="product">{`${product} · sandbox`}</span>
        <a href={listHref}>All tickets</a>
        <span>{refresh ? `Refreshes every ${REFRESH_SECONDS} s` : ''}</span>
      </header>
      <main>
        <h1>{title}</h1>
        {children}
      </main>
    </body>
  </html>
);

/** A yes/no flag of a note or action, spelled out ("Internal: yes"). */
export const Flag: FC<{ name: string; on: boolean }> = ({ name, on }) => <span class={on ? 'flag on' : 'flag off'}>{`${name}: ${on ? 'yes' : 'no'}`}</span>;

/** Security headers for these pages: no scripts at all, framing only by itself (the note frames use srcdoc). */
export const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src data:; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** What names one simulated PSA on its pages: its product name, brand colour and ticket list. */
export interface SandboxPsa {
  product: string;
  brand: string;
  listHref: string;
}

/** A page answered with PAGE_HEADERS. */
export function sendPage(c: Context, page: Parameters<Context['html']>[0], status: 200 | 404 = 200) {
  return c.html(page, status, PAGE_HEADERS);
}

/** A ticket id from the page's query (the PSA's ticket ids are positive integers), or undefined. */
export function ticketIdFrom(raw: string): number | undefined {
  return /^\d{1,12}$/.test(raw) ? Number(raw) : undefined;
}

/** One ticket in the list: a link with its summary, the PSA's own columns, and when it last changed. */
export interface TicketListRow {
  id: number;
  href: string;
  summary: string;
  cells: string[];
  updated: string;
}

/** The ticket list, in the PSA's own words (its column names and what it counts). */
export const TicketListPage: FC<{ psa: SandboxPsa; title: string; intro: string; columns: string[]; rows: TicketListRow[] }> = ({ psa, title, intro, columns, rows }) => (
  <SandboxPage title={title} {...psa}>
    <p class="muted">{intro}</p>
    <div class="scroll">
      <table>
        <thead>
          <tr>
            {columns.map((name) => (
              <th scope="col">{name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr>
              <td>
                <a href={t.href}>{`#${t.id}`}</a> {t.summary}
              </td>
              {t.cells.map((cell) => (
                <td>{cell}</td>
              ))}
              <td class="nowrap">{t.updated}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  </SandboxPage>
);

/** The 404 page for a ticket id the simulated PSA does not have. */
export const TicketNotFoundPage: FC<{ psa: SandboxPsa; message: string }> = ({ psa, message }) => (
  <SandboxPage title="Ticket not found" {...psa} refresh={false}>
    <p>{message}</p>
  </SandboxPage>
);

/** The ticket's fields, in the order and with the labels the PSA shows them. */
export const TicketFields: FC<{ fields: { label: string; value: string; testId?: string }[] }> = ({ fields }) => (
  <section class="card" aria-label="Ticket fields">
    <dl class="fields">
      {fields.map((f) => (
        <>
          <dt>{f.label}</dt>
          <dd data-testid={f.testId}>{f.value}</dd>
        </>
      ))}
    </dl>
  </section>
);

/** One note (ConnectWise) or action (Halo): its number, time and author, then the PSA's own flags, then its body. */
export const TicketEntry: FC<{ kind: 'note' | 'action'; id: number; isPrivate: boolean; at: string; by: string; flags: Child; children?: Child }> = ({ kind, id, isPrivate, at, by, flags, children }) => (
  <article class={isPrivate ? 'entry private' : 'entry'} {...{ [`data-${kind}-id`]: String(id) }}>
    <div class="meta">
      <strong>{`#${id}`}</strong>
      <span class="nowrap">{at}</span>
      <span>{`by ${by}`}</span>
      {flags}
    </div>
    {children}
  </article>
);
