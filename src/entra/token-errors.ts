import { AuthError, ServerError } from '@azure/msal-node';
import { AppError } from '../errors.js';
import type { TokenEndpointFailure } from './msal-network.js';

/** Retry-After to suggest when Entra sends none: MSAL's own default throttle time (reference/entra-graph.md). */
const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** OAuth error codes that mean "this app may not get a token in this tenant", i.e. something an admin must fix. */
const REFUSED = new Set(['invalid_client', 'unauthorized_client', 'invalid_grant', 'invalid_request', 'invalid_scope', 'invalid_resource', 'access_denied']);

/** The commonest AADSTS numbers, each with what to do about it. */
const AADSTS_ADVICE: Record<string, (tenantId: string) => string> = {
  '700016': (t) => `The connector's app is not registered in tenant ${t}: a Global Administrator of that tenant must grant admin consent to the app.`,
  '7000215': () => "Entra rejected the connector's client secret: check ENTRA_CLIENT_SECRET holds the secret's value (not its id).",
  '7000222': () => "The connector's client secret has expired: create a new one on the app registration and update ENTRA_CLIENT_SECRET.",
  '700027': () => "Entra rejected the connector's certificate: upload it to the app registration and check ENTRA_CERTIFICATE_THUMBPRINT_SHA256.",
  '90002': (t) => `Tenant ${t} does not exist in this cloud: check the company's tenant id in its mapping.`,
  '90023': (t) => `Tenant ${t} rejected the token request: check the company's tenant id in its mapping.`,
  '500011': (t) => `Microsoft Graph is not available to the app in tenant ${t}: check GRAPH_BASE_URL matches the tenant's cloud.`,
};

/** Maps what MSAL throws to an AppError whose detail names the tenant and the fix, and carries no upstream text. */
export function tokenErrorToAppError(error: unknown, tenantId: string): AppError {
  if (error instanceof AppError) return error;
  if (!(error instanceof AuthError)) {
    return new AppError('INTERNAL', `Could not request an Entra token for tenant ${tenantId}.`, { cause: error });
  }
  const status = error instanceof ServerError ? error.status : undefined;
  if (status === 429) {
    const retryAfterSeconds = (error as TokenEndpointFailure).retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
    return new AppError('UPSTREAM_THROTTLED', `Entra is throttling token requests for tenant ${tenantId}; try again in ${retryAfterSeconds} s — no pass was issued.`, {
      retryAfterSeconds,
      cause: error,
    });
  }
  if ((status !== undefined && status >= 500) || ['network_error', 'temporarily_unavailable', 'invalid_response'].includes(error.errorCode)) {
    const retryAfterSeconds = (error as TokenEndpointFailure).retryAfterSeconds;
    return new AppError('UPSTREAM_UNAVAILABLE', `Entra did not issue a token for tenant ${tenantId} (it is unavailable); try again shortly — no pass was issued.`, {
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      cause: error,
    });
  }
  // AADSTS90002: the tenant id names no tenant (a typo, or another cloud). Said plainly: it is the admin's input.
  if (error instanceof ServerError && (error.errorCode === 'invalid_tenant' || String(error.errorNo ?? '') === '90002')) {
    return new AppError('TENANT_NOT_FOUND', `No such tenant — check the id or domain: ${tenantId} is not a tenant in this cloud.`, { cause: error });
  }
  if (error instanceof ServerError && REFUSED.has(error.errorCode)) {
    const advice = AADSTS_ADVICE[String(error.errorNo ?? '')];
    return new AppError(
      'ENTRA_ACCESS_DENIED',
      advice
        ? advice(tenantId)
        : `Entra refused the connector's app in tenant ${tenantId} (${error.errorCode}): grant admin consent for its Graph permissions in that tenant and check the app's credentials.`,
      { cause: error },
    );
  }
  // MSAL's own client or configuration errors (a malformed key, a bad authority): a setup problem on our side.
  return new AppError('INTERNAL', `The connector could not request an Entra token for tenant ${tenantId} (${safeCode(error.errorCode)}).`, { cause: error });
}

function safeCode(code: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : 'unknown error';
}
