import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSeed, TENANT_IDS, type SandboxSeed } from '../../src/sandbox/index.js';
import {
  connectWiseInternalNotes,
  killAllConnectors,
  passInHtml,
  passInText,
  startConnectorProcess,
  startWorld,
  waitFor,
  type ConnectorProcess,
  type World,
} from './harness.js';

/**
 * The unattended path, end to end: the connector process polls the simulated ConnectWise and Halo for the seeded
 * onboarding tickets (src/sandbox/seed-psa.ts) and, with the customers mapped as sandbox mode maps them (activation
 * hour 8 in each customer's zone), issues the ones starting soon, schedules the one weeks ahead, asks for a clear date
 * where the ticket's date could mean two days, and refuses the administrator.
 */

// Fixed for the whole file: the seed's start dates are "1, 2 and 21 days after now" in each customer's zone.
const NOW = new Date();

let world: World;
let connector: ConnectorProcess;

/** Onboarding tickets per PSA, by what the seed says about them (the last ones are added by seedWithEdgeCases). */
const CW = { bram: 48101, grace: 48102, femke: 48103, henry: 48104, erik: 48105, oliver: 48106, pat: 48107, daanDstDay: 48121 };
const HALO = { lars: 2001, mia: 2002, noor: 2003, noah: 2004, laura: 2005, rachel: 2006, jo: 2007 };

/** The next day (after NOW) on which `zone`'s clocks change: its noon has another UTC offset than the day before's. */
function nextOffsetChangeDay(zone: string): string {
  const noon = (days: number) => DateTime.fromJSDate(NOW).setZone(zone).plus({ days }).set({ hour: 12, minute: 0 });
  for (let d = 1; d < 400; d += 1) if (noon(d).offset !== noon(d - 1).offset) return noon(d).toISODate()!;
  throw new Error(`${zone} has no offset change within a year`);
}
const DST_DAY = nextOffsetChangeDay('Europe/Amsterdam');

/**
 * The default world plus a Contoso starter whose first day is the day Amsterdam's clocks next change (at 02:00/03:00,
 * so 08:00 is already in the new offset).
 */
function seedWithEdgeCases(): SandboxSeed {
  const seed = defaultSeed({ now: NOW });
  const contoso = seed.entra.tenants.find((t) => t.id === TENANT_IDS.contoso)!;
  const bramUser = contoso.users.find((u) => u.userPrincipalName === 'bram.devries@contoso.example')!;
  contoso.users.push({ ...bramUser, id: '0d5e6a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b', userPrincipalName: 'daan.dst@contoso.example', mail: 'daan.dst@contoso.example', displayName: 'Daan Dst' });
  const bram = seed.connectwise.tickets.find((t) => t.id === CW.bram)!;
  seed.connectwise.tickets.push({ ...bram, id: CW.daanDstDay, summary: 'New starter: Daan', customFields: { 'New user UPN': 'daan.dst@contoso.example', 'Start date': DST_DAY } });
  return seed;
}

const cwNotes = (ticketId: number) => connectWiseInternalNotes(world.sandbox, ticketId).map((n) => n.text);
const haloNotes = (ticketId: number) => world.sandbox.halo.state.actions(ticketId).map((a) => a.note_html);

/** The seeded start date of a ticket (the "Start date" custom field). */
function seededStartDate(psa: 'connectwise' | 'halo', ticketId: number): string {
  const date =
    psa === 'connectwise'
      ? world.sandbox.seed.connectwise.tickets.find((t) => t.id === ticketId)?.customFields?.['Start date']
      : world.sandbox.seed.halo.tickets.find((t) => t.id === ticketId)?.customFields?.CFStartDate;
  if (!date) throw new Error(`the seed has no start date for ${psa} ticket ${ticketId}`);
  return date;
}

/** 08:00 on that calendar date in that zone, as the UTC instant Graph should be given. */
const eightOClock = (date: string, zone: string) => DateTime.fromISO(`${date}T08:00:00`, { zone }).toUTC().toJSDate().toISOString();

