import type { HaloConfig } from '../../config/index.js';
import type { AppError } from '../../errors.js';
import { clip, errorFromResponse, tryParseJson, type HttpDeps, type PsaHttpResponse } from '../http.js';
import { vendorCode } from '../vendor-message.js';

/** A failed Halo answer as an AppError with the vendor's own words and the setting an admin should check. */
export function haloFailure(res: PsaHttpResponse, config: HaloConfig, http: HttpDeps): AppError {
  return errorFromResponse(res, {
    vendor: 'HaloPSA',
    message: haloMessage(res.text),
    vendorCode: haloCode(res.text),
    credentialHint:
      "check HALO_CLIENT_ID, HALO_CLIENT_SECRET and HALO_SCOPE, and that the API application's login type is Agent",
    permissionHint:
      "the API application's permissions or its agent's role do not allow this call (Configuration → Integrations → Halo API)",
    secrets: [config.clientSecret],
    now: http.now(),
  });
}

/** Halo's machine-readable error, when its body has one: `{"error":"invalid_client"}`, `{resultCode}`, `{ClassName}`. */
export function haloCode(text: string): string | undefined {
  const json = tryParseJson(text);
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  return vendorCode(record.error) ?? vendorCode(record.resultCode) ?? vendorCode(record.ClassName);
}

const MESSAGE_KEYS = ['error_description', 'errorMessage', 'ErrorMessage', 'Message', 'message', 'error', 'ClassName'];

/**
 * Halo's error bodies come in many shapes (reference "Limits and errors"): `{"error":"invalid_client"}`,
 * `{resultCode, errorMessage}`, `{ClassName, Message}`, `{Message}`, field-keyed 400s like `{"[0].id": …}`, a bare
 * JSON string, or plain text. Returns the first human message found.
 */
export function haloMessage(text: string): string | undefined {
  const json = tryParseJson(text);
  if (typeof json === 'string') return json.trim() || undefined;
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const record = json as Record<string, unknown>;
    for (const key of MESSAGE_KEYS) {
      const value = record[key];
      if (typeof value === 'string' && value.trim() !== '') return value;
    }
    const fields = Object.entries(record)
      .map(([key, value]) => [key, Array.isArray(value) ? value.filter((v) => typeof v === 'string').join(' ') : value] as const)
      .filter((entry): entry is readonly [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
      .slice(0, 3)
      .map(([key, value]) => `${key}: ${value}`);
    return fields.length > 0 ? fields.join('; ') : undefined;
  }
  const trimmed = text.trim();
  // An HTML error page says nothing useful in a sentence.
  return trimmed === '' || trimmed.startsWith('<') || json !== undefined ? undefined : clip(trimmed);
}
