import type { Context } from 'hono';
import { ConditionsError, parseConditions, readPath, type FieldSchema } from './conditions.js';

/** ConnectWise's error body: `{code, message, errors?}` (reference/connectwise.md, "Limits and errors"). */
export function cwError(
  c: Context,
  status: 400 | 401 | 403 | 404 | 405 | 429 | 500,
  code: string,
  message: string,
  errors?: { code: string; message: string; resource: string; field: string }[],
): Response {
  return c.json({ code, message, ...(errors ? { errors } : {}) }, status);
}

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 1000;

export interface ListingSpec {
  /** Fields usable in `conditions` and `orderBy`. */
  schema: FieldSchema;
  /** Fields of array children usable in `childConditions` (e.g. `types/name` on companies). */
  childSchema?: FieldSchema;
}

/**
 * Answers a ConnectWise list endpoint: `conditions`, `childConditions`, `orderBy`, `fields`, then navigable paging
 * (`page` 1-based, `pageSize` default 25, capped at 1000) with an RFC 5988 Link header whose `next` is absent on the
 * last page.
 */
export function respondWithList(c: Context, records: Record<string, unknown>[], spec: ListingSpec): Response {
  const q = (name: string) => queryParam(c, name);
  let rows = records;
  try {
    const conditions = q('conditions');
    if (conditions) rows = rows.filter(parseConditions(conditions, spec.schema));
    const child = q('childConditions');
    if (child) {
      if (!spec.childSchema) throw new ConditionsError('childConditions are not supported on this resource.');
      const test = parseConditions(child, flattenChildSchema(spec.childSchema));
      rows = rows.filter((r) => childRows(r, spec.childSchema!).some(test));
    }
    const orderBy = q('orderBy');
    rows = orderBy ? sortRows(rows, orderBy, spec.schema) : [...rows].sort((a, b) => Number(a.id) - Number(b.id));
  } catch (error) {
    if (error instanceof ConditionsError) {
      return cwError(c, 400, 'InvalidObject', error.message, [
        { code: 'InvalidObject', message: error.message, resource: 'conditions', field: 'conditions' },
      ]);
    }
    throw error;
  }

  const page = positiveInt(q('page')) ?? 1;
  const requested = positiveInt(q('pageSize')) ?? DEFAULT_PAGE_SIZE;
  const pageSize = Math.min(requested, MAX_PAGE_SIZE);
  const lastPage = Math.max(1, Math.ceil(rows.length / pageSize));
  const slice = rows.slice((page - 1) * pageSize, page * pageSize);
  const fields = q('fields');
  const body = fields ? slice.map((r) => project(r, fields.split(',').map((f) => f.trim()).filter(Boolean))) : slice;

  if (rows.length > 0) c.header('Link', linkHeader(c.req.url, page, lastPage));
  return c.json(body);
}

/** Query parameters are case-insensitive on ConnectWise (`orderby` works like `orderBy`). */
function queryParam(c: Context, name: string): string | undefined {
  const all = c.req.queries();
  const key = Object.keys(all).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? all[key]?.[0] : undefined;
}

function positiveInt(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 ? n : undefined;
}

function sortRows(rows: Record<string, unknown>[], orderBy: string, schema: FieldSchema): Record<string, unknown>[] {
  const keys = orderBy.split(',').map((part) => {
    const [name = '', dir = 'asc', ...extra] = part.trim().split(/\s+/);
    const entry = Object.entries(schema).find(([n]) => n.toLowerCase() === name.toLowerCase());
    if (!entry || extra.length > 0 || !['asc', 'desc'].includes(dir.toLowerCase())) {
      throw new ConditionsError(`Invalid orderBy "${part.trim()}".`);
    }
    const [field, def] = entry;
    return { path: def.path ?? field, datetime: def.type === 'datetime', sign: dir.toLowerCase() === 'desc' ? -1 : 1 };
  });
  return [...rows].sort((a, b) => {
    for (const key of keys) {
      let x = readPath(a, key.path) as string | number | undefined;
      let y = readPath(b, key.path) as string | number | undefined;
      if (key.datetime) {
        x = Date.parse(String(x));
        y = Date.parse(String(y));
      }
      if (x === y) continue;
      if (x === undefined) return -key.sign;
      if (y === undefined) return key.sign;
      return (x < y ? -1 : 1) * key.sign;
    }
    return Number(a.id) - Number(b.id);
  });
}

function linkHeader(requestUrl: string, page: number, lastPage: number): string {
  const at = (n: number) => {
    const url = new URL(requestUrl);
    const key = [...url.searchParams.keys()].find((k) => k.toLowerCase() === 'page') ?? 'page';
    url.searchParams.set(key, String(n));
    return url.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(Math.min(page - 1, lastPage))}>; rel="prev"`);
  if (page < lastPage) links.push(`<${at(page + 1)}>; rel="next"`);
  links.push(`<${at(lastPage)}>; rel="last"`);
  return links.join(', ');
}

/** `fields=id,board/name` keeps only those paths, nested as in the full record. */
export function project(record: Record<string, unknown>, paths: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const value = readPath(record, path);
    if (value === undefined) continue;
    const parts = path.split('/');
    let cur = out;
    for (const part of parts.slice(0, -1)) cur = (cur[part] ??= {}) as Record<string, unknown>;
    cur[parts.at(-1)!] = value;
  }
  return out;
}

/** childConditions name the array too (`types/name`): split into the array path and the child's own field. */
function flattenChildSchema(schema: FieldSchema): FieldSchema {
  return Object.fromEntries(Object.entries(schema).map(([name, def]) => [name, { ...def, path: name.split('/').slice(1).join('/') }]));
}
function childRows(record: Record<string, unknown>, schema: FieldSchema): unknown[] {
  const arrays = new Set(Object.keys(schema).map((n) => n.split('/')[0]!));
  return [...arrays].flatMap((a) => (Array.isArray(record[a]) ? (record[a] as unknown[]) : []));
}
