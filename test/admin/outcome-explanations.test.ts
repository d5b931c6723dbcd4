import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../../src/errors.js';
import { explainOutcome } from '../../src/http/admin/outcome-explanations.js';

describe('the Audit page explains every outcome in one sentence', () => {
  it('for every error code, with the same words the ticket note used', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(explainOutcome({ outcome: 'refused', outcomeCode: code })).toBe(entry.explain);
    }
  });

  it('for an issued pass, with where its note is', () => {
    expect(explainOutcome({ outcome: 'issued', outcomeCode: 'ISSUED', noteStatus: 'pending' })).toBe('The pass was created in the tenant; its note carries it to the ticket. The note is waiting in the outbox and will be retried.');
    expect(explainOutcome({ outcome: 'revoked', outcomeCode: 'NOTE_UNDELIVERABLE' })).toMatch(/^The note with the pass could not be written to the ticket in time, so the pass was revoked/);
  });

  it("keeps a lifecycle event's own sentence", () => {
    expect(explainOutcome({ outcome: 'replaced', outcomeCode: 'PASS_REPLACED', detail: 'Replaced by the pass of ticket #48113.' })).toBe('Replaced by the pass of ticket #48113.');
  });
});
