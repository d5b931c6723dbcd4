import { isIP } from 'node:net';
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/**
 * The caller's source, as throttles key it: an IPv4 address, or the /64 an IPv6 address is in (one subscriber is
 * usually given a whole /64, so keying single IPv6 addresses would let one caller rotate through 2^64 of them).
 *
 * `trustedProxies` is TRUST_PROXY, the number of reverse proxies in front of the connector. Each proxy appends the
 * address it received the request from to X-Forwarded-For, so with N proxies the client is the Nth entry from the
 * right. Entries further left were written by the caller and are never believed: taking the first hop let anyone
 * rotate it to escape every throttle, or write a victim's address to lock the victim out.
 */
export function clientAddress(c: Context, trustedProxies: number): string {
  return sourceKey(clientIp(c, trustedProxies));
}

/** The caller's IP address (not reduced to a /64). */
export function clientIp(c: Context, trustedProxies: number): string {
  const socket = socketAddress(c);
  if (trustedProxies <= 0) return socket;
  const hops = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (hops.length === 0) return socket; // came straight to us, past the proxy
  // Fewer hops than proxies: every hop there is was written by one of our proxies, so the leftmost is the client.
  const hop = hops[Math.max(0, hops.length - trustedProxies)]!;
  return normaliseIp(hop) ?? socket;
}

function socketAddress(c: Context): string {
  try {
    return normaliseIp(getConnInfo(c).remote.address ?? '') ?? 'unknown';
  } catch {
    return 'unknown'; // app.request() in tests has no socket
  }
}

/** A bare IP address (brackets, ports and IPv4-mapped IPv6 prefixes removed), or undefined when it is not one. */
export function normaliseIp(value: string): string | undefined {
  let v = value.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracketed) v = bracketed[1]!;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(':'));
  v = v.replace(/%.*$/, ''); // zone id
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(v);
  if (mapped) v = mapped[1]!;
  return isIP(v) ? v.toLowerCase() : undefined;
}

/** IPv4 as is; IPv6 as its /64 prefix, e.g. `2001:db8:1:2::/64`. */
export function sourceKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const groups = expandIpv6(ip);
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function expandIpv6(ip: string): string[] {
  let text = ip;
  // An embedded IPv4 tail (::1.2.3.4) becomes two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => g.padStart(4, '0'));
}
