/**
 * Graph, Entra, ConnectWise and Halo send `Retry-After` as seconds or as an HTTP date (reference/entra-graph.md, Throttling).
 * Returns milliseconds to wait from `now`, or undefined when the header is absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

export function retryAfterSeconds(header: string | null | undefined, now: Date): number | undefined {
  const ms = retryAfterMs(header, now);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}
