import { ERROR_CATALOGUE } from '../../src/errors.js';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NewIssuance } from '../../src/db/schema.js';
import { ticketUrl } from '../../src/http/admin/ticket-links.js';
import { CONTOSO, adminHarness, signedIn } from './helpers.js';

function issuance(overrides: Partial<NewIssuance>): NewIssuance {
  return {
    id: randomUUID(),
    psa: 'connectwise',
    ticketId: '5001',
    companyId: '101',
    companyName: 'Contoso Ltd',
    tenantId: CONTOSO,
    requestedBy: 'jdoe',
    trigger: 'button',
    userPrincipalName: 'new.starter@contoso.example',
    startAt: '2026-12-01T07:00:00.000Z',
    expiresAt: '2026-12-01T08:00:00.000Z',
    outcome: 'issued',
    outcomeCode: 'ISSUED',
    noteStatus: 'written',
    createdAt: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

const auditRows = (html: string) =>
  [...html.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)][0]![1]!
    .split('</tr>')
    .map((r) => r.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim())
    .filter(Boolean);

describe('audit page', () => {
  it('lists issuances newest first with who asked, a ticket link, the user, start, expiry and outcome', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    h.services.issuances.insert(issuance({ ticketId: '5001', createdAt: '2026-11-20T10:00:00.000Z' }));
    h.services.issuances.insert(issuance({ psa: 'halo', ticketId: '77', requestedBy: null, trigger: 'poller', outcome: 'refused', outcomeCode: 'USER_PRIVILEGED', startAt: null, expiresAt: null, noteStatus: 'written', createdAt: '2026-11-21T09:30:00.000Z' }));
    const client = await signedIn(h);
    await client.get('/admin/audit');
    expect(auditRows(client.lastHtml)).toEqual([
      // Unmapped (Halo 101): the default zone, UTC. Every outcome carries its sentence.
      `2026-11-21 09:30 UTC — poller #77 Contoso Ltd · HaloPSA new.starter@contoso.example — refused USER_PRIVILEGED ${ERROR_CATALOGUE.USER_PRIVILEGED.explain}`,
      // Mapped with Europe/Amsterdam: local times, UTC on hover.
      '2026-11-20 11:00 GMT+1 jdoe button #5001 Contoso Ltd · ConnectWise new.starter@contoso.example 2026-12-01 08:00 GMT+1 until 2026-12-01 09:00 GMT+1 issued ISSUED note written The pass was created in the tenant; its note carries it to the ticket. The note is on the ticket.',
    ]);
    expect(client.lastHtml).toContain('<time datetime="2026-11-20T10:00:00.000Z" title="2026-11-20 10:00 UTC"><span class="nowrap">2026-11-20</span> <span class="nowrap">11:00 GMT+1</span></time>');
    expect(client.lastHtml).toContain('href="https://na.myconnectwise.net/v4_6_release/services/system_io/Service/fv_sr100_request.rails?service_recid=5001"');
    expect(client.lastHtml).toContain('href="https://halo.example.test/ticket?id=77"');
  });

  it('filters by company, user, outcome and date, and pages', async () => {
    const h = await adminHarness();
    h.map('connectwise', '101', { tenantId: CONTOSO, companyName: 'Contoso Ltd' });
    for (let i = 0; i < 60; i += 1) {
      h.services.issuances.insert(issuance({ ticketId: String(6000 + i), userPrincipalName: `user${i}@contoso.example`, createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString() }));
    }
    h.services.issuances.insert(issuance({ companyId: '999', companyName: 'Other', ticketId: '1', userPrincipalName: 'x@other.example', outcome: 'failed', outcomeCode: 'UPSTREAM_UNAVAILABLE', createdAt: '2026-11-05T12:00:00.000Z' }));
    const client = await signedIn(h);
    await client.get('/admin/audit');
    expect(auditRows(client.lastHtml)).toHaveLength(50);
    expect(client.lastHtml).toContain('Page 1 of 2 (61 in all)');
    await client.get('/admin/audit?company=connectwise:101');
    expect(client.lastHtml).toContain('(60 in all)');
    await client.get('/admin/audit?user=user42');
    expect(auditRows(client.lastHtml)).toEqual([expect.stringContaining('#6042')]);
    await client.get('/admin/audit?outcome=failed');
    expect(auditRows(client.lastHtml)).toEqual([expect.stringContaining('x@other.example')]);
    await client.get('/admin/audit?from=2026-11-05&to=2026-11-05');
    expect(auditRows(client.lastHtml)).toEqual([expect.stringContaining('#1 ')]);
    await client.get('/admin/audit?from=not-a-date');
    expect(client.lastHtml).toContain('(61 in all)');
  });

  it('has nowhere to show a pass: the page renders only audit columns', async () => {
    const h = await adminHarness();
    h.services.issuances.insert(issuance({ graphMethodId: 'method-123' }));
    const client = await signedIn(h);
    await client.get('/admin/audit');
    expect(client.lastHtml).not.toContain('method-123');
    expect(client.lastHtml).not.toMatch(/temporaryAccessPass|Temporary Access Pass:/);
  });
});

describe('ticket links', () => {
  it('drops the api- prefix of the ConnectWise site and refuses odd ticket ids', async () => {
    const h = await adminHarness({ env: { CW_SITE: 'https://api-eu.myconnectwise.net' } });
    expect(ticketUrl(h.config, 'connectwise', '12')).toBe('https://eu.myconnectwise.net/v4_6_release/services/system_io/Service/fv_sr100_request.rails?service_recid=12');
    expect(ticketUrl(h.config, 'halo', '12')).toBe('https://halo.example.test/ticket?id=12');
    expect(ticketUrl(h.config, 'halo', 'javascript:alert(1)')).toBeUndefined();
    expect(ticketUrl(h.config, null, '12')).toBeUndefined();
  });
});

describe('health page', () => {
  it('shows PSA connectivity, the workers’ last cycle and the outbox backlog', async () => {
    const h = await adminHarness();
    h.psa.halo.ping = async () => {
      throw new (await import('../../src/errors.js')).AppError('PSA_ERROR', 'Halo refused the token.');
    };
    h.services.health.report('poller:connectwise', { running: true, lastSuccessAt: '2026-11-20T10:00:00.000Z', detail: { lastCycleAt: '2026-11-20T10:00:00.000Z', tickets: 3 } });
    h.services.health.report('outbox', { running: false, lastErrorAt: '2026-11-20T09:00:00.000Z', lastError: 'database is locked' });
    h.services.outbox.enqueue({ psa: 'connectwise', ticketId: '1', kind: 'info', note: { text: 'x', html: 'x' }, deadlineAt: new Date(Date.now() + 3_600_000) });
    const client = await signedIn(h);
    await client.get('/admin/health');
    const text = client.lastHtml.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('ConnectWise : Connected');
    expect(text).toContain('HaloPSA : PSA error: Halo refused the token.');
    expect(text).toContain('poller:connectwise yes 2026-11-20 10:00 UTC — lastCycleAt: 2026-11-20 10:00 UTC tickets: 3');
    expect(text).toContain('outbox no — 2026-11-20 09:00 UTC database is locked');
    expect(text).toContain('1 note is waiting to be written to a ticket.');
  });
});
