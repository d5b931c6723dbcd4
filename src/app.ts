import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { AppError } from './errors.js';
import { closeRequestLog, errorForLog, requestContext, type RequestLogContext } from './logger.js';
import type { Services } from './services.js';
import { describeSetup } from './setup-status.js';
import { adminRoutes } from './http/admin/index.js';
import { hasAdminSession } from './http/admin/auth.js';
import { createAdminTokenGuard } from './http/admin-token.js';
import { buttonRoutes } from './http/button.js';
import { connectwiseHostedRoutes } from './http/connectwise-hosted/routes.js';
import { openApiRoutes } from './http/openapi.js';
import { mappingsApiRoutes } from './http/mappings-api.js';
import { errorPageRoutes } from './http/error-pages.js';
import { problemResponse } from './http/problem.js';

/**
 * The Hono app: middleware, routes and the one error handler that maps coded errors to problem+json. Used by
 * main.ts and by tests alike (`app.request(...)`).
 */
export function createApp(services: Services) {
  const app = new Hono();
  const { logger } = services;
  const publicBaseUrl = services.config.server.publicBaseUrl;

  // Every request gets an id made here: an id taken from the caller could repeat another request's or forge log
  // entries. A caller's own X-Request-Id, when it is a plain token, is logged beside ours as callerRequestId.
  app.use(requestId({ headerName: '' }));
  app.use(async (c, next) => {
    const started = performance.now();
    c.header('X-Request-Id', c.get('requestId'));
    const callerRequestId = /^[\w.:-]{1,64}$/.exec(c.req.header('x-request-id') ?? '')?.[0];
    const context: RequestLogContext = { requestId: c.get('requestId'), ...(callerRequestId ? { callerRequestId } : {}) };
    await requestContext.run(context, async () => {
      await next();
      // Method, path and status only: query strings, headers and bodies may carry secrets. What the request did (a pass
      // issued: logOutcome) is told on this same line, one line per request.
      logger.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), ...closeRequestLog(context) }, 'request');
    });
  });
  // Per-page CSPs (hosted page, admin pages) are set by their routes; this is the API default.
  app.use(
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      xFrameOptions: false,
      referrerPolicy: 'no-referrer',
      // Pages that set their own CSP (hosted page, admin) keep it; secureHeaders runs after the route.
      overwrite: false,
    }),
  );

  const adminToken = createAdminTokenGuard(services);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    let database = false;
    try {
      // Open and still the file we opened: a deleted or replaced data folder answers queries from a ghost.
      database = services.storage.sqlite.prepare('select 1 as ok').get() !== undefined && !services.storage.fileProblem();
    } catch {
      database = false;
    }
    const workers = services.health.snapshot();
    // A PSA that cannot issue (no Entra app) refuses every press and ticket: not ready, and say why.
    const setup = describeSetup(services.config);
    const ready = database && setup.canIssue && Object.values(workers).every((w) => w.running);
    const status = ready ? 'ready' : 'not ready';
    // Worker names, errors and backlog are for the operator: an admin session or the admin API token.
    if (!hasAdminSession(services, c) && !adminToken.presented(c)) return c.json({ status }, ready ? 200 : 503);
    return c.json(
      { status, database, issuance: { ready: setup.canIssue, blockers: setup.blockers }, workers, outboxBacklog: database ? services.outbox.backlog() : null },
      ready ? 200 : 503,
    );
  });

  app.route('/', buttonRoutes(services));
  app.route('/', mappingsApiRoutes(services, adminToken));
  app.route('/', openApiRoutes(services));
  app.route('/', connectwiseHostedRoutes(services));
  app.route('/', adminRoutes(services));
  app.route('/', errorPageRoutes());

  app.notFound((c) => problemResponse(c, new AppError('NOT_FOUND'), publicBaseUrl));
  app.onError((error, c) => {
    if (error instanceof AppError) {
      if (error.status >= 500 && error.code !== 'UPSTREAM_UNAVAILABLE') {
        logger.error({ code: error.code, err: errorForLog(error.extra.cause ?? error) }, 'request failed');
      }
      return problemResponse(c, error, publicBaseUrl);
    }
    if (error instanceof HTTPException) {
      const code = error.status === 413 ? 'PAYLOAD_TOO_LARGE' : error.status === 401 ? 'UNAUTHORIZED' : error.status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST';
      return problemResponse(c, new AppError(code), publicBaseUrl);
    }
    logger.error({ err: errorForLog(error) }, 'unhandled error');
    return problemResponse(c, new AppError('INTERNAL'), publicBaseUrl);
  });
  return app;
}
