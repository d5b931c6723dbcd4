import { DateTime } from 'luxon';
import type { ConnectWiseSeed, CwCompany, CwTicketSeed } from './connectwise/state.js';
import type { HaloClient, HaloSeed, HaloTicketSeed } from './halo/state.js';
import { randomString } from './identifiers.js';

/** Onboarding settings the seeded PSAs use; `index.ts` turns them into the connector's env variables. */
export const PSA_SETTINGS = {
  upnField: 'New user UPN',
  startDateField: 'Start date',
  cw: { board: 'Onboarding', boardId: 23, status: 'New', type: 'New Starter', doneStatus: 'TAP Issued' },
  halo: { requestTypeId: 24, statusId: 1, doneStatusId: 21, noteOutcomeId: 7 },
} as const;

/** Named PSA ids; the filler companies/clients that make paging matter are numbered after these. */
export const CW_COMPANY_IDS = { contoso: 250, fabrikam: 251, northwind: 252, adventureWorks: 253, wideWorld: 254 } as const;
export const HALO_CLIENT_IDS = { contoso: 12, fabrikam: 13, northwind: 14, adventureWorks: 15, wideWorld: 16 } as const;

const NAMED = ['Contoso Ltd', 'Fabrikam Inc', 'Northwind Traders', 'Adventure Works', 'Wide World Importers'];
const A = ['Alpine', 'Blue', 'Coho', 'Datum', 'Fourth', 'Graphic', 'Humongous', 'Lamna', 'Litware', 'Lucerne', 'Margie', 'Proseware', 'Relecloud', 'Southridge', 'Tailwind', 'Trey', 'Woodgrove', 'Bellows', 'Consolidated', 'Wingtip', 'Munson', 'Fincher', 'Nod', 'Olympia'];
const B = ['Ski House', 'Yonder Airlines', 'Winery', 'Corporation', 'Coffee', 'Design Institute', 'Insurance', 'Healthcare', 'Publishing', 'Video', 'Travel', 'Bank', 'Toys', 'School', 'Farms', 'Logistics', 'Pharma', 'Studios', 'Brewing', 'Energy', 'Partners'];
/** Deterministic, realistic names for the filler companies. */
const fillerName = (i: number) => `${A[i % A.length]} ${B[(i * 7) % B.length]}${i >= A.length ? ` ${Math.floor(i / A.length) + 1}` : ''}`;

export interface SeedClock {
  now: Date;
  /** The calendar date `days` from now in a time zone, as YYYY-MM-DD. */
  dateIn(zone: string, days: number): string;
  /** ISO-8601 UTC, `hours` before now. */
  hoursAgo(hours: number): string;
}
export function seedClock(now: Date): SeedClock {
  return {
    now,
    dateIn: (zone, days) => DateTime.fromJSDate(now).setZone(zone).plus({ days }).toISODate()!,
    hoursAgo: (hours) => new Date(now.getTime() - hours * 3_600_000).toISOString(),
  };
}

