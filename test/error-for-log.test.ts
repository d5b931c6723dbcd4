import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.js';
import { errorForLog } from '../src/logger.js';

describe('errorForLog', () => {
  it('keeps the stack of an unexpected error, where the bug is', () => {
    const logged = errorForLog(new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(logged).toMatchObject({ name: 'TypeError', message: "Cannot read properties of undefined (reading 'id')" });
    expect(logged.stack).toEqual(expect.stringContaining('error-for-log.test.ts'));
  });

  it('an AppError coded INTERNAL is unexpected: it keeps its stack and its cause with the cause\'s stack', () => {
    const cause = new RangeError('Invalid time value');
    const logged = errorForLog(new AppError('INTERNAL', 'The connector failed unexpectedly.', { cause }));
    expect(logged.stack).toEqual(expect.stringContaining('error-for-log.test.ts'));
    expect(logged.cause).toMatchObject({ name: 'RangeError', message: 'Invalid time value', stack: expect.stringContaining('error-for-log.test.ts') });
  });

  it('logs an expected AppError as its code and sentence, without a stack', () => {
    const logged = errorForLog(new AppError('USER_NOT_FOUND'));
    expect(logged).toEqual({ name: 'AppError', message: expect.stringContaining('No account'), code: 'USER_NOT_FOUND', status: 422 });
    // An upstream that is down is expected too: neither it nor its network error carries a stack.
    const down = errorForLog(new AppError('UPSTREAM_UNAVAILABLE', 'HaloPSA did not answer.', { cause: new TypeError('fetch failed') }));
    expect(JSON.stringify(down)).not.toContain('error-for-log.test.ts');
  });

  it('keeps no more than the first lines of a stack', () => {
    const error = new Error('deep');
    error.stack = ['Error: deep', ...Array.from({ length: 100 }, (_, i) => `    at frame${i} (file.ts:${i}:1)`)].join('\n');
    expect(String(errorForLog(error).stack).split('\n').length).toBeLessThanOrEqual(16);
  });
});
