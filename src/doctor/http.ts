import type { Logger } from '../logger.js';
import { defaultSleep, type HttpDeps } from '../psa/http.js';

/**
 * The doctor's transport: the adapters' own clients (same headers, same error words), but one attempt per call and a
 * short timeout, so a wrong host or a refused key is reported in seconds rather than after a minute of retries.
 */
export function doctorHttp(vendor: HttpDeps['vendor'], logger: Logger): HttpDeps {
  return {
    vendor,
    fetch: (input, init) => globalThis.fetch(input, init),
    sleep: defaultSleep,
    random: Math.random,
    now: Date.now,
    logger,
    policy: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxTotalWaitMs: 0 },
    timeoutMs: 10_000,
  };
}

/** The setting's environment name from its config key: doneStatus → CW_DONE_STATUS, doneStatusId → HALO_DONE_STATUS_ID. */
export function variableName(prefix: 'CW' | 'HALO', key: string): string {
  return `${prefix}_${key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** The words of a thrown error, safe to show (AppError details never carry secrets or upstream bodies). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const e = error as Error & { detail?: unknown; title?: unknown };
    return typeof e.detail === 'string' && e.detail ? e.detail : e.message;
  }
  return String(error);
}
