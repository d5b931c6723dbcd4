import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { CONTOSO, adminHarness, signedIn } from './helpers.js';

/** The admin connection test reads the role endpoints, so missing consent for the privileged check shows there (issue 10). */

const RULES = { time_zone: 'Europe/Amsterdam', activation_hour: '8', default_lifetime_minutes: '', usable_once: 'true', enabled: 'true' };
const roleReads = (html: string) => /data-testid="role-reads">([\s\S]*?)<\/dd>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '').trim();

describe('connection test: directory role reads', () => {
  it('reads the role endpoints and says they are readable', async () => {
    const h = await adminHarness();
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    await client.post('/admin/companies/connectwise/101', { tenant: 'contoso.example', ...RULES });
    expect(h.entra.calls).toContain(`checkRoleReads ${CONTOSO}`);
    expect(roleReads(client.lastHtml)).toBe('Readable · role assignments and PIM eligibility');
    expect(client.lastHtml).toContain('the Temporary Access Pass method is enabled');
  });

  it('shows missing consent for RoleManagement.Read.Directory, and that every pass would be refused', async () => {
    const h = await adminHarness();
    h.entra.checkRoleReads = async (tenantId) => {
      throw new AppError('ENTRA_ACCESS_DENIED', `The connector's app may not read directory role assignments in tenant ${tenantId}: grant admin consent for RoleManagement.Read.Directory there (or the matching GDAP role).`);
    };
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    await client.post('/admin/companies/connectwise/101', { tenant: 'contoso.example', ...RULES });
    expect(roleReads(client.lastHtml)).toMatch(/RoleManagement\.Read\.Directory.*Without these reads every pass is refused\./);
    expect(client.lastHtml).not.toContain('the Temporary Access Pass method is enabled');
  });

  it('says when the tenant has no Entra ID P2, so no eligibility is checked', async () => {
    const h = await adminHarness();
    h.entra.checkRoleReads = async () => ({ eligibility: 'unlicensed' });
    const client = await signedIn(h);
    await client.get('/admin/companies/connectwise/101');
    await client.post('/admin/companies/connectwise/101', { tenant: 'contoso.example', ...RULES });
    expect(roleReads(client.lastHtml)).toContain('no Entra ID P2 here, so no PIM eligibility to check');
  });
});
