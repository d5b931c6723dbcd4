import { describe, expect, it } from 'vitest';
import { createAttemptThrottle, createInFlightLimit } from '../../src/http/attempt-throttle.js';

describe('attempt throttle', () => {
  it('a reservation counts at once: of 300 attempts reserved before any settles, only the limit is allowed', () => {
    const throttle = createAttemptThrottle({ maxFailures: 20, windowMs: 60_000 });
    const reservations = Array.from({ length: 300 }, () => throttle.reserve('source'));
    expect(reservations.filter((r) => r.allowed)).toHaveLength(20);
    for (const r of reservations) r.fail();
    expect(throttle.reserve('source').allowed).toBe(false);
    expect(throttle.reserve('other').allowed).toBe(true);
  });

  it('released attempts free their place; failed ones keep it until the window passes', () => {
    let clock = 0;
    const throttle = createAttemptThrottle({ maxFailures: 2, windowMs: 1_000, now: () => clock });
    throttle.reserve('k').release();
    throttle.reserve('k').release();
    expect(throttle.remaining('k')).toBe(2);
    const first = throttle.reserve('k');
    expect(first.remainingAfterThis).toBe(1);
    first.fail();
    first.fail(); // settling twice counts once
    throttle.reserve('k').fail();
    const refused = throttle.reserve('k');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1);
    clock = 1_001;
    expect(throttle.reserve('k').allowed).toBe(true);
  });

  it('success forgets the key\'s failures', () => {
    const throttle = createAttemptThrottle({ maxFailures: 3, windowMs: 60_000 });
    throttle.reserve('k').fail();
    throttle.reserve('k').fail();
    throttle.reserve('k').succeed();
    expect(throttle.remaining('k')).toBe(3);
  });

  it('memory stays bounded under a spray of keys', () => {
    const throttle = createAttemptThrottle({ maxFailures: 1, windowMs: 60_000, maxKeys: 100 });
    for (let i = 0; i < 1_000; i += 1) throttle.reserve(`k${i}`).fail();
    expect(throttle.reserve('k0').allowed).toBe(true); // forgotten, not crashed
    expect(throttle.reserve('k999').allowed).toBe(false);
  });
});

describe('in-flight limit', () => {
  it('answers at once beyond the bound, in total and per key', () => {
    const limit = createInFlightLimit({ max: 3, perKey: 2 });
    const a1 = limit.enter('a');
    const a2 = limit.enter('a');
    expect(limit.enter('a')).toBeUndefined();
    const b1 = limit.enter('b');
    expect(limit.enter('c')).toBeUndefined();
    a1!();
    a1!(); // releasing twice frees one place only
    expect(limit.inFlight()).toBe(2);
    expect(limit.enter('c')).toBeDefined();
    expect(limit.enter('c')).toBeUndefined();
    a2!();
    b1!();
    expect(limit.inFlight('a')).toBe(0);
  });
});
