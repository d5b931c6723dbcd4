/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { runDoctor } from '../../doctor/index.js';
import { mark } from '../../doctor/report.js';
import type { Services } from '../../services.js';
import type { AdminEnv } from './context.js';
import { Layout, Notice } from './layout.js';

/**
 * "Setup check": the same read-only checks as `npm run doctor`, against the running configuration — each PSA, the
 * Entra app and every mapped tenant — one line each with ✔/✘ and, for each ✘, the fix in one sentence.
 */
export function setupCheckRoutes(services: Services) {
  const app = new Hono<AdminEnv>();
  app.get('/admin/setup', async (c) => {
    const result = await runDoctor(services.config, { logger: services.logger, mappings: services.mappings.list(), directory: services.entra });
    const failed = result.groups.flatMap((g) => g.checks).filter((check) => !check.ok).length;
    return c.html(
      <Layout title="Setup check" session={c.get('session')} section="setup">
        {result.ok ? (
          <Notice kind="ok">Everything configured works.</Notice>
        ) : (
          <Notice kind="error">{`${failed} check${failed === 1 ? '' : 's'} failed. Each one says what to change.`}</Notice>
        )}
        <p class="muted">
          Read-only: nothing is created or written. The same checks run from a shell with <code>npm run doctor</code>.
        </p>
        {result.groups.map((group, i) => (
          <section class="card" aria-labelledby={`check-${i}`}>
            <h2 id={`check-${i}`}>{group.title}</h2>
            <ul class="checks">
              {group.checks.map((check) => (
                <li class={!check.ok ? 'check failed' : check.unconfirmed ? 'check unconfirmed' : 'check ok'}>
                  <span class="mark" aria-hidden="true">
                    {mark(check)}
                  </span>
                  <span class="visually-hidden">{!check.ok ? 'Failed: ' : check.unconfirmed ? 'Not confirmed: ' : 'Passed: '}</span>
                  <strong>{check.name}</strong>: {check.detail}
                  {check.fix ? <span class="fix">{`Fix: ${check.fix}`}</span> : null}
                </li>
              ))}
            </ul>
          </section>
        ))}
        <form method="get" action="/admin/setup">
          <button type="submit">Check again</button>
        </form>
      </Layout>,
    );
  });
  return app;
}
