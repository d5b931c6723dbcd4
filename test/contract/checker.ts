import type { RecordedBody, RecordedRequest, Shape } from './recording/types.js';
import { loadOperations, type Operation, type Schema, type ValueType, type Vendor } from './specs.js';

/**
 * Checks one recorded request against the vendors' published descriptions: the vendor is told by the URL, then the
 * method and path must match an operation (path templates), every query parameter and body field must be one the
 * operation describes, with the right JSON type, and the headers the vendor requires must be there.
 */

export interface Verdict {
  vendor: Vendor | 'unknown';
  /** `${vendor} ${method} ${template}` of the matched operation; undefined when none matched. */
  operation?: string;
  problems: string[];
}

interface Located {
  vendor: Vendor;
  /** The path below the vendor's API base, e.g. /service/tickets/5. */
  path: string;
}

/**
 * Which vendor a URL belongs to, and the path below its base. By path shape, so the sandbox (any loopback host) and
 * nock hosts are told apart exactly as the real hosts are:
 * ConnectWise `{site}/{codebase}apis/3.0/…` and `{site}/login/companyinfo/{id}`; Halo `{base}/api/…` and
 * `{authUrl}/token` (authUrl is `{base}/auth` or a separate auth host); Graph `{graphBase}/v1.0/…`; Entra sign-in
 * `{authority}/{tenant}/oauth2/v2.0/token` and `{authority}/{domain}/v2.0/.well-known/openid-configuration`.
 */
export function locate(url: URL): Located | undefined {
  const p = url.pathname;
  let m: RegExpExecArray | null;
  if ((m = /\/apis\/3\.0(\/.*)$/.exec(p))) return { vendor: 'connectwise', path: m[1]! };
  if ((m = /(\/login\/companyinfo\/[^/]+)$/.exec(p))) return { vendor: 'connectwise', path: m[1]! };
  if ((m = /\/v1\.0(\/.*)?$/.exec(p)) || url.hostname === 'graph.microsoft.com') return { vendor: 'graph', path: m?.[1] ?? p };
  if ((m = /(\/[^/]+\/oauth2\/v2\.0\/token)$/.exec(p))) return { vendor: 'entra-login', path: m[1]! };
  if ((m = /(\/[^/]+\/v2\.0\/\.well-known\/openid-configuration)$/.exec(p))) return { vendor: 'entra-login', path: m[1]! };
  if (/^login\.microsoftonline\./.test(url.hostname)) return { vendor: 'entra-login', path: p };
  // Halo's auth server is `{base}/auth` or a separate host (reference/halopsa.md, Auth): the token path is `{authUrl}/token`.
  if (/\/token$/.test(p)) return { vendor: 'halo', path: '/token' };
  if ((m = /\/api(\/.*)$/.exec(p))) return { vendor: 'halo', path: m[1]! };
  return undefined;
}

/** Graph reads `/users('x')` as `/users/x` (the key form a UPN starting with `$` needs: reference/entra-graph.md). */
function normaliseGraphPath(path: string): string {
  return path.replace(/\/(\w+)\('((?:[^']|'')*)'\)/g, (_all, segment: string, key: string) => `/${segment}/${key.replace(/''/g, "'")}`);
}

export function findOperation(vendor: Vendor, method: string, path: string, ops = loadOperations()): Operation | undefined {
  const caseless = vendor === 'graph';
  const segments = path.split('/').filter((s) => s.length > 0);
  let best: { op: Operation; literals: number } | undefined;
  for (const op of ops) {
    if (op.vendor !== vendor || op.method !== method || op.segments.length !== segments.length) continue;
    let literals = 0;
    const fits = op.segments.every((t, i) => {
      if (t.startsWith('{')) return true;
      literals += 1;
      return caseless ? t.toLowerCase() === segments[i]!.toLowerCase() : t === segments[i];
    });
    // The most specific template wins: /service/tickets/count over /service/tickets/{id}.
    if (fits && (!best || literals > best.literals)) best = { op, literals };
  }
  return best?.op;
}

export function checkRequest(req: RecordedRequest, ops = loadOperations()): Verdict {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return { vendor: 'unknown', problems: [`not a URL: ${req.url}`] };
  }
  const located = locate(url);
  if (!located) return { vendor: 'unknown', problems: [`${req.method} ${url.origin}${url.pathname} is no vendor endpoint the connector may call`] };
  const { vendor } = located;
  const path = vendor === 'graph' ? normaliseGraphPath(located.path) : located.path;
  const op = findOperation(vendor, req.method.toUpperCase(), path, ops);
  if (!op) return { vendor, problems: [`${vendor} does not describe ${req.method.toUpperCase()} ${path}`] };
  const operation = `${vendor} ${op.method} ${op.template}`;
  if (!op.fieldCheck) return { vendor, operation, problems: [] };
  const problems = [...checkQuery(op, url.searchParams), ...checkBody(op, req.body), ...checkHeaders(op, req, url.searchParams)];
  return { vendor, operation, problems };
}

// ---------------------------------------------------------------- query

function checkQuery(op: Operation, params: URLSearchParams): string[] {
  const problems: string[] = [];
  // Graph's OData option names are case-insensitive ($skipToken / $skiptoken); the PSAs' are taken as published.
  const graph = op.vendor === 'graph';
  const allowed = new Map(Object.entries(op.query).map(([k, t]) => [graph ? k.toLowerCase() : k, t]));
  for (const [rawName, value] of params) {
    const name = graph ? rawName.toLowerCase() : rawName;
    // @odata.nextLink pages carry Graph's own $skiptoken: the vendor wrote that URL (learn.microsoft.com/graph/paging).
    if (graph && name === '$skiptoken') continue;
    const type = allowed.get(name);
    if (type === undefined) {
      problems.push(`query parameter "${rawName}" is not described for ${op.method} ${op.template}`);
      continue;
    }
    if (!valueFits(value, type)) problems.push(`query parameter "${rawName}" should be ${type}, got "${clip(value)}"`);
  }
  if (graph) problems.push(...checkODataValues(op, params));
  return problems;
}

