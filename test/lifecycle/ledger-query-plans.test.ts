import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/db/index.js';
import { createPassLedger } from '../../src/lifecycle/passes.js';

/**
 * The pass ledger's lookups read the rows of one ticket or one user through an index, never every issued row of the
 * audit trail: SQLite chose the outcome index (outcome, created_at) for two of them, so each read grew with the whole
 * table (a press replacing a live pass, a revoke, the ticket follower).
 */

let storage: Storage;
let prepared: string[];
const originalPrepare = Database.prototype.prepare;

beforeEach(() => {
  prepared = [];
  Database.prototype.prepare = function (this: Database.Database, source: string) {
    prepared.push(source);
    return originalPrepare.call(this, source);
  } as typeof Database.prototype.prepare;
  storage = openStorage(':memory:');
});

afterEach(() => {
  Database.prototype.prepare = originalPrepare;
  storage.close();
});

/** EXPLAIN QUERY PLAN of the select the ledger prepares whose SQL matches `where`. */
function planFor(where: RegExp): string {
  prepared = [];
  createPassLedger(storage.db, () => new Date('2026-11-26T10:00:00Z'));
  const statement = prepared.find((s) => s.startsWith('select') && where.test(s));
  if (!statement) throw new Error(`the ledger prepares no select matching ${String(where)}`);
  const params = (statement.match(/\?/g) ?? []).map(() => 'x');
  return storage.sqlite
    .prepare(`explain query plan ${statement}`)
    .all(...params)
    .map((r) => (r as { detail: string }).detail)
    .join(' ');
}

describe('pass ledger lookups', () => {
  it("a pass by its Graph method id reads the user's rows (issuances_live_user)", () => {
    expect(planFor(/"graph_method_id" = \?/)).toMatch(/USING INDEX issuances_live_user \(tenant_id=\? AND user_object_id=\?/);
  });

  it("a ticket's live passes read the ticket's rows (issuances_ticket_user)", () => {
    expect(planFor(/"ticket_id" = \?.*"expires_at" > \?/)).toMatch(/USING INDEX issuances_ticket_user \(psa=\? AND ticket_id=\?/);
  });
});
