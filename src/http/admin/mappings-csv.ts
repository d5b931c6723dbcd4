import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { PsaKind } from '../../domain.js';
import type { MappingInput, TenantMapping } from '../../db/mappings.js';
import type { Services } from '../../services.js';
import { COMPANY_ID, parseRuleFields, psaKindSchema, RULE_FIELDS, type FieldErrors, type RawRuleFields } from './mapping-fields.js';
import { resolveTenantField } from './save-mapping.js';

/** The CSV contract (README): one mapping per row; `tenant` is a tenant id or a verified domain. */
export const CSV_COLUMNS = ['psa', 'company_id', 'company_name', ...RULE_FIELDS] as const;
export const CSV_MAX_BYTES = 1024 * 1024;
export const CSV_MAX_ROWS = 5000;
/** Lookups of domains named in a file: a handful at a time. */
const RESOLVE_CONCURRENCY = 6;

/**
 * Spreadsheet programs run cells starting with = + - @ as formulas; a company name from a PSA is not trusted input.
 * A leading apostrophe keeps it text, and import takes that apostrophe off again.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const defuse = (v: string) => (FORMULA_START.test(v) ? `'${v}` : v);
const undefuse = (v: string) => (v.startsWith("'") && FORMULA_START.test(v.slice(1)) ? v.slice(1) : v);

export function mappingsToCsv(mappings: TenantMapping[]): string {
  return stringify(
    mappings.map((m) => [
      m.psa,
      m.companyId,
      defuse(m.companyName),
      m.tenantId,
      m.timeZone,
      String(m.activationHour),
      m.defaultLifetimeMinutes === null ? '' : String(m.defaultLifetimeMinutes),
      String(m.usableOnce),
      String(m.allowPrivileged),
      String(m.enabled),
    ]),
    { header: true, columns: [...CSV_COLUMNS] },
  );
}

export interface ImportRowReport {
  /** Line in the file where the row starts (the header is line 1). */
  line: number;
  psa: string;
  companyId: string;
  companyName: string;
  errors: FieldErrors;
  tenantId?: string | undefined;
}

export interface ImportCheck {
  /** Problems with the file as a whole (not CSV, wrong header, too many rows). */
  fileErrors: string[];
  rows: ImportRowReport[];
  /** Present only when every row is valid: what upsertMany will write. */
  writes?: { psa: PsaKind; companyId: string; input: MappingInput }[];
}

type Parsed = { record: string[]; info: { lines: number } };

