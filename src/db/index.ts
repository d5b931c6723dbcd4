import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import * as schema from './schema.js';

/** drizzle over the better-sqlite3 connection (`$client`: transaction functions made once, see src/db/prepared.ts). */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export interface Storage {
  db: Db;
  sqlite: Database.Database;
  /**
   * Why the database file cannot be trusted any more (deleted or replaced on disk while open), or undefined while it
   * is the file that was opened. Checked afresh on each call.
   */
  fileProblem(): string | undefined;
  close(): void;
}

export interface StorageOptions {
  busyTimeoutMs?: number;
  /** Told loudly, once, when the database file is found deleted or replaced. */
  logger?: Pick<Logger, 'fatal'>;
  /** How often the file is looked at between writes (default 5 s). */
  watchIntervalMs?: number;
}

const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/**
 * Opens (creating if needed) the SQLite file, sets WAL, a busy timeout and foreign keys, and applies migrations.
 * `:memory:` is accepted for tests.
 *
 * The open file is watched: if the data folder is deleted or the file replaced while we run, SQLite would go on
 * writing into an unlinked inode and everything "saved" would vanish at the next start. So the file's device and inode
 * are compared every few seconds and before every write; once they differ, writes are refused (DATABASE_UNAVAILABLE),
 * /readyz reports not ready, and the logger is told once, at fatal level.
 */
export function openStorage(path: string, opts: StorageOptions = {}): Storage {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });

  const file = inMemory ? undefined : resolve(path);
  const opened = file ? statSync(file) : undefined;
  let lost: string | undefined;
  const fileProblem = (): string | undefined => {
    if (lost || !file || !opened || !sqlite.open) return lost;
    let now;
    try {
      now = statSync(file);
    } catch {
      now = undefined;
    }
    if (!now) lost = `the database file ${file} was deleted while the connector was running`;
    else if (now.ino !== opened.ino || now.dev !== opened.dev) lost = `the database file ${file} was replaced by another file while the connector was running`;
    if (lost) {
      opts.logger?.fatal(
        { databasePath: file },
        `DATABASE FILE LOST: ${lost}. Nothing can be saved from now on and every write is refused; restore the data folder (or the backup) and restart the connector.`,
      );
    }
    return lost;
  };

  if (file) {
    guardWrites(sqlite, () => {
      const problem = fileProblem();
      if (problem) throw new AppError('DATABASE_UNAVAILABLE', `${ERROR_DETAIL_PREFIX} ${problem}; restore it (or the backup) and restart the connector.`);
    });
  }
  const watch = file ? setInterval(fileProblem, opts.watchIntervalMs ?? 5_000) : undefined;
  watch?.unref();

  return {
    db,
    sqlite,
    fileProblem,
    close: () => {
      if (watch) clearInterval(watch);
      if (sqlite.open) sqlite.close();
    },
  };
}

const ERROR_DETAIL_PREFIX = 'Nothing was saved:';

/** Every statement that writes checks `before` first (reads are left alone: they cannot lose anything). */
function guardWrites(sqlite: Database.Database, before: () => void): void {
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    const statement = prepare(source);
    if (statement.readonly) return statement;
    for (const method of ['run', 'get', 'all', 'iterate'] as const) {
      const original = statement[method] as (...args: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
        before();
        return original.apply(this, args);
      };
    }
    return statement;
  }) as typeof sqlite.prepare;
  const exec = sqlite.exec.bind(sqlite);
  sqlite.exec = ((source: string) => {
    before();
    return exec(source);
  });
}

export { schema };
