import { Hono } from 'hono';
import type { Services } from '../services.js';

/** The ConnectWise Hosted API page (toolbar button / pod on the Service Ticket screen). */
export function connectwiseHostedRoutes(_services: Services) {
  const app = new Hono();
  return app;
}
