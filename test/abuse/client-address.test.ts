import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { normaliseIp, sourceKey } from '../../src/http/client-address.js';
import { buildHarness, TEST_ENV, type TestHarness } from '../helpers/services.js';
import { expectProblem4xx } from './state.js';

/** A wrong admin token from the given X-Forwarded-For: the cheapest throttled request there is. */
async function guess(h: TestHarness, forwardedFor: string): Promise<string> {
  const res = await h.app.request('/v1/mappings', { headers: { authorization: 'Bearer wrong-token-0123456789abcdefgh', 'x-forwarded-for': forwardedFor } });
  return (await expectProblem4xx(res)).code;
}

describe('TRUST_PROXY: the hop our proxy appended, never the caller-written one', () => {
  it('rotating the caller-written first hop does not escape the throttle', async () => {
    const h = buildHarness({ env: { TRUST_PROXY: '1' } });
    const codes: string[] = [];
    for (let i = 0; i < 30; i += 1) codes.push(await guess(h, `10.0.${i}.1, 203.0.113.9`));
    expect(codes.filter((c) => c === 'TOO_MANY_ATTEMPTS')).toHaveLength(10);
  });

  it('writing a victim\'s address as the first hop does not lock the victim out', async () => {
    const h = buildHarness({ env: { TRUST_PROXY: '1' } });
    for (let i = 0; i < 30; i += 1) await guess(h, `198.51.100.7, 203.0.113.${i}`);
    expect(await guess(h, '198.51.100.7')).toBe('UNAUTHORIZED');
  });

  it('with two proxies the client is the second hop from the right', async () => {
    const h = buildHarness({ env: { TRUST_PROXY: '2' } });
    const codes: string[] = [];
    for (let i = 0; i < 25; i += 1) codes.push(await guess(h, `10.9.${i}.1, 203.0.113.9, 192.0.2.${i}`));
    expect(codes.filter((c) => c === 'TOO_MANY_ATTEMPTS')).toHaveLength(5);
  });

  it('without TRUST_PROXY (the default) X-Forwarded-For is ignored entirely', async () => {
    const h = buildHarness();
    const codes: string[] = [];
    for (let i = 0; i < 25; i += 1) codes.push(await guess(h, `10.0.${i}.1`));
    expect(codes.filter((c) => c === 'TOO_MANY_ATTEMPTS')).toHaveLength(5);
  });

  it('IPv6 callers are keyed by their /64: rotating the interface id does not escape', async () => {
    const h = buildHarness({ env: { TRUST_PROXY: '1' } });
    const codes: string[] = [];
    for (let i = 0; i < 25; i += 1) codes.push(await guess(h, `2001:db8:aa:bb:${(i + 1).toString(16)}::${i}`));
    expect(codes.filter((c) => c === 'TOO_MANY_ATTEMPTS')).toHaveLength(5);
    expect(await guess(h, '2001:db8:aa:bc::1')).toBe('UNAUTHORIZED'); // the neighbouring /64 is someone else
  });

  it('normalises what proxies write: ports, brackets, IPv4-mapped IPv6, junk', () => {
    expect(normaliseIp('203.0.113.9:4711')).toBe('203.0.113.9');
    expect(normaliseIp('[2001:DB8::1]:443')).toBe('2001:db8::1');
    expect(normaliseIp('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(normaliseIp('unknown')).toBeUndefined();
    expect(normaliseIp('<script>')).toBeUndefined();
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('::ffff:1.2.3.4')).toBe('0:0:0:0::/64');
    expect(sourceKey('203.0.113.9')).toBe('203.0.113.9');
  });
});

describe('TRUST_PROXY setting', () => {
  const load = (value: string) => loadConfig({ ...TEST_ENV, TRUST_PROXY: value });

  it('is the number of proxies in front, 0 by default', () => {
    expect(loadConfig(TEST_ENV).server.trustProxy).toBe(0);
    expect(load('2').server.trustProxy).toBe(2);
    expect(load('false').server.trustProxy).toBe(0);
  });

  it('refuses the old "true" with a message saying what to write instead', () => {
    const problems = (() => {
      try {
        load('true');
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems.join('\n')).toMatch(/TRUST_PROXY:.*number of proxies.*TRUST_PROXY=1/);
    expect(() => load('-1')).toThrow(ConfigError);
    expect(() => load('many')).toThrow(ConfigError);
  });
});
