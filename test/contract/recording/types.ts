/**
 * What the recorder keeps of one outgoing request. Only shapes, never values, are kept of bodies (a note body holds the
 * pass, a token request the client secret), and only a few harmless headers keep their value.
 */

/** The JSON type of a value, with objects and arrays described member by member. */
export type Shape = 'string' | 'integer' | 'number' | 'boolean' | 'null' | { object: Record<string, Shape> } | { array: Shape[] };

export type RecordedBody =
  | { kind: 'json'; shape: Shape }
  | { kind: 'form'; fields: string[] }
  | { kind: 'text'; length: number };

export interface RecordedRequest {
  method: string;
  /** The full URL, query included (queries carry ids and filters, not secrets). */
  url: string;
  /** Lower-cased header names; the value only for SAFE_HEADER_VALUES, otherwise "(sent)". */
  headers: Record<string, string>;
  body?: RecordedBody;
  /** Where it came from: the test file and test, and the connector's function that sent it. */
  origin?: { file?: string; test?: string; caller?: string };
}

/** Header values worth keeping for the checks (content negotiation, advanced queries); every other value is dropped. */
export const SAFE_HEADER_VALUES = new Set(['accept', 'content-type', 'consistencylevel', 'prefer']);

export function shapeOf(value: unknown): Shape {
  if (value === null) return 'null';
  if (Array.isArray(value)) return { array: value.map(shapeOf) };
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return Number.isInteger(value) ? 'integer' : 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return { object: Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, shapeOf(v)])) };
    default:
      // undefined, functions, bigints: JSON.stringify would drop or refuse them; they cannot be in a parsed body.
      return 'null';
  }
}

/** The recorded form of a request body sent as a string (the adapters always send strings). */
export function describeBody(body: string, contentType: string | undefined): RecordedBody {
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) {
    return { kind: 'form', fields: [...new URLSearchParams(body).keys()] };
  }
  try {
    return { kind: 'json', shape: shapeOf(JSON.parse(body)) };
  } catch {
    return { kind: 'text', length: body.length };
  }
}
