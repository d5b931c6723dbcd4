import type { AdminSession } from './sessions.js';

/** Hono variables the admin pages share: the signed-in session (absent on the sign-in page). */
export interface AdminEnv {
  Variables: {
    session: AdminSession | undefined;
  };
}

export const ADMIN_PAGE_SIZE = 50;

/** `?page=` as a 1-based page number; anything odd is page 1. */
export function pageNumber(raw: string | undefined): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}
