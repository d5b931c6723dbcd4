import { describe, expect, it } from 'vitest';
import type { PsaTicket } from '../../src/psa/port.js';
import { parseStartDate, readOnboardingInputs, readTicketFields, type TicketFieldSettings } from '../../src/psa/ticket-fields.js';

const ticket = (t: Partial<PsaTicket> = {}): PsaTicket => ({
  psa: 'connectwise',
  id: '1',
  summary: 'New starter',
  description: undefined,
  companyId: '10',
  companyName: 'Contoso',
  contactName: 'Pat from HR',
  contactEmail: 'hr@contoso.example',
  customFields: {},
  statusName: 'New',
  statusId: '1',
  boardOrTypeName: 'Onboarding',
  lastUpdated: '2026-11-01T00:00:00Z',
  ...t,
});

const DMY: TicketFieldSettings = { upnField: 'New user UPN', startDateField: 'Start date', dateOrder: 'DMY' };

async function read(t: Partial<PsaTicket>, description = '', settings = DMY) {
  let loads = 0;
  const inputs = await readOnboardingInputs(ticket(t), settings, async () => {
    loads += 1;
    return description;
  });
  return { ...inputs, loads };
}

describe('parseStartDate: every accepted form', () => {
  it.each([
    ['2026-12-01', '2026-12-01'],
    ['2026-12-07T00:00:00Z', '2026-12-07'],
    ['2026-12-07T00:00:00.000+00:00', '2026-12-07'],
    ['2026/12/01', '2026-12-01'],
    ['2026.12.1', '2026-12-01'],
    ['1 December 2026', '2026-12-01'],
    ['1st December 2026', '2026-12-01'],
    ['Dec 1, 2026', '2026-12-01'],
    ['December 1st, 2026', '2026-12-01'],
    ['1-Dec-2026', '2026-12-01'],
    ['Tue 1 Dec 2026', '2026-12-01'],
    ['  1 december 2026. ', '2026-12-01'],
  ])('reads %j as %s whatever the order', (text, date) => {
    expect(parseStartDate(text, 'DMY')).toEqual({ kind: 'date', date });
    expect(parseStartDate(text, 'MDY')).toEqual({ kind: 'date', date });
  });

  it.each([
    ['03/04/2027', '2027-04-03', '2027-03-04'],
    ['3.4.2027', '2027-04-03', '2027-03-04'],
    ['3-4-2027', '2027-04-03', '2027-03-04'],
    ['05/05/2027', '2027-05-05', '2027-05-05'],
  ])('reads numeric %j by DATE_ORDER (DMY %s, MDY %s)', (text, dmy, mdy) => {
    expect(parseStartDate(text, 'DMY')).toEqual({ kind: 'date', date: dmy });
    expect(parseStartDate(text, 'MDY')).toEqual({ kind: 'date', date: mdy });
  });

  it('reads a day above 12 only in the order that allows it, never by flipping', () => {
    expect(parseStartDate('25/12/2026', 'DMY')).toEqual({ kind: 'date', date: '2026-12-25' });
    expect(parseStartDate('25/12/2026', 'MDY')).toEqual({ kind: 'unclear', reason: 'unparseable' });
    expect(parseStartDate('12/25/2026', 'MDY')).toEqual({ kind: 'date', date: '2026-12-25' });
    expect(parseStartDate('12/25/2026', 'DMY')).toEqual({ kind: 'unclear', reason: 'unparseable' });
  });
});

describe('parseStartDate: never guesses', () => {
  it.each([
    ['03/04/27', 'two-digit year'],
    ['1 December', 'no year'],
    ['Monday 1 December 2026', 'weekday does not match (1 Dec 2026 is a Tuesday)'],
    ['1-5 December 2026', 'a range'],
    ['1 December 2026 or 2 December 2026', 'two dates'],
  ])('%j is ambiguous (%s)', (text) => {
    expect(parseStartDate(text, 'DMY')).toEqual({ kind: 'unclear', reason: 'ambiguous' });
  });

  it('a numeric day/month without a configured order is ambiguous', () => {
    expect(parseStartDate('03/04/2027', undefined)).toEqual({ kind: 'unclear', reason: 'ambiguous' });
    expect(parseStartDate('2026-12-01', undefined)).toEqual({ kind: 'date', date: '2026-12-01' });
  });

  it.each(['tomorrow', 'next Monday', 'asap', '31 February 2027', '2026-02-30', '1 Dezember 2026', 'Dec 2026', '31/04/2027', '2026-12'])(
    '%j is unparseable',
    (text) => {
      expect(parseStartDate(text, 'DMY')).toEqual({ kind: 'unclear', reason: 'unparseable' });
    },
  );
});

