import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The vendors' published descriptions (copied into ./specs, see its README) read into one list of operations the
 * checker can match requests against: method, path template, query parameters with their types, body schema.
 */

export type Vendor = 'connectwise' | 'halo' | 'graph' | 'entra-login';
export type ValueType = 'string' | 'integer' | 'number' | 'boolean' | 'any';

/** A JSON body schema: objects list every field they allow (any other field is undescribed). */
export type Schema =
  | { type: ValueType; nullable?: boolean }
  | { type: 'object'; fields?: Record<string, Schema>; nullable?: boolean }
  | { type: 'array'; items: Schema; nullable?: boolean };

export interface Operation {
  vendor: Vendor;
  method: string;
  /** e.g. /service/tickets/{parentId}/notes */
  template: string;
  segments: string[];
  /** Allowed query parameters and their types. */
  query: Record<string, ValueType>;
  /** JSON body schema; absent means the vendor describes no JSON body for this operation. */
  body?: Schema;
  /** Form-encoded body fields (token endpoints). */
  form?: Record<string, ValueType>;
  requiredForm?: string[];
  requiredHeaders?: string[];
  /** False for requests a vendor library builds (MSAL): method and path are checked, fields only listed. */
  fieldCheck: boolean;
  /** Graph: what makes a request an advanced query ('cast' or a query option name). */
  advancedQuery?: string[];
  selectable?: string[];
  filterable?: string[];
  expandable?: string[];
  maxTop?: number;
  source: string;
}

const SPECS = fileURLToPath(new URL('./specs/', import.meta.url));
const readJson = <T>(name: string): T => JSON.parse(readFileSync(`${SPECS}${name}`, 'utf8')) as T;

const segmentsOf = (path: string) => path.split('/').filter((s) => s.length > 0);

let cached: Operation[] | undefined;

export function loadOperations(): Operation[] {
  cached ??= [...connectWiseOperations(), ...haloOperations(), ...graphOperations(), ...authOperations()];
  return cached;
}

// ---------------------------------------------------------------- ConnectWise

/** Query parameters every ConnectWise list/read takes (reference/connectwise.md, Tickets) and their types. */
const CW_QUERY_TYPES: Record<string, ValueType> = {
  conditions: 'string',
  childConditions: 'string',
  customFieldConditions: 'string',
  orderBy: 'string',
  fields: 'string',
  page: 'integer',
  pageSize: 'integer',
  pageId: 'integer',
};

interface CwRawOperation {
  method: string;
  path: string;
  params: string[];
}

interface CwAdditions {
  modelFields: { model: string; field: string; type: ValueType }[];
  arrayBodies: { param: string }[];
}

