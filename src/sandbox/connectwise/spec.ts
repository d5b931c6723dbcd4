import published from './operations-2025.1.json' with { type: 'json' };

/**
 * What ConnectWise's published API (2025.1) has: method and path of each operation, from the extract in
 * reference/specs (operations-2025.1.json; a test keeps the two equal). The simulated ConnectWise answers 404 to a
 * path the API does not describe and 405 to a method a described path does not take, before anything else — an
 * adapter calling an invented endpoint (such as `GET /system/myAccount`) fails here as it would on a real instance.
 * Paths are matched with their case: the API describes one spelling, and the sandbox holds adapters to it.
 */

interface Described {
  method: string;
  pattern: RegExp;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const described: Described[] = published.operations.map((operation) => {
  const space = operation.indexOf(' ');
  const path = operation.slice(space + 1);
  // A segment starting with `{` is a parameter: one path segment.
  const segments = path.split('/').map((segment) => (segment.startsWith('{') ? '[^/]+' : escape(segment)));
  return { method: operation.slice(0, space), pattern: new RegExp(`^${segments.join('/')}$`) };
});

export type SpecVerdict = { kind: 'described' } | { kind: 'no-such-path' } | { kind: 'wrong-method'; allow: string[] };

/** `path` is relative to `apis/3.0`, e.g. `/service/tickets/48112/notes`. */
export function describedByConnectWise(method: string, path: string): SpecVerdict {
  const matching = described.filter((d) => d.pattern.test(path));
  if (matching.length === 0) return { kind: 'no-such-path' };
  if (matching.some((d) => d.method === method.toUpperCase())) return { kind: 'described' };
  return { kind: 'wrong-method', allow: [...new Set(matching.map((d) => d.method))] };
}
