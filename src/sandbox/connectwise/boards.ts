import { Hono } from 'hono';
import { respondWithList } from './listing.js';
import type { CwEnv } from './routes.js';
import type { ConnectWiseState } from './state.js';

/**
 * `GET /service/boards` (reference specs/connectwise-2025.1-operations.json): the board list with conditions, used by
 * `npm run doctor` to confirm CW_ONBOARDING_BOARD by name. Registered under the authenticated API base like the rest.
 */
export function connectWiseBoardRoutes(state: ConnectWiseState): Hono<CwEnv> {
  const api = new Hono<CwEnv>();
  api.get('/service/boards', (c) =>
    respondWithList(
      c,
      state.boards.map((b) => ({ id: b.id, name: b.name, inactiveFlag: false })),
      { schema: { id: { type: 'number' }, name: { type: 'string' }, inactiveFlag: { type: 'boolean' } } },
    ),
  );
  return api;
}
