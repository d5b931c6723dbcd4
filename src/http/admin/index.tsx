/** @jsxImportSource hono/jsx */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Services } from '../../services.js';
import { auditRoutes } from './audit.js';
import { adminAuth } from './auth.js';
import { companiesListRoutes } from './companies-list.js';
import { companyPageRoutes, notFoundPage } from './company-page.js';
import { createCompanyDirectory } from './company-directory.js';
import type { AdminEnv } from './context.js';
import { healthRoutes } from './health.js';
import { onboardingRoutes } from './onboarding.js';
import { setupCheckRoutes } from './setup-check.js';
import { Layout, Notice } from './layout.js';
import { CSV_MAX_BYTES } from './mappings-csv.js';
import { mappingsPageRoutes } from './mappings-page.js';
import { adminSecurityHeaders, findAsset } from './security.js';
import { createSuggestionSources } from './suggestion-sources.js';
import { suggestionsPageRoutes } from './suggestions-page.js';

/** Paths served without a session: the sign-in page and the stylesheet/script it needs. */
const PUBLIC = /^\/admin\/(?:sign-in|assets\/[a-z.]+)$/;

/** Admin pages (sign-in, companies, suggestions, import/export, audit, health), server-rendered with hono/jsx. */
export function adminRoutes(services: Services) {
  const app = new Hono<AdminEnv>();
  const auth = adminAuth(services);
  const directory = createCompanyDirectory(services);
  const sources = createSuggestionSources(services);

  app.use('/admin', adminSecurityHeaders());
  app.use('/admin/*', adminSecurityHeaders());
  // Forms are small; only the CSV upload needs room (its own check gives the friendlier message).
  app.use(
    '/admin/*',
    bodyLimit({
      maxSize: CSV_MAX_BYTES + 64 * 1024,
      onError: (c) => c.html(<Layout title="Too large"><Notice kind="error">The upload is too large.</Notice></Layout>, 413),
    }),
  );

  app.get('/admin/assets/:name', (c) => {
    const asset = findAsset(c.req.param('name'));
    if (!asset) return c.text('Not found', 404);
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=300' });
  });
  app.route('/', auth.routes);

  app.use('/admin', auth.requireSession);
  app.use('/admin/*', async (c, next) => (PUBLIC.test(c.req.path) ? next() : auth.requireSession(c, next)));
  app.use('/admin/*', async (c, next) => (PUBLIC.test(c.req.path) ? next() : auth.requireCsrf(c, next)));

  app.get('/admin', (c) => c.redirect('/admin/companies', 303));
  app.route('/', companiesListRoutes(services, directory));
  app.route('/', suggestionsPageRoutes(services, directory, sources));
  app.route('/', companyPageRoutes(services, directory, sources));
  app.route('/', mappingsPageRoutes(services));
  app.route('/', auditRoutes(services));
  app.route('/', healthRoutes(services));
  app.route('/', onboardingRoutes(services));
  app.route('/', setupCheckRoutes(services));
  // Anything else under /admin is a page that does not exist (signed in: an HTML answer, not problem+json).
  app.all('/admin/*', (c) => notFoundPage(c, 'There is no admin page at this address.'));
  return app;
}
