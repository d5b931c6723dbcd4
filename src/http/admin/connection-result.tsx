/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { TenantMapping } from '../../db/mappings.js';
import type { ConnectionTest } from './save-mapping.js';
import { Notice } from './layout.js';

const minutes = (m: number) => (m % 60 === 0 ? `${m} min (${m / 60} h)` : `${m} min`);

/** What the tenant told us when the connection was tested: organization, verified domains and the TAP policy. */
export const ConnectionResult: FC<{ test: ConnectionTest }> = ({ test }) => {
  const { organization: org, policy, roles } = test;
  return (
    <section class="card" aria-labelledby="test-heading">
      <h2 id="test-heading">Connection test</h2>
      {org.ok && policy.ok && roles.ok && policy.value.state === 'enabled' ? (
        <Notice kind="ok">The connector reached this tenant and the Temporary Access Pass method is enabled.</Notice>
      ) : null}
      <dl class="facts">
        <dt>Organization</dt>
        <dd>{org.ok ? org.value.displayName : <span class="bad">{org.error}</span>}</dd>
        {org.ok ? (
          <>
            <dt>Verified domains</dt>
            <dd>
              <ul class="plain">
                {org.value.verifiedDomains.map((d) => (
                  <li>
                    {d.name}
                    {d.isDefault ? <span class="tag">default</span> : null}
                    {d.isInitial ? <span class="tag">initial</span> : null}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
        <dt>TAP policy</dt>
        {policy.ok ? (
          <dd data-testid="tap-policy">
            <span class={policy.value.state === 'enabled' ? 'good' : 'bad'}>{policy.value.state === 'enabled' ? 'Enabled' : 'Disabled'}</span>
            {` · lifetime ${minutes(policy.value.minimumLifetimeInMinutes)} – ${minutes(policy.value.maximumLifetimeInMinutes)}, default ${minutes(policy.value.defaultLifetimeInMinutes)} · ${policy.value.isUsableOnce ? 'one-time use forced' : 'one-time use optional'}`}
          </dd>
        ) : (
          <dd class="bad">{policy.error}</dd>
        )}
        <dt>Directory role check</dt>
        {roles.ok ? (
          <dd data-testid="role-reads">
            <span class="good">Readable</span>
            {roles.value.eligibility === 'readable'
              ? ' · role assignments and PIM eligibility'
              : roles.value.eligibility === 'unlicensed'
                ? ' · role assignments; no Entra ID P2 here, so no PIM eligibility to check'
                : ' · role assignments; no Entra ID P2 here, and ENTRA_PIM_UNLICENSED=refuse refuses every pass'}
          </dd>
        ) : (
          <dd class="bad" data-testid="role-reads">
            {roles.error} Without these reads every pass is refused.
          </dd>
        )}
      </dl>
      {policy.ok && policy.value.state === 'disabled' ? (
        <Notice kind="warn">Passes will be refused until the Temporary Access Pass method is enabled in this tenant (Protection → Authentication methods).</Notice>
      ) : null}
    </section>
  );
};

/** A second company on the same tenant is allowed (one customer, two PSA records) but usually a mistake. */
export const SharedTenantWarning: FC<{ others: TenantMapping[] }> = ({ others }) =>
  others.length ? (
    <Notice kind="warn">
      This tenant is also mapped to{' '}
      {others.map((m, i) => (
        <>
          {i > 0 ? ', ' : ''}
          <a href={`/admin/companies/${m.psa}/${encodeURIComponent(m.companyId)}`}>{m.companyName || m.companyId}</a>
          {` (${m.psa})`}
        </>
      ))}
      . Check that both companies really are this customer.
    </Notice>
  ) : null;