function valueFits(value: string, type: ValueType): boolean {
  switch (type) {
    case 'integer':
      return /^-?\d+$/.test(value);
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value));
    case 'boolean':
      return /^(true|false)$/i.test(value);
    default:
      return true;
  }
}

function checkODataValues(op: Operation, params: URLSearchParams): string[] {
  const problems: string[] = [];
  const get = (name: string) => [...params].find(([k]) => k.toLowerCase() === name)?.[1];
  const select = get('$select');
  if (select !== undefined && op.selectable) {
    for (const property of select.split(',').map((s) => s.trim())) {
      if (!op.selectable.includes(property)) problems.push(`$select names "${property}", not a property of ${op.template}`);
    }
  }
  const filter = get('$filter');
  if (filter !== undefined && op.filterable) {
    for (const [, property] of filter.matchAll(/([A-Za-z][\w/]*)\s+(?:eq|ne|in|gt|ge|lt|le)\b/g)) {
      if (!op.filterable.includes(property!)) problems.push(`$filter on "${property}", which ${op.template} does not support`);
    }
  }
  const expand = get('$expand');
  if (expand !== undefined && op.expandable) {
    for (const relation of expand.split(',').map((s) => s.trim().split('(')[0]!)) {
      if (!op.expandable.includes(relation)) problems.push(`$expand names "${relation}", not a relationship of ${op.template}`);
    }
  }
  const top = get('$top');
  if (top !== undefined && op.maxTop !== undefined && Number(top) > op.maxTop) problems.push(`$top=${top} is above the ${op.maxTop} ${op.template} allows`);
  return problems;
}

// ---------------------------------------------------------------- body

function checkBody(op: Operation, body: RecordedBody | undefined): string[] {
  if (!body) {
    return op.requiredForm ? [`${op.method} ${op.template} needs a form body (${op.requiredForm.join(', ')})`] : [];
  }
  if (body.kind === 'form') {
    if (!op.form) return [`${op.method} ${op.template} takes no form body`];
    const problems = body.fields.filter((f) => !(f in op.form!)).map((f) => `form field "${f}" is not described for ${op.method} ${op.template}`);
    for (const required of op.requiredForm ?? []) {
      if (!body.fields.includes(required)) problems.push(`form field "${required}" is required by ${op.method} ${op.template}`);
    }
    return problems;
  }
  if (body.kind === 'text') return [`${op.method} ${op.template}: the body is not JSON (${body.length} characters)`];
  if (!op.body) return [`${op.method} ${op.template} takes no body, one was sent`];
  return checkShape(body.shape, op.body, 'body');
}

export function checkShape(shape: Shape, schema: Schema, where: string): string[] {
  if (shape === 'null') return schema.nullable || schema.type === 'any' ? [] : [`${where} is null, which the vendor does not allow`];
  switch (schema.type) {
    case 'any':
      return [];
    case 'object': {
      if (typeof shape !== 'object' || !('object' in shape)) return [`${where} should be an object, is ${describe(shape)}`];
      // An object whose fields the extract does not list (a reference such as MemberReference) takes any members.
      if (!schema.fields) return [];
      return Object.entries(shape.object).flatMap(([name, child]) => {
        const field = schema.fields![name];
        return field ? checkShape(child, field, `${where}.${name}`) : [`${where}.${name} is not a field the vendor describes`];
      });
    }
    case 'array':
      if (typeof shape !== 'object' || !('array' in shape)) return [`${where} should be an array, is ${describe(shape)}`];
      return shape.array.flatMap((item, i) => checkShape(item, schema.items, `${where}[${i}]`));
    case 'number':
      return shape === 'number' || shape === 'integer' ? [] : [`${where} should be a number, is ${describe(shape)}`];
    default:
      return shape === schema.type ? [] : [`${where} should be ${schema.type}, is ${describe(shape)}`];
  }
}

function describe(shape: Shape): string {
  if (typeof shape === 'string') return shape;
  return 'object' in shape ? 'an object' : 'an array';
}

// ---------------------------------------------------------------- headers

function checkHeaders(op: Operation, req: RecordedRequest, params: URLSearchParams): string[] {
  const problems = (op.requiredHeaders ?? []).filter((h) => !(h in req.headers)).map((h) => `header "${h}" is required by ${op.vendor}`);
  if (req.body?.kind === 'json' && !(req.headers['content-type'] ?? '').toLowerCase().includes('json')) {
    problems.push('a JSON body is sent without a JSON Content-Type');
  }
  if (op.advancedQuery) {
    const used = op.advancedQuery.filter((trigger) => trigger === 'cast' || [...params.keys()].some((k) => k.toLowerCase() === trigger));
    if (used.length > 0) {
      const count = [...params].find(([k]) => k.toLowerCase() === '$count')?.[1];
      const eventual = (req.headers.consistencylevel ?? '').toLowerCase() === 'eventual';
      if (!eventual || count?.toLowerCase() !== 'true') {
        problems.push(
          `${used.join(', ')} makes ${op.template} an advanced query: it needs ConsistencyLevel: eventual and $count=true ` +
            `(sent: ConsistencyLevel ${req.headers.consistencylevel ?? 'absent'}, $count ${count ?? 'absent'})`,
        );
      }
    }
  }
  return problems;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