export function defaultConnectWise(t: SeedClock): ConnectWiseSeed {
  const companies: CwCompany[] = Array.from({ length: 120 }, (_, i) => {
    const id = 250 + i;
    const name = NAMED[i] ?? fillerName(i);
    return {
      id,
      identifier: name.replace(/[^A-Za-z0-9]/g, '').slice(0, 25),
      name,
      status: { id: 1, name: 'Active' },
      types: [i > 4 && i % 10 === 0 ? { id: 2, name: 'Prospect' } : { id: 1, name: 'Client' }],
      // A few deleted companies, so `conditions=deletedFlag=false` visibly matters.
      deletedFlag: [17, 58, 99].includes(i),
    };
  });
  const { contoso, fabrikam, northwind, adventureWorks } = CW_COMPANY_IDS;
  const hr = (company: number, name: string, email: string) => ({ id: company * 10 + 1, name, email });
  const onboarding = (id: number, company: number, contact: CwTicketSeed['contact'], summary: string, upn: string | undefined, start: string | undefined, description: string, hoursAgo: number): CwTicketSeed => ({
    id, summary, boardId: 23, statusId: 150, typeId: 40, companyId: company, contact, description,
    customFields: { 'New user UPN': upn, 'Start date': start }, lastUpdated: t.hoursAgo(hoursAgo),
  });
  const desk = (id: number, company: number, contact: CwTicketSeed['contact'], summary: string, statusId: number, description: string, hoursAgo: number): CwTicketSeed => ({
    id, summary, boardId: 1, statusId, typeId: 10, companyId: company, contact, description, lastUpdated: t.hoursAgo(hoursAgo),
  });
  const contosoHr = hr(contoso, 'Anouk Hendriks', 'anouk.hendriks@contoso.example');
  const fabrikamHr = hr(fabrikam, 'Beth Carter', 'beth.carter@fabrikam.example');
  return {
    companyId: 'tailspin',
    companyName: 'Tailspin IT Services',
    publicKey: 'SbxPub4f2a9c1e',
    privateKey: 'SbxPriv7d3b0e95a1c64f28',
    clientId: 'e6c2a9d4-7f1b-4c3e-9a85-2d0b6f8e1c47',
    codebase: 'v2025_1/',
    apiMember: 'tapconnector',
    members: [
      { id: 170, identifier: 'tapconnector', firstName: 'TAP', lastName: 'Connector', officeEmail: 'tapconnector@tailspin-msp.example', memberHash: randomString(32, 'abcdef0123456789') },
      { id: 155, identifier: 'jsmith', firstName: 'Jo', lastName: 'Smith', officeEmail: 'jo.smith@tailspin-msp.example', memberHash: randomString(32, 'abcdef0123456789') },
      { id: 156, identifier: 'mdevries', firstName: 'Maarten', lastName: 'de Vries', officeEmail: 'maarten.devries@tailspin-msp.example', memberHash: randomString(32, 'abcdef0123456789'), boardIds: [1] }, // Service Desk only: a member who cannot open the Onboarding tickets
    ],
    boards: [
      {
        id: 1,
        name: 'Service Desk',
        statuses: [
          { id: 1, name: 'New', closedStatus: false },
          { id: 2, name: 'In Progress', closedStatus: false },
          { id: 3, name: 'Waiting on Client', closedStatus: false },
          { id: 4, name: 'Resolved', closedStatus: true },
        ],
        types: [{ id: 10, name: 'Incident' }, { id: 11, name: 'Service Request' }],
      },
      {
        id: 23,
        name: 'Onboarding',
        statuses: [
          { id: 150, name: 'New', closedStatus: false },
          { id: 151, name: 'In Progress', closedStatus: false },
          { id: 152, name: 'TAP Issued', closedStatus: false },
          { id: 153, name: 'Completed', closedStatus: true },
        ],
        types: [{ id: 40, name: 'New Starter' }, { id: 41, name: 'Leaver' }],
      },
    ],
    companies,
    customFieldDefs: [
      { id: 7, caption: 'New user UPN', type: 'Text' },
      { id: 8, caption: 'Start date', type: 'Date' },
    ],
    tickets: [
      onboarding(48101, contoso, contosoHr, 'New starter: Bram de Vries', 'bram.devries@contoso.example', t.dateIn('Europe/Amsterdam', 1), 'Please set up an account for Bram de Vries (Sales).', 30),
      onboarding(48102, fabrikam, fabrikamHr, 'New starter: Grace Miller', 'grace.miller@fabrikam.example', t.dateIn('America/New_York', 2), 'Grace Miller joins Marketing.', 28),
      onboarding(48103, contoso, contosoHr, 'New starter: Femke Bakker', 'femke.bakker@contoso.example', t.dateIn('Europe/Amsterdam', 21), 'Femke Bakker starts in Finance in a few weeks.', 26),
      onboarding(48104, fabrikam, fabrikamHr, 'New hire - Henry Ortiz', 'henry.ortiz@fabrikam.example', undefined, 'Henry Ortiz joins the finance team.\nStart date: 03/04/27\nLaptop already ordered.', 24),
      onboarding(48105, contoso, contosoHr, 'New starter: Erik (IT administrator)', 'erik.admin@contoso.example', t.dateIn('Europe/Amsterdam', 1), 'Erik is our new IT admin.', 22),
      onboarding(48106, northwind, hr(northwind, 'Nina Clarke', 'nina.clarke@northwind.example'), 'New starter: Oliver Smith', 'oliver.smith@northwind.example', t.dateIn('Europe/London', 1), 'Oliver Smith, warehouse.', 20),
      onboarding(48107, adventureWorks, hr(adventureWorks, 'Sam Lee', 'sam.lee@adventure-works.example'), 'New starter: Pat Kim', 'pat.kim@adventure-works.example', t.dateIn('UTC', 2), 'Pat Kim, design.', 18),
      { ...onboarding(48108, contoso, contosoHr, 'New starter: Alice Jansen', 'alice.jansen@contoso.example', t.dateIn('Europe/Amsterdam', -30), 'Alice Jansen (done last month).', 700), statusId: 153 },
      desk(48110, contoso, { id: 2511, name: 'Alice Jansen', email: 'alice.jansen@contoso.example' }, 'Printer offline on 2nd floor', 1, 'The printer near the kitchen is offline.', 10),
      desk(48111, fabrikam, { id: 2521, name: 'Ivan Petrov', email: 'ivan.petrov@fabrikam.example' }, 'Outlook keeps asking for my password', 2, 'Since this morning Outlook prompts every few minutes.', 8),
      desk(48112, contoso, { id: 2511, name: 'Alice Jansen', email: 'alice.jansen@contoso.example' }, 'Lost phone - reset MFA for Alice Jansen', 1, 'Alice lost her phone and cannot sign in.', 3),
      desk(48113, northwind, { id: 2531, name: 'Paula Jones', email: 'paula.jones@northwind.example' }, 'VPN is slow', 4, 'VPN throughput is poor from home.', 50),
    ],
  };
}

