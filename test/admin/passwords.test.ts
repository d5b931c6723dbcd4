import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../src/http/admin/passwords.js';

describe('admin password hashes', () => {
  it('verifies the password it hashed and nothing else', async () => {
    const hash = await hashPassword('s3cret password!', { N: 1024, r: 8, p: 1 });
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('s3cret password!', hash)).toBe(true);
    expect(await verifyPassword('s3cret password', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    const a = await hashPassword('same', { N: 1024, r: 8, p: 1 });
    const b = await hashPassword('same', { N: 1024, r: 8, p: 1 });
    expect(a).not.toBe(b);
  });

  it('uses N=2^15 by default, which needs more than Node’s default scrypt memory cap', async () => {
    const hash = await hashPassword('default cost');
    expect(hash.split('$').slice(1, 4)).toEqual(['32768', '8', '1']);
    expect(await verifyPassword('default cost', hash)).toBe(true);
  });

  it('refuses malformed hashes and parameters that would make each sign-in a denial of service', async () => {
    const salt = Buffer.alloc(16, 1).toString('base64');
    const key = Buffer.alloc(32, 2).toString('base64');
    for (const bad of ['', 'scrypt', `bcrypt$1024$8$1$${salt}$${key}`, `scrypt$1000$8$1$${salt}$${key}`, `scrypt$${2 ** 24}$8$1$${salt}$${key}`, `scrypt$1024$99$1$${salt}$${key}`, `scrypt$1024$8$1$$${key}`]) {
      expect(parsePasswordHash(bad), bad).toBeNull();
      expect(await verifyPassword('anything', bad)).toBe(false);
    }
  });
});

describe('npm run admin:hash-password', () => {
  it('reads the password from piped stdin and prints a hash that verifies', async () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/hash-password.ts'], { input: 'piped password 123\n', encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    const hash = out.trim();
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('piped password 123', hash)).toBe(true);
  });

  it('refuses a short password', () => {
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/hash-password.ts'], { input: 'short', stdio: ['pipe', 'pipe', 'pipe'] })).toThrow(/at least 12 characters/);
  });
});
