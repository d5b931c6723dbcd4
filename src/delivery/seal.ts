import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with a random 96-bit nonce; the outbox row id is the associated data, so a sealed body moved to another
 * row does not open. Layout: version(1) | nonce(12) | tag(16) | ciphertext.
 */
const VERSION = 1;

export function sealPass(key: Buffer, associatedData: string, plaintext: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), ciphertext]);
}

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

export function openSealed(key: Buffer, associatedData: string, sealed: Buffer): string {
  if (sealed.length < 29 || sealed[0] !== VERSION) throw new SealError('sealed body has an unknown layout');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(sealed.subarray(13, 29));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
  } catch {
    throw new SealError('sealed body does not open with this TAP_SEAL_KEY (wrong key or tampered row)');
  }
}