/** Model fields from connectwise-2025.1-models.md ("## Model" then "- `field`: Type" lines). */
export function connectWiseModels(): Map<string, Record<string, Schema>> {
  const models = new Map<string, Record<string, Schema>>();
  let current: Record<string, Schema> | undefined;
  for (const line of readFileSync(`${SPECS}connectwise-2025.1-models.md`, 'utf8').split('\n')) {
    const heading = /^##\s+(\w+)/.exec(line);
    if (heading) {
      current = {};
      models.set(heading[1]!, current);
      continue;
    }
    const field = /^-\s+`([^`]+)`:\s*(\S+)/.exec(line);
    if (field && current) current[field[1]!] = cwTypeSchema(field[2]!);
  }
  const additions = readJson<CwAdditions>('connectwise-additions.json');
  for (const add of additions.modelFields) {
    const model = models.get(add.model);
    if (model) model[add.field] = { type: add.type };
  }
  return models;
}

/** ConnectWise's Go-style type names (int32, Bool, []X, XReference) as a schema. */
function cwTypeSchema(type: string): Schema {
  if (type.startsWith('[]')) return { type: 'array', items: cwTypeSchema(type.slice(2)) };
  const lower = type.toLowerCase();
  if (lower === 'int32' || lower === 'int64') return { type: 'integer' };
  if (lower === 'float64' || lower === 'float32') return { type: 'number' };
  if (lower === 'bool') return { type: 'boolean' };
  if (lower === 'string') return { type: 'string' };
  // References (MemberReference…), nested models and `object`: an object whose members the extract does not list.
  return { type: 'object' };
}

function connectWiseOperations(): Operation[] {
  const raw = readJson<{ operations: CwRawOperation[] }>('connectwise-2025.1-operations.json').operations;
  const models = connectWiseModels();
  const arrayBodies = new Set(readJson<CwAdditions>('connectwise-additions.json').arrayBodies.map((a) => a.param));
  return raw.map((op): Operation => {
    const segments = segmentsOf(op.path);
    const pathParams = new Set(segments.filter((s) => s.startsWith('{')).map((s) => s.slice(1, -1).split(':')[0]!));
    const rest = op.params.filter((p) => !pathParams.has(p) && p !== 'clientId');
    const query: Record<string, ValueType> = {};
    let body: Schema | undefined;
    for (const name of rest) {
      // On a write, the one parameter that is neither path, header nor a known query option is the body model.
      if (op.method !== 'GET' && op.method !== 'DELETE' && !(name in CW_QUERY_TYPES)) {
        const modelName = name.charAt(0).toUpperCase() + name.slice(1);
        const fields = models.get(modelName);
        // A model the extract does not describe still makes a body; with no fields listed, any field is undescribed.
        const model: Schema = { type: 'object', fields: fields ?? {} };
        body = arrayBodies.has(name) ? { type: 'array', items: model } : model;
      } else {
        query[name] = CW_QUERY_TYPES[name] ?? 'string';
      }
    }
    return {
      vendor: 'connectwise',
      method: op.method,
      template: op.path,
      segments,
      query,
      ...(body ? { body } : {}),
      requiredHeaders: ['clientid'],
      fieldCheck: true,
      source: 'connectwise-2025.1-operations.json',
    };
  });
}

// ---------------------------------------------------------------- HaloPSA

interface HaloParam {
  name: string;
  in: string;
  type?: string;
}

const HALO_TYPES: Record<string, ValueType> = { int: 'integer', integer: 'integer', bool: 'boolean', boolean: 'boolean', double: 'number', string: 'string' };

function haloOperations(): Operation[] {
  const spec = readJson<Record<string, unknown>>('halopsa-api-extract.json');
  const typed = (params: HaloParam[]) =>
    Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, HALO_TYPES[p.type ?? ''] ?? 'any'])) as Record<string, ValueType>;
  const ticketsTyped = typed(spec['GET /Tickets params (relevant subset)'] as HaloParam[]);
  const ticketsQuery: Record<string, ValueType> = Object.fromEntries(
    (spec['GET /Tickets param names (all)'] as string[]).map((name) => [name, ticketsTyped[name] ?? 'any']),
  );
  const queries: Record<string, Record<string, ValueType>> = {
    'GET /Tickets': ticketsQuery,
    'GET /Tickets/{id}': typed(spec['GET /Tickets/{id} params'] as HaloParam[]),
    'GET /Client': typed(spec['GET /Client params (relevant)'] as HaloParam[]),
  };
  // Operations whose parameters the extract left out, read from the same source (halopsa-additions.json).
  const additions = readJson<{ queries: Record<string, { params: HaloParam[] }>; typeCorrections: Record<string, unknown> }>('halopsa-additions.json');
  for (const [key, { params }] of Object.entries(additions.queries)) queries[key] = { ...queries[key], ...typed(params) };
  // Types the swagger cannot mean (a date filter typed bool), each corrected with its evidence in the file.
  for (const [key, list] of Object.entries(additions.typeCorrections)) {
    if (!Array.isArray(list)) continue;
    for (const { name, type } of list as { name: string; type: ValueType }[]) queries[key] = { ...queries[key], [name]: type };
  }
  const actionProps = spec['Actions schema (relevant props)'] as Record<string, { type?: string; nullable?: boolean }>;
  const actionFields = Object.fromEntries(
    Object.entries(actionProps).map(([name, p]) => [name, { type: HALO_TYPES[p.type ?? ''] ?? 'any', nullable: p.nullable === true } satisfies Schema]),
  );
  const bodies: Record<string, Schema> = {
    // POST /Actions takes an array of Actions (requestBody schema: type array, items $ref Actions).
    'POST /Actions': { type: 'array', items: { type: 'object', fields: actionFields } },
  };
  const paths = spec['Paths present'] as Record<string, string[]>;
  return Object.entries(paths).flatMap(([path, methods]) =>
    methods.map((m): Operation => {
      const key = `${m.toUpperCase()} ${path}`;
      const body = bodies[key];
      return {
        vendor: 'halo',
        method: m.toUpperCase(),
        template: path,
        segments: segmentsOf(path),
        query: queries[key] ?? {},
        ...(body ? { body } : {}),
        requiredHeaders: ['authorization'],
        fieldCheck: true,
        source: 'halopsa-api-extract.json',
      };
    }),
  );
}

// ---------------------------------------------------------------- Graph

interface GraphRawOperation {
  method: string;
  path: string;
  query: Record<string, ValueType>;
  body?: Record<string, ValueType>;
  advancedQuery?: string[];
  selectable?: string[];
  filterable?: string[];
  expandable?: string[];
  maxTop?: number;
  source: string;
}

function graphOperations(): Operation[] {
  return readJson<{ operations: GraphRawOperation[] }>('graph-operations.json').operations.map((op) => ({
    vendor: 'graph',
    method: op.method,
    template: op.path,
    segments: segmentsOf(op.path),
    query: op.query,
    ...(op.body ? { body: { type: 'object', fields: Object.fromEntries(Object.entries(op.body).map(([k, t]) => [k, { type: t }])) } } : {}),
    requiredHeaders: ['authorization'],
    fieldCheck: true,
    ...(op.advancedQuery ? { advancedQuery: op.advancedQuery } : {}),
    ...(op.selectable ? { selectable: op.selectable } : {}),
    ...(op.filterable ? { filterable: op.filterable } : {}),
    ...(op.expandable ? { expandable: op.expandable } : {}),
    ...(op.maxTop ? { maxTop: op.maxTop } : {}),
    source: op.source,
  }));
}

// ---------------------------------------------------------------- sign-in and discovery

interface AuthRawOperation {
  vendor: Vendor;
  method: string;
  path: string;
  query?: Record<string, ValueType>;
  form?: Record<string, ValueType>;
  requiredForm?: string[];
  requiredHeaders?: string[];
  fieldCheck?: boolean;
  source: string;
}

function authOperations(): Operation[] {
  return readJson<{ operations: AuthRawOperation[] }>('auth-and-discovery.json').operations.map((op) => ({
    vendor: op.vendor,
    method: op.method,
    template: op.path,
    segments: segmentsOf(op.path),
    query: op.query ?? {},
    ...(op.form ? { form: op.form } : {}),
    ...(op.requiredForm ? { requiredForm: op.requiredForm } : {}),
    ...(op.requiredHeaders ? { requiredHeaders: op.requiredHeaders } : {}),
    fieldCheck: op.fieldCheck ?? true,
    source: op.source,
  }));
}
