/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { FC } from 'hono/jsx';
import { AppError, ERROR_CATALOGUE, REFUSAL_CODES, type ErrorCode } from '../errors.js';
import { ERRORS_PATH } from './problem.js';

/**
 * The pages every problem document's `type` points at: `/errors` lists the catalogue, `/errors/{code}` explains one
 * code. Generated from the error catalogue (src/errors.ts), so a new code has its page the moment it exists.
 */

const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];
const BY_SLUG = new Map(CODES.map((code) => [code.toLowerCase(), code]));

function kindOf(code: ErrorCode): string {
  if (REFUSAL_CODES.has(code)) return 'Refusal: the customer\'s state says no. The ticket gets a private note saying what to fix; nothing is retried.';
  const status = ERROR_CATALOGUE[code].status;
  if (status >= 500 || status === 429) return 'Failure: upstream trouble or a fault of the connector. No pass was issued; the attempt can be repeated.';
  return 'Request error: the request itself cannot be served as sent.';
}

const Page: FC<{ title: string; children?: unknown }> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title} · psa-tap-connector</title>
    </head>
    <body>{children}</body>
  </html>
);

export function errorPageRoutes(): Hono {
  const app = new Hono();
  app.get(ERRORS_PATH, (c) =>
    c.html(
      <Page title="Errors">
        <h1>Errors the connector answers with</h1>
        <p>
          Every error is an <code>application/problem+json</code> document whose <code>code</code> is stable and whose{' '}
          <code>type</code> links to its page here.
        </p>
        <table>
          <thead>
            <tr>
              <th>Code</th>
              <th>HTTP status</th>
              <th>Title</th>
            </tr>
          </thead>
          <tbody>
            {CODES.map((code) => (
              <tr>
                <td>
                  <a href={`${ERRORS_PATH}/${code.toLowerCase()}`}>
                    <code>{code}</code>
                  </a>
                </td>
                <td>{ERROR_CATALOGUE[code].status}</td>
                <td>{ERROR_CATALOGUE[code].title}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Page>,
    ),
  );
  app.get(`${ERRORS_PATH}/:slug`, (c) => {
    const code = BY_SLUG.get(c.req.param('slug').toLowerCase());
    if (!code) throw new AppError('NOT_FOUND');
    const entry = ERROR_CATALOGUE[code];
    return c.html(
      <Page title={entry.title}>
        <p>
          <a href={ERRORS_PATH}>All errors</a>
        </p>
        <h1>{entry.title}</h1>
        <dl>
          <dt>Code</dt>
          <dd>
            <code>{code}</code>
          </dd>
          <dt>HTTP status</dt>
          <dd>{entry.status}</dd>
          <dt>Kind</dt>
          <dd>{kindOf(code)}</dd>
        </dl>
        <h2>What to do</h2>
        <p>{entry.explain}</p>
        <p>
          The <code>detail</code> of the problem document says more about the case at hand; its <code>requestId</code>{' '}
          finds the request in the connector's log.
        </p>
      </Page>,
    );
  });
  return app;
}
