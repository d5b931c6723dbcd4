import { ERROR_CATALOGUE } from '../../errors.js';

/**
 * The one sentence the Audit page shows under each outcome. A row that carries its own sentence (lifecycle events
 * write one) keeps it; a refusal or failure takes its error code's sentence from the catalogue, the same words the
 * ticket note used; the rest are said here.
 */
const OUTCOME_SENTENCES: Record<string, string> = {
  ISSUED: 'The pass was created in the tenant; its note carries it to the ticket.',
  NOTE_UNDELIVERABLE: 'The note with the pass could not be written to the ticket in time, so the pass was revoked in Entra.',
};

const NOTE_STATUS: Record<string, string> = {
  written: 'The note is on the ticket.',
  pending: 'The note is waiting in the outbox and will be retried.',
  failed: 'The note could not be written.',
};

export function explainOutcome(row: { outcome: string; outcomeCode: string; detail?: string | null; noteStatus?: string | null }): string {
  if (row.detail) return row.detail;
  const catalogue = (ERROR_CATALOGUE as Record<string, { explain: string } | undefined>)[row.outcomeCode];
  const sentence = OUTCOME_SENTENCES[row.outcomeCode] ?? catalogue?.explain ?? `Recorded as ${row.outcome} (${row.outcomeCode}).`;
  return row.outcome === 'issued' && row.noteStatus && NOTE_STATUS[row.noteStatus] ? `${sentence} ${NOTE_STATUS[row.noteStatus]}` : sentence;
}