beforeAll(async () => {
  world = await startWorld({ seed: seedWithEdgeCases() });
  // Mapped before the first poll, exactly as sandbox mode does (Contoso, Fabrikam, Northwind; hour 8 in their zones).
  world.seedMappings();
  connector = await startConnectorProcess(world.env({ polling: true }));
  // Every listed onboarding ticket gets exactly one note from the first cycle that sees it.
  await waitFor(
    () => Object.values(CW).every((id) => cwNotes(id).length > 0) && Object.values(HALO).every((id) => haloNotes(id).length > 0),
    {
      timeoutMs: 25_000,
      what: () =>
        `a note on every onboarding ticket; CW: ${JSON.stringify(Object.fromEntries(Object.entries(CW).map(([k, id]) => [k, cwNotes(id).length])))}, ` +
        `Halo: ${JSON.stringify(Object.fromEntries(Object.entries(HALO).map(([k, id]) => [k, haloNotes(id).length])))}\n${connector.output().slice(-4000)}`,
    },
  );
}, 45_000);

afterAll(async () => {
  await killAllConnectors();
  await world?.close();
});

describe('the onboarding poller, connector in its own process', () => {
  it.each([
    ['connectwise', CW.bram, 'bram.devries@contoso.example', TENANT_IDS.contoso, 'Europe/Amsterdam'],
    ['connectwise', CW.grace, 'grace.miller@fabrikam.example', TENANT_IDS.fabrikam, 'America/New_York'],
    ['halo', HALO.lars, 'lars.mulder@contoso.example', TENANT_IDS.contoso, 'Europe/Amsterdam'],
    ['halo', HALO.mia, 'mia.chen@fabrikam.example', TENANT_IDS.fabrikam, 'America/New_York'],
  ] as const)('%s ticket %i: issues the pass for %s starting 08:00 local on the start date', (psa, ticketId, upn, tenantId, zone) => {
    const tap = world.sandbox.entra.state.tap(tenantId, upn);
    expect(tap, `Graph holds a TAP for ${upn}`).toBeDefined();
    expect(tap!.startDateTime).toBe(eightOClock(seededStartDate(psa, ticketId), zone));

    const notes = psa === 'connectwise' ? cwNotes(ticketId) : haloNotes(ticketId);
    expect(notes).toHaveLength(1);
    expect(psa === 'connectwise' ? passInText(notes[0]!) : passInHtml(notes[0]!)).toBe(tap!.temporaryAccessPass);
    expect(notes[0]).toContain(DateTime.fromISO(tap!.startDateTime).toUTC().toFormat('yyyy-MM-dd HH:mm') + ' UTC');
    expect(connector.output()).not.toContain(tap!.temporaryAccessPass);
  });

  it(`starts the pass at 08:00 Amsterdam time on ${DST_DAY}, the day the clocks change`, () => {
    const expected = DateTime.fromISO(eightOClock(DST_DAY, 'Europe/Amsterdam')).toUTC();
    // The offset changed: 08:00 local is another UTC hour than it is today.
    expect(expected.hour).not.toBe(DateTime.fromJSDate(NOW).setZone('Europe/Amsterdam').set({ hour: 8 }).toUTC().hour);
    const notes = cwNotes(CW.daanDstDay);
    expect(notes).toHaveLength(1);
    // Scheduled (or issued, when the change is less than ISSUE_LEAD_DAYS away): either note names the pass's start.
    expect(notes[0]).toContain(`${expected.toFormat('yyyy-MM-dd HH:mm')} UTC`);
    const tap = world.sandbox.entra.state.tap(TENANT_IDS.contoso, 'daan.dst@contoso.example');
    if (tap) expect(tap.startDateTime).toBe(expected.toJSDate().toISOString());
  });

  it('moves the issued tickets to the done status with their note', () => {
    expect(world.sandbox.connectwise.state.ticketJson(CW.bram)).toMatchObject({ status: { name: 'TAP Issued' } });
    expect(world.sandbox.halo.state.actions(HALO.lars)[0]!.new_status).toBe(21);
  });

  it.each([
    ['connectwise', CW.femke, 'femke.bakker@contoso.example'],
    ['halo', HALO.noor, 'noor.elamrani@contoso.example'],
  ] as const)('%s ticket %i: schedules the pass for %s three weeks ahead and issues nothing yet', (psa, ticketId, upn) => {
    expect(world.sandbox.entra.state.tap(TENANT_IDS.contoso, upn)).toBeUndefined();
    const notes = psa === 'connectwise' ? cwNotes(ticketId) : haloNotes(ticketId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(`Temporary Access Pass scheduled for ${upn}`);
    const start = DateTime.fromISO(eightOClock(seededStartDate(psa, ticketId), 'Europe/Amsterdam')).toUTC();
    expect(notes[0]).toContain(`${start.toFormat('yyyy-MM-dd HH:mm')} UTC`);
    expect(notes[0]).not.toMatch(/Pass:/);
  });

  it.each([
    ['connectwise', CW.henry, 'henry.ortiz@fabrikam.example', 'the seeded "Start date: 03/04/27", a two-digit year'],
    ['halo', HALO.noah, 'noah.brooks@fabrikam.example', 'the seeded "Start date: 03/04/27", a two-digit year'],
  ] as const)('%s ticket %i: asks for a clear start date and issues nothing for %s (%s)', (psa, ticketId, upn, _text) => {
    const notes = psa === 'connectwise' ? cwNotes(ticketId) : haloNotes(ticketId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('Temporary Access Pass waiting for a clear start date');
    expect(notes[0]).toContain('YYYY-MM-DD');
    expect(world.sandbox.entra.state.tap(TENANT_IDS.fabrikam, upn)).toBeUndefined();
  });

  it.each([
    ['connectwise', CW.erik, 'erik.admin@contoso.example', TENANT_IDS.contoso],
    ['halo', HALO.laura, 'laura.admin@fabrikam.example', TENANT_IDS.fabrikam],
  ] as const)('%s ticket %i: refuses %s, who holds a directory role, with a note saying why', (psa, ticketId, upn, tenantId) => {
    const notes = psa === 'connectwise' ? cwNotes(ticketId) : haloNotes(ticketId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('Temporary Access Pass NOT issued');
    expect(notes[0]).toContain('USER_PRIVILEGED');
    expect(world.sandbox.entra.state.tap(tenantId, upn)).toBeUndefined();
  });

  it('refuses the tenant whose policy disables TAP and the unmapped company, each with a note', () => {
    expect(cwNotes(CW.oliver)[0]).toContain('POLICY_DISABLED');
    expect(haloNotes(HALO.rachel)[0]).toContain('POLICY_DISABLED');
    expect(cwNotes(CW.pat)[0]).toContain('COMPANY_NOT_MAPPED');
    expect(haloNotes(HALO.jo)[0]).toContain('COMPANY_NOT_MAPPED');
  });

  it('later cycles re-read the tickets and add neither a pass nor a note', async () => {
    const created = world.sandbox.entra.state.tapsCreated.length;
    const noteCount = () => Object.values(CW).reduce((n, id) => n + cwNotes(id).length, 0) + Object.values(HALO).reduce((n, id) => n + haloNotes(id).length, 0);
    const notes = noteCount();
    const cycles = (psa: 'connectwise' | 'halo') =>
      psa === 'connectwise'
        ? world.sandbox.connectwise.faults.requests({ method: 'GET', path: /\/service\/tickets$/ }).length
        : world.sandbox.halo.faults.requests({ method: 'GET', path: /\/api\/Tickets$/i }).length;
    const seen = { connectwise: cycles('connectwise'), halo: cycles('halo') };
    // Two more polls of each PSA (POLL_INTERVAL_SECONDS=1).
    await waitFor(() => cycles('connectwise') >= seen.connectwise + 2 && cycles('halo') >= seen.halo + 2, { timeoutMs: 8_000, what: 'two more poll cycles per PSA' });
    expect(world.sandbox.entra.state.tapsCreated).toHaveLength(created);
    expect(noteCount()).toBe(notes);
  });
});
