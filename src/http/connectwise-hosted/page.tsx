/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import { HOSTED_PAGE_SCRIPT } from './page-script.js';

/**
 * The markup of the ConnectWise Hosted API page. Everything it shows after load is filled in by its one script with
 * `textContent` (ticket text comes from customers and is never parsed as HTML). Ids and labels are stable: a browser test
 * drives the page by them (#tap-issue, #tap-reissue, #tap-revoke, #tap-result, #tap-revoke-result, #tap-error, data-state
 * on #tap-app).
 */

/**
 * A frame-ancestors source this page will accept: an http(s) origin, optionally with a leading `*.` subdomain
 * wildcard. Anything else (a path, a `;` that would start a new directive) is dropped rather than written into the CSP.
 */
const FRAME_SOURCE = /^https?:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/i;

export function frameAncestorSources(configured: readonly string[]): string[] {
  return [...new Set(configured.map((s) => s.trim().replace(/\/+$/, '')).filter((s) => FRAME_SOURCE.test(s)))];
}

/**
 * The page's CSP: nothing but its own nonce'd script and style, calls back to its own origin, and framing only by the
 * ConnectWise origins (no ancestors configured means no framing at all).
 */
export function hostedPageCsp(nonce: string, frameSources: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameSources.length ? frameSources.join(' ') : "'none'"}`,
  ].join('; ');
}

const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; padding: 12px 16px; color: #1f2933; }
  h1 { font-size: 16px; margin: 0 0 8px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 8px 0 12px; }
  dt { font-weight: 600; }
  dd { margin: 0; overflow-wrap: anywhere; }
  #tap-mapping[data-status="not_mapped"], #tap-mapping[data-status="disabled"] { color: #9a3412; }
  #tap-error { color: #b91c1c; font-weight: 600; }
  #tap-issue, #tap-revoke { font: inherit; padding: 6px 16px; margin-left: 12px; }
  #tap-revoke-result { border-left: 4px solid #9a3412; padding: 4px 12px; margin-top: 12px; }
  #tap-result { border-left: 4px solid #15803d; padding: 4px 12px; margin-top: 12px; }
  #tap-result[data-status="already_issued"] { border-color: #b45309; }
  [hidden] { display: none !important; }
`;

export interface HostedPageProps {
  nonce: string;
  /** Undefined when the URL carried no usable ticket id; the page then says how it must be opened. */
  ticketId: string | undefined;
  frameOrigins: readonly string[];
}

export function HostedPage({ nonce, ticketId, frameOrigins }: HostedPageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{ticketId ? `Issue TAP · ticket #${ticketId}` : 'Issue TAP'}</title>
        <style nonce={nonce}>{raw(STYLE)}</style>
      </head>
      <body>
        <main
          id="tap-app"
          data-state="loading"
          data-ticket-id={ticketId ?? ''}
          data-frame-origins={JSON.stringify(frameOrigins)}
          data-session-path="hosted/session"
          data-tap-path="hosted/tap"
          data-action-path="hosted/action"
          data-revoke-path="hosted/revoke"
        >
          <h1>Temporary Access Pass</h1>
          <p id="tap-status" role="status" aria-live="polite">
            Loading…
          </p>
          <p id="tap-error" role="alert" hidden></p>
          <noscript>This page needs JavaScript, and must be opened from a ConnectWise service ticket.</noscript>
          <section id="tap-preview" aria-label="Ticket" hidden>
            <dl>
              <dt>Ticket</dt>
              <dd id="tap-ticket"></dd>
              <dt>Company</dt>
              <dd>
                <span id="tap-company"></span>
                <br />
                <small id="tap-mapping"></small>
              </dd>
              <dt>User</dt>
              <dd id="tap-user"></dd>
              <dt>Start date</dt>
              <dd id="tap-start-date"></dd>
            </dl>
            <label for="tap-reissue">
              <input type="checkbox" id="tap-reissue" name="reissue" /> Replace existing pass
            </label>
            <button type="button" id="tap-issue">
              Issue TAP
            </button>
            <button type="button" id="tap-revoke">
              Revoke pass
            </button>
          </section>
          <p id="tap-revoke-result" role="status" hidden></p>
          <section id="tap-result" aria-live="polite" hidden>
            <h2 id="tap-result-heading"></h2>
            <dl>
              <dt>User</dt>
              <dd id="tap-result-user"></dd>
              <dt>Valid from</dt>
              <dd id="tap-result-start"></dd>
              <dt>Valid until</dt>
              <dd id="tap-result-expires"></dd>
              <dt>Use</dt>
              <dd id="tap-result-usage"></dd>
              <dt>Note</dt>
              <dd id="tap-result-note"></dd>
            </dl>
          </section>
        </main>
        <script nonce={nonce}>{raw(HOSTED_PAGE_SCRIPT)}</script>
      </body>
    </html>
  );
}