export function defaultHalo(t: SeedClock): HaloSeed {
  const clients: HaloClient[] = Array.from({ length: 120 }, (_, i) => ({
    id: 12 + i,
    name: NAMED[i] ?? fillerName(i),
    inactive: [23, 71].includes(i),
    toplevel_id: 1,
    toplevel_name: 'Customers',
  }));
  const { contoso, fabrikam, northwind, adventureWorks } = HALO_CLIENT_IDS;
  const ticket = (id: number, client: number, summary: string, details: string, type: number, status: number, user: [string, string], hoursAgo: number, upn?: string, start?: string): HaloTicketSeed => ({
    id, summary, details, client_id: client, user_id: id * 3, user_name: user[0], user_email: user[1], status_id: status, tickettype_id: type,
    dateoccurred: t.hoursAgo(hoursAgo + 1), lastactiondate: t.hoursAgo(hoursAgo), customFields: { CFNewUserUPN: upn, CFStartDate: start },
  });
  const contosoHr: [string, string] = ['Anouk Hendriks', 'anouk.hendriks@contoso.example'];
  const fabrikamHr: [string, string] = ['Beth Carter', 'beth.carter@fabrikam.example'];
  return {
    clientId: 'sandbox-halo-client-3c9e',
    clientSecret: 'sandbox-halo-secret-8f41d2b7e6a0c5',
    statuses: [
      { id: 1, name: 'New', closed: false },
      { id: 2, name: 'In Progress', closed: false },
      { id: 3, name: 'Action Required', closed: false },
      { id: 21, name: 'TAP Issued', closed: false },
      { id: 9, name: 'Closed', closed: true },
    ],
    requestTypes: [{ id: 1, name: 'Incident' }, { id: 3, name: 'Service Request' }, { id: 24, name: 'New Starter' }],
    outcomes: [{ id: 7, outcome: 'Private Note' }, { id: 1, outcome: 'Email User' }, { id: 8, outcome: 'Phone Call' }],
    clients,
    customFieldDefs: [
      { id: 142, name: 'CFNewUserUPN', label: 'New user UPN', type: 0 },
      { id: 143, name: 'CFStartDate', label: 'Start date', type: 4 },
    ],
    tickets: [
      ticket(2001, contoso, 'New starter: Lars Mulder', '<p>Please set up Lars Mulder (Support).</p>', 24, 1, contosoHr, 30, 'lars.mulder@contoso.example', t.dateIn('Europe/Amsterdam', 1)),
      ticket(2002, fabrikam, 'New starter: Mia Chen', '<p>Mia Chen joins Engineering.</p>', 24, 1, fabrikamHr, 28, 'mia.chen@fabrikam.example', t.dateIn('America/New_York', 2)),
      ticket(2003, contoso, 'New starter: Noor El Amrani', '<p>Noor starts in a few weeks.</p>', 24, 1, contosoHr, 26, 'noor.elamrani@contoso.example', t.dateIn('Europe/Amsterdam', 21)),
      ticket(2004, fabrikam, 'New hire - Noah Brooks', '<p>Noah Brooks joins the sales team.</p><p>Start date: 03/04/27</p>', 24, 1, fabrikamHr, 24, 'noah.brooks@fabrikam.example'),
      ticket(2005, fabrikam, 'New starter: Laura (IT administrator)', '<p>Laura is our new administrator.</p>', 24, 1, fabrikamHr, 22, 'laura.admin@fabrikam.example', t.dateIn('America/New_York', 1)),
      ticket(2006, northwind, 'New starter: Rachel Green', '<p>Rachel Green, buying team.</p>', 24, 1, ['Nina Clarke', 'nina.clarke@northwind.example'], 20, 'rachel.green@northwind.example', t.dateIn('Europe/London', 1)),
      ticket(2007, adventureWorks, 'New starter: Jo Park', '<p>Jo Park, design.</p>', 24, 1, ['Sam Lee', 'sam.lee@adventure-works.example'], 18, 'jo.park@adventure-works.example', t.dateIn('UTC', 2)),
      ticket(2010, contoso, 'Printer offline on 2nd floor', '<p>The printer near the kitchen is offline.</p>', 1, 1, ['Alice Jansen', 'alice.jansen@contoso.example'], 10),
      ticket(2011, fabrikam, 'Outlook keeps asking for my password', '<p>Prompts every few minutes.</p>', 1, 2, ['Ivan Petrov', 'ivan.petrov@fabrikam.example'], 8),
      ticket(2012, contoso, 'Lost phone - reset MFA for Alice Jansen', '<p>Alice lost her phone.</p>', 3, 1, ['Alice Jansen', 'alice.jansen@contoso.example'], 3),
      ticket(2013, northwind, 'VPN is slow', '<p>VPN throughput is poor from home.</p>', 1, 9, ['Paula Jones', 'paula.jones@northwind.example'], 50),
    ],
  };
}
