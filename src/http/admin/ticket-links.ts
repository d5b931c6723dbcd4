import type { Config } from '../../config/index.js';
import type { PsaKind } from '../../domain.js';

/**
 * Where a technician opens a ticket in the PSA's own UI. Best-effort: neither vendor documents these as stable.
 * ConnectWise serves the UI from the same site host as the API in most cloud regions (e.g. na.myconnectwise.net vs
 * api-na.myconnectwise.net — the API prefix is dropped) and has opened this service-ticket page for many releases;
 * Halo opens a ticket at /ticket?id= under its base URL. Undefined when the PSA is not configured.
 */
export function ticketUrl(config: Config, psa: PsaKind | null, ticketId: string | null): string | undefined {
  if (!psa || !ticketId || !/^[A-Za-z0-9_-]{1,64}$/.test(ticketId)) return undefined;
  if (psa === 'connectwise' && config.connectwise) {
    const site = config.connectwise.site.replace('://api-', '://');
    return `${site}/v4_6_release/services/system_io/Service/fv_sr100_request.rails?service_recid=${encodeURIComponent(ticketId)}`;
  }
  if (psa === 'halo' && config.halo) return `${config.halo.baseUrl}/ticket?id=${encodeURIComponent(ticketId)}`;
  return undefined;
}
