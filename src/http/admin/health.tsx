/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import type { PsaKind } from '../../domain.js';
import { AppError } from '../../errors.js';
import type { Services } from '../../services.js';
import { PSA_LABEL } from './companies-list.js';
import type { AdminEnv } from './context.js';
import { Layout, Notice, formatInstant } from './layout.js';

/** Dead letters listed on the page (newest first); the count covers all of them. */
const DEAD_LETTERS_SHOWN = 50;

/** A health page must answer even when a PSA hangs. */
const PING_TIMEOUT_MS = 5_000;

async function ping(services: Services, psa: PsaKind): Promise<{ ok: boolean; detail: string; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      services.connectors[psa]!.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new AppError('UPSTREAM_UNAVAILABLE', `No answer within ${PING_TIMEOUT_MS / 1000} s.`)), PING_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, detail: 'Connected', ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, detail: error instanceof AppError ? `${error.title}: ${error.detail}` : 'The PSA did not answer.', ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

/** Whatever a worker reports (e.g. the poller's last cycle per PSA), as text: instants formatted, the rest as is. */
const WorkerDetail = ({ detail }: { detail: Record<string, unknown> | undefined }) => {
  const entries = Object.entries(detail ?? {});
  if (!entries.length) return <>—</>;
  const show = (v: unknown) =>
    typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? formatInstant(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  return (
    <ul class="plain small">
      {entries.map(([k, v]) => (
        <li>{`${k}: ${show(v)}`}</li>
      ))}
    </ul>
  );
};

export function healthRoutes(services: Services) {
  const app = new Hono<AdminEnv>();
  app.get('/admin/health', async (c) => {
    const psas = (Object.keys(services.connectors) as PsaKind[]).filter((k) => services.connectors[k]);
    const pings = await Promise.all(psas.map(async (psa) => ({ psa, ...(await ping(services, psa)) })));
    const workers = Object.entries(services.health.snapshot()).sort(([a], [b]) => a.localeCompare(b));
    const databaseLost = services.storage.fileProblem();
    const backlog = services.outbox.backlog();
    const deadCount = services.outbox.deadLetterCount();
    const dead = services.outbox.deadLetters(DEAD_LETTERS_SHOWN);
    return c.html(
      <Layout title="Health" session={c.get('session')} section="health">
        {databaseLost ? <Notice kind="error">{`Nothing can be saved: ${databaseLost}. Restore the data folder (or the backup) and restart the connector.`}</Notice> : null}
        <section class="card" aria-labelledby="psa-heading">
          <h2 id="psa-heading">PSA connections</h2>
          {pings.length === 0 ? <p>No PSA is configured.</p> : null}
          <ul class="plain">
            {pings.map((p) => (
              <li>
                <strong>{PSA_LABEL[p.psa]}</strong>: <span class={p.ok ? 'good' : 'bad'}>{p.detail}</span> <span class="muted">{`(${p.ms} ms)`}</span>
              </li>
            ))}
            <li>
              <strong>Microsoft Entra</strong>:{' '}
              {services.entra ? (
                <span class="good">{`configured${services.config.entra?.partnerTenantId ? ', partner tenant set' : ''}`}</span>
              ) : (
                <span class="bad">not configured</span>
              )}
            </li>
          </ul>
        </section>
        <section class="card" aria-labelledby="workers-heading">
          <h2 id="workers-heading">Background workers</h2>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Running</th>
                <th scope="col">Last success</th>
                <th scope="col">Last error</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {workers.length === 0 ? (
                <tr>
                  <td colspan={5}>No worker has reported yet.</td>
                </tr>
              ) : null}
              {workers.map(([name, w]) => (
                <tr>
                  <th scope="row">{name}</th>
                  <td class={w.running ? 'good' : 'bad'}>{w.running ? 'yes' : 'no'}</td>
                  <td>{formatInstant(w.lastSuccessAt)}</td>
                  <td>
                    {w.lastError ? (
                      <>
                        {formatInstant(w.lastErrorAt)}
                        <span class="sub bad">{w.lastError}</span>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    <WorkerDetail detail={w.detail} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section class="card" aria-labelledby="outbox-heading">
          <h2 id="outbox-heading">Note outbox</h2>
          <p>
            <strong class={backlog > 0 ? 'warn-text' : 'good'}>{backlog}</strong>
            {backlog === 1 ? ' note is' : ' notes are'} waiting to be written to a ticket.
          </p>
        </section>
        <section class="card" aria-labelledby="dead-heading">
          <h2 id="dead-heading">Notes given up</h2>
          <p>
            <strong class={deadCount > 0 ? 'warn-text' : 'good'}>{deadCount}</strong>
            {deadCount === 1 ? ' note was' : ' notes were'} given up: the PSA did not take them before their deadline. A pass
            note given up has its pass revoked; the technician must issue a new one. The notes themselves are not kept.
            {deadCount > dead.length ? ` The latest ${dead.length} are listed.` : ''}
          </p>
          {dead.length > 0 ? (
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Ticket</th>
                  <th scope="col">Note</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Given up</th>
                </tr>
              </thead>
              <tbody>
                {dead.map((d) => (
                  <tr>
                    <th scope="row">{`${PSA_LABEL[d.psa]} ticket ${d.ticketId}`}</th>
                    <td>{`${d.kind} note`}</td>
                    <td class="bad">{d.state === 'revoked' ? 'revoked' : 'given up'}</td>
                    <td>{d.attempts}</td>
                    <td class="small">{d.reason}</td>
                    <td>{formatInstant(d.gaveUpAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      </Layout>,
    );
  });
  return app;
}