describe('readOnboardingInputs', () => {
  it('prefers the configured fields and never loads the description when they suffice', async () => {
    const r = await read({ customFields: { 'New user UPN': 'jane@contoso.example', 'Start date': '2026-12-07' }, summary: 'UPN: other@contoso.example' });
    expect(r).toMatchObject({ userPrincipalName: 'jane@contoso.example', upnSource: 'field "New user UPN"', startDate: { kind: 'date', date: '2026-12-07', source: 'field "Start date"' } });
    expect(r.loads).toBe(0);
  });

  it('reads labelled lines from the summary without loading the description', async () => {
    const r = await read({ summary: 'Onboarding – UPN: jane@contoso.example; Start date: Dec 1, 2026' });
    expect(r).toMatchObject({ userPrincipalName: 'jane@contoso.example', startDate: { kind: 'date', date: '2026-12-01' } });
    expect(r.upnSource).toBe('"UPN:" in the ticket summary');
    expect(r.loads).toBe(0);
  });

  it('falls back to the description, case-insensitively, and strips leftover HTML', async () => {
    const description = '<p>Hello team,</p><p>please set up:</p><p>user: Jane Doe &lt;x&gt;</p><p>e-mail: Jane.Doe@Contoso.example<br>START DATE: 1 December 2026</p>';
    const r = await read({}, description);
    expect(r).toMatchObject({ userPrincipalName: 'Jane.Doe@Contoso.example', startDate: { kind: 'date', date: '2026-12-01', source: '"START DATE:" in the ticket description' } });
    expect(r.loads).toBe(1);
  });

  it('takes UPN: over Email: over User:, and ignores addresses under other labels', async () => {
    const description = ['Manager email: boss@contoso.example', 'User: jane.d@contoso.example', 'Email: jane.doe@mail.example', 'UPN: jdoe@contoso.example', 'Start date: 2026-12-01'].join('\n');
    expect((await read({}, description)).userPrincipalName).toBe('jdoe@contoso.example');
    const noUpn = ['Manager email: boss@contoso.example', 'Start date: 2026-12-01'].join('\n');
    expect((await read({}, noUpn)).userPrincipalName).toBeUndefined();
  });

  it('never takes the ticket contact (the requester) as the new user', async () => {
    const r = await read({ contactEmail: 'hr@contoso.example', summary: 'Start date: 2026-12-01' });
    expect(r.userPrincipalName).toBeUndefined();
    // The button path keeps its documented fallback.
    expect(readTicketFields(ticket({ contactEmail: 'hr@contoso.example' }), DMY).userPrincipalName).toBe('hr@contoso.example');
  });

  it('reports an unclear field date instead of looking elsewhere', async () => {
    const r = await read({ customFields: { 'New user UPN': 'jane@contoso.example', 'Start date': '03/04/27' }, summary: 'Start date: 2026-12-01' });
    expect(r.startDate).toEqual({ kind: 'unclear', text: '03/04/27', source: 'field "Start date"', reason: 'ambiguous' });
  });

  it('reads numeric free-text dates by DATE_ORDER', async () => {
    const r = await read({ summary: 'UPN: jane@contoso.example, Start date: 03/04/2027' }, '', { ...DMY, dateOrder: 'MDY' });
    expect(r.startDate).toMatchObject({ kind: 'date', date: '2027-03-04' });
  });

  it('two start-date lines naming different days are ambiguous', async () => {
    const r = await read({ summary: 'UPN: jane@contoso.example' }, 'Start date: 2026-12-01\nStart date: 2026-12-08');
    expect(r.startDate).toMatchObject({ kind: 'unclear', reason: 'ambiguous' });
  });
});

describe('readTicketFields (button path) keeps working', () => {
  it('reads an ISO field date and marks other text unclear', () => {
    expect(readTicketFields(ticket({ customFields: { 'Start date': '2026-12-07' } }), { upnField: undefined, startDateField: 'Start date' }).startDate).toEqual({
      kind: 'date',
      date: '2026-12-07',
      source: 'field "Start date"',
    });
    expect(readTicketFields(ticket({ customFields: { 'Start date': 'soon' } }), { upnField: undefined, startDateField: 'Start date' }).startDate).toMatchObject({
      kind: 'unclear',
      reason: 'unparseable',
    });
  });
});
