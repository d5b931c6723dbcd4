import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** A GUID derived from a name, so seeded ids are the same on every run (tests and docs can name them). */
export function stableGuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  // Shaped as a version-4 GUID (variant bits set) so validators that check the version nibble accept it.
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const randomGuid = (): string => randomUUID();

/** An opaque bearer token: the simulated services never issue JWTs, so clients cannot come to depend on their contents. */
export const opaqueToken = (): string => randomBytes(32).toString('base64url');

/** Uniformly random string over an alphabet (rejection sampling, no modulo bias). */
export function randomString(length: number, alphabet: string): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 256 - (256 % alphabet.length)) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}
