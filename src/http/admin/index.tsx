import { Hono } from 'hono';
import type { Services } from '../../services.js';

/** Admin pages (sign-in, companies, mappings, audit, health). */
export function adminRoutes(_services: Services) {
  const app = new Hono();
  return app;
}
