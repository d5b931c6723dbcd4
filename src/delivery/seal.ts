import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Outbox notes sealed with AES-256-GCM and a random 96-bit nonce. Layout: version(1) | nonce(12) | tag(16) | ciphertext.
 *
 * The associated data binds the sealed body to where it is going: the row id, the PSA, the ticket id, the issuance id
 * and the kind of note. Whoever can edit the database but does not hold TAP_SEAL_KEY cannot send a pass to another
 * ticket (issue 11: editing `ticket_id` once delivered a Fabrikam pass to a Contoso ticket): the body no longer opens.
 *
 * Version 1 (before that fix) bound the row id only. Its rows still open, with the row id as associated data, so a
 * note queued before an upgrade is still delivered; every new row is sealed as version 2.
 */
const V1_ROW_ID_ONLY = 1;
const V2_BOUND = 2;

export interface SealBinding {
  rowId: string;
  psa: string;
  ticketId: string;
  issuanceId: string | null | undefined;
  kind: string;
}

/** A fixed, unambiguous encoding of the binding (JSON of an array: no field can run into the next). */
function associatedData(version: number, b: SealBinding): Buffer {
  const text = version === V1_ROW_ID_ONLY ? b.rowId : JSON.stringify(['tap-outbox-v2', b.rowId, b.psa, b.ticketId, b.issuanceId ?? null, b.kind]);
  return Buffer.from(text, 'utf8');
}

/** Seals a note (a pass note or an information note) for the row and destination in `binding`. */
export function sealNote(key: Buffer, binding: SealBinding, plaintext: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(associatedData(V2_BOUND, binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([V2_BOUND]), nonce, cipher.getAuthTag(), ciphertext]);
}

export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

export function openSealed(key: Buffer, binding: SealBinding, sealed: Buffer): string {
  const version = sealed[0];
  if (sealed.length < 29 || (version !== V1_ROW_ID_ONLY && version !== V2_BOUND)) throw new SealError('sealed body has an unknown layout');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 13));
  decipher.setAAD(associatedData(version, binding));
  decipher.setAuthTag(sealed.subarray(13, 29));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString('utf8');
  } catch {
    throw new SealError('sealed body does not open with this TAP_SEAL_KEY for this row (wrong key, or the row was altered)');
  }
}

/** The binding of an outbox row as stored. */
export function bindingOf(row: { id: string; psa: string; ticketId: string; issuanceId: string | null; kind: string }): SealBinding {
  return { rowId: row.id, psa: row.psa, ticketId: row.ticketId, issuanceId: row.issuanceId, kind: row.kind };
}
