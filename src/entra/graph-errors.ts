import { GraphClientError, GraphError } from '@microsoft/microsoft-graph-client';
import { AppError } from '../errors.js';
import { retryAfterSeconds } from '../retry-after.js';

const DEFAULT_RETRY_AFTER_SECONDS = 60;

export interface GraphCallContext {
  tenantId: string;
  /** What was being done, for the technician: "read the user", "create the pass"… */
  action: string;
  /** The Graph permission that covers the call, named when Graph answers 403. */
  permission: string;
  /** 404 means the user does not exist (calls under /users/{id}). */
  userScoped?: boolean;
  /** The TAP create: its failures must not claim that no pass exists. */
  isCreate?: boolean;
  now: Date;
}

/** Graph's error messages for a refused TAP create (reference/entra-graph.md, Temporary Access Pass). */
const LIFETIME_RANGE = /LifetimeInMinutes.*?between\s+(\d+)\s+and\s+(\d+)/i;
const POLICY_REFUSAL = /Converged UserCredentialPolicy does not allow/i;
const GUEST_REFUSAL = /external guest/i;

/** The HTTP status of a Graph failure; -1 when no response came (network failure or timeout). */
export function graphStatus(error: unknown): number | undefined {
  return error instanceof GraphError ? error.statusCode : undefined;
}

/**
 * Maps a Graph failure to an AppError. The detail is ours: status, Graph's error code and the numbers of a lifetime
 * range at most — never Graph's body, which can echo request data.
 */
export function graphErrorToAppError(error: unknown, ctx: GraphCallContext): AppError {
  if (error instanceof AppError) return error;
  // Failures inside our middleware (the token request) arrive wrapped; see graph-client.ts.
  if (error instanceof GraphClientError && error.customError instanceof AppError) return error.customError;
  if (!(error instanceof GraphError)) {
    return new AppError('INTERNAL', `Microsoft Graph could not be asked to ${ctx.action} in tenant ${ctx.tenantId}.`, { cause: error });
  }
  const status = error.statusCode;
  const message = typeof error.message === 'string' ? error.message : '';
  const tenant = `tenant ${ctx.tenantId}`;

  if (status === 429) {
    const seconds = retryAfterSeconds(error.headers?.get('retry-after'), ctx.now) ?? DEFAULT_RETRY_AFTER_SECONDS;
    return new AppError('UPSTREAM_THROTTLED', `Microsoft Graph is throttling ${tenant}; try again in ${seconds} s — no pass was issued.`, {
      retryAfterSeconds: seconds,
      cause: error,
    });
  }
  if (status === -1 || status >= 500) {
    const detail = ctx.isCreate
      ? `Microsoft Graph did not confirm the new pass in ${tenant}; a pass may or may not exist, so the request is not repeated automatically.`
      : `Microsoft Graph did not answer the request to ${ctx.action} in ${tenant}; try again shortly — no pass was issued.`;
    return new AppError('UPSTREAM_UNAVAILABLE', detail, { cause: error });
  }
  if (POLICY_REFUSAL.test(message)) {
    return new AppError('POLICY_DISABLED', undefined, { cause: error });
  }
  if (GUEST_REFUSAL.test(message)) return new AppError('USER_GUEST', undefined, { cause: error });
  const range = LIFETIME_RANGE.exec(message);
  if (status === 400 && range) {
    return new AppError('LIFETIME_INVALID', `The tenant accepts pass lifetimes between ${range[1]} and ${range[2]} minutes only.`, { cause: error });
  }
  if (status === 401 || status === 403) {
    return new AppError(
      'ENTRA_ACCESS_DENIED',
      `The connector's app may not ${ctx.action} in ${tenant}: grant admin consent for ${ctx.permission} there (or the matching GDAP role).`,
      { cause: error },
    );
  }
  if (status === 404 && ctx.userScoped) {
    return new AppError('USER_NOT_FOUND', undefined, { cause: error });
  }
  return new AppError('INTERNAL', `Microsoft Graph refused to ${ctx.action} in ${tenant} (HTTP ${status}${safeCode(error.code)}).`, { cause: error });
}

function safeCode(code: string | null): string {
  return code && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? ` ${code}` : '';
}
