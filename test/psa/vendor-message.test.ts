import { describe, expect, it } from 'vitest';
import { scrubVendorMessage } from '../../src/psa/vendor-message.js';

const PASS = 'Xa9#k2!qLm';
const body = JSON.stringify([{ ticket_id: 2012, outcome_id: 7, note_html: `<p>Temporary Access Pass: <code>${PASS}</code></p><p>Valid from 08:00 for 60 minutes.</p>`, hiddenfromuser: true }]);
const scrub = (message: string, secrets: string[] = []) => scrubVendorMessage(message, { secrets, sent: [body, 'Bearer token-abcdef-123456'] });

describe('scrubVendorMessage', () => {
  it.each([
    ['quoted as sent', `Invalid note_html '<code>${PASS}</code>'`],
    ['quoted as text', `Note "Temporary Access Pass: ${PASS}" rejected.`],
    ['inside the raw body', `Could not save ${body}`],
    ['with a trailing full stop', `Bad value ${PASS}.`],
  ])('cuts the pass when the vendor quotes it %s', (_how, message) => {
    const out = scrub(message);
    expect(out).not.toContain(PASS);
    expect(out).toContain('[redacted]');
  });

  it('keeps the vendor words and our field names, which quote no secret', () => {
    expect(scrub('[0].ticket_id: The value is not valid.')).toBe('[0].ticket_id: The value is not valid.');
    expect(scrub('An Outcome must be entered for this Action')).toBe('An Outcome must be entered for this Action');
  });

  it('cuts configured secrets, also JSON-escaped or URL-encoded, and the request credentials', () => {
    const secret = 'se"cr/et value+1';
    const out = scrub(`got ${secret} / ${JSON.stringify(secret)} / ${encodeURIComponent(secret)} / token-abcdef-123456`, [secret]);
    expect(out).not.toContain('cr/et');
    expect(out).not.toContain('cr%2Fet');
    expect(out).not.toContain('token-abcdef');
  });

  it('stays fast on a long message that quotes nothing', () => {
    const started = performance.now();
    scrubVendorMessage('x'.repeat(1_000_000), { secrets: ['abcd'], sent: ['y'.repeat(100_000)] });
    expect(performance.now() - started).toBeLessThan(500);
  });
});