/** Parses and checks every row (including each domain's lookup) before anything is written. */
export async function checkImport(services: Services, text: string): Promise<ImportCheck> {
  let records: Parsed[];
  try {
    records = parse(text, { info: true, bom: true, skip_empty_lines: true, trim: true, delimiter: delimiterOf(text) }) as unknown as Parsed[];
  } catch (error) {
    return { fileErrors: [`The file is not valid CSV: ${(error as Error).message}.`], rows: [] };
  }
  const header = records.shift()?.record.map((h) => h.toLowerCase());
  if (!header) return { fileErrors: ['The file is empty.'], rows: [] };
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  const missing = (['psa', 'company_id', 'tenant'] as const).filter((h) => !header.includes(h));
  const fileErrors: string[] = [];
  if (unknown.length) fileErrors.push(`Unknown column(s): ${unknown.join(', ')}. Expected: ${CSV_COLUMNS.join(', ')}.`);
  if (missing.length) fileErrors.push(`Missing column(s): ${missing.join(', ')}.`);
  if (records.length === 0) fileErrors.push('The file has a header but no rows.');
  if (records.length > CSV_MAX_ROWS) fileErrors.push(`The file has ${records.length} rows; import at most ${CSV_MAX_ROWS} at once.`);
  if (fileErrors.length) return { fileErrors, rows: [] };

  const seen = new Map<string, number>();
  const known = await companiesInPsas(services, new Set(records.map(({ record }) => (record[header.indexOf('psa')] ?? '').toLowerCase())));
  const pending: { report: ImportRowReport; rules: ReturnType<typeof parseRuleFields>; tenant: ReturnType<typeof parseRuleFields> }[] = [];
  for (const { record, info } of records) {
    const cell = (name: string) => record[header.indexOf(name)] ?? '';
    const report: ImportRowReport = { line: info.lines, psa: cell('psa'), companyId: cell('company_id'), companyName: undefuse(cell('company_name')), errors: {} };
    if (!psaKindSchema.safeParse(report.psa.toLowerCase()).success) report.errors.psa = 'expected connectwise or halo';
    report.psa = report.psa.toLowerCase();
    if (!COMPANY_ID.test(report.companyId)) report.errors.company_id = 'expected the PSA company id (letters, digits, - and _)';
    else if (!report.errors.psa) {
      const companies = known.get(report.psa);
      if (companies === 'not configured') report.errors.psa = `${report.psa === 'halo' ? 'HaloPSA' : 'ConnectWise'} is not configured on this connector`;
      else if (companies && !companies.has(report.companyId)) report.errors.company_id = `${report.psa === 'halo' ? 'HaloPSA' : 'ConnectWise'} has no company with id ${report.companyId}`;
    }
    if (report.companyName.length > 200) report.errors.company_name = 'at most 200 characters';
    const key = `${report.psa}:${report.companyId}`;
    if (seen.has(key)) report.errors.company_id = `the same company is also on line ${seen.get(key)}`;
    else seen.set(key, report.line);
    const raw: RawRuleFields = {};
    for (const f of RULE_FIELDS) if (header.includes(f)) raw[f] = cell(f);
    // A blank cell keeps the usual default, as a new mapping made on the page would have.
    const rules = parseRuleFields(raw, { config: services.config, booleans: { usable_once: true, allow_privileged: false, enabled: true } });
    if (!rules.ok) Object.assign(report.errors, rules.errors);
    // The tenant is checked even when another cell is wrong, so the report names every problem of the row at once.
    const tenant = rules.ok ? rules : parseRuleFields({ tenant: raw.tenant ?? '' }, { config: services.config, booleans: { usable_once: true, allow_privileged: false, enabled: true } });
    pending.push({ report, rules, tenant });
  }

  // Domains are looked up only for rows otherwise valid, each domain once.
  const domains = new Map<string, Promise<{ tenantId: string } | { error: string }>>();
  const lookups = pending.filter((p) => p.tenant.ok && !p.report.errors.tenant);
  let next = 0;
  const worker = async () => {
    while (next < lookups.length) {
      const p = lookups[next++]!;
      if (!p.tenant.ok) continue;
      const rules = p.tenant.value;
      const key = rules.tenantDomain ?? rules.tenantId!;
      let lookup = domains.get(key);
      if (!lookup) {
        lookup = resolveTenantField(services, rules);
        domains.set(key, lookup);
      }
      const result = await lookup;
      if ('error' in result) p.report.errors.tenant = result.error;
      else p.report.tenantId = result.tenantId;
    }
  };
  await Promise.all(Array.from({ length: Math.min(RESOLVE_CONCURRENCY, lookups.length) }, worker));

  // Messages in column order, as the admin reads the row left to right.
  const order = (errors: FieldErrors): FieldErrors =>
    Object.fromEntries(Object.entries(errors).sort(([a], [b]) => CSV_COLUMNS.indexOf(a as never) - CSV_COLUMNS.indexOf(b as never)));
  const rows = pending.map((p) => ({ ...p.report, errors: order(p.report.errors) }));
  if (rows.some((r) => Object.keys(r.errors).length > 0)) return { fileErrors: [], rows };
  const existing = new Map(services.mappings.list().map((m) => [`${m.psa}:${m.companyId}`, m]));
  const writes = pending.map(({ report, rules }) => {
    const value = (rules as Extract<typeof rules, { ok: true }>).value;
    const before = existing.get(`${report.psa}:${report.companyId}`);
    const sameTenant = before?.tenantId === report.tenantId;
    return {
      psa: report.psa as PsaKind,
      companyId: report.companyId,
      input: {
        companyName: report.companyName || undefined,
        tenantId: report.tenantId!,
        tenantDomain: value.tenantDomain ?? (sameTenant ? before?.tenantDomain : null),
        tenantName: sameTenant ? before?.tenantName : null,
        timeZone: value.timeZone,
        activationHour: value.activationHour,
        defaultLifetimeMinutes: value.defaultLifetimeMinutes,
        usableOnce: value.usableOnce,
        allowPrivileged: value.allowPrivileged,
        enabled: value.enabled,
      },
    };
  });
  return { fileErrors: [], rows, writes };
}

/**
 * Excel saves "CSV" with semicolons where the decimal separator is a comma (much of Europe). The header line decides:
 * more semicolons than commas outside quotes means semicolon-separated.
 */
export function delimiterOf(text: string): ',' | ';' {
  const header = (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').replace(/"[^"]*"/g, '');
  return (header.match(/;/g)?.length ?? 0) > (header.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/**
 * The company ids each PSA named in the file really has, so a typo is caught before import; 'not configured' for a
 * PSA this connector does not talk to. A PSA that cannot be listed right now is not checked (undefined).
 */
async function companiesInPsas(services: Services, psas: Set<string>): Promise<Map<string, Set<string> | 'not configured' | undefined>> {
  const result = new Map<string, Set<string> | 'not configured' | undefined>();
  await Promise.all(
    [...psas]
      .filter((p): p is PsaKind => psaKindSchema.safeParse(p).success)
      .map(async (psa) => {
        const connector = services.connectors[psa];
        if (!connector) return result.set(psa, 'not configured');
        try {
          return result.set(psa, new Set((await connector.listCompanies()).map((c) => c.id)));
        } catch {
          return result.set(psa, undefined);
        }
      }),
  );
  return result;
}
