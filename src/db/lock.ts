import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';

/** Another process holds the database: starting anyway would let two outboxes and pollers work the same rows. */
export class DatabaseLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseLockedError';
  }
}

export interface DatabaseLock {
  /** The lock file, beside the database: `<DATABASE_PATH>.lock`. */
  readonly path: string;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else — alive all the same.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function readOwner(lockPath: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt ?? '') };
  } catch {
    // unreadable: reported below as a lock we cannot judge
  }
  return undefined;
}

/**
 * Takes `<databasePath>.lock` for this process, or throws DatabaseLockedError naming the file and the process holding
 * it. A lock left by a process that no longer runs on this host is taken over. The file is created with its content
 * in one step (written aside, then hard-linked into place, which fails if the lock exists), so a crash can never leave
 * an empty lock behind. `:memory:` needs no lock.
 */
export function lockDatabase(databasePath: string): DatabaseLock | undefined {
  if (databasePath === ':memory:') return undefined;
  const database = resolve(databasePath);
  const lockPath = `${database}.lock`;
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  mkdirSync(dirname(database), { recursive: true }); // the first start: the data folder does not exist yet
  const staging = `${lockPath}.${process.pid}.tmp`;
  writeFileSync(staging, `${JSON.stringify(me)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        linkSync(staging, lockPath);
        return {
          path: lockPath,
          release() {
            const owner = readOwner(lockPath);
            if (owner?.pid === me.pid && owner.host === me.host && owner.startedAt === me.startedAt) unlinkSync(lockPath);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(lockPath);
      const stale = owner !== undefined && owner.host === me.host && owner.pid !== process.pid && !isAlive(owner.pid);
      if (!stale || attempt > 0) throw lockedError(database, lockPath, owner);
      unlinkSync(lockPath); // the process that left it is gone; take over
    }
    throw lockedError(database, lockPath, readOwner(lockPath));
  } finally {
    try {
      unlinkSync(staging);
    } catch {
      // already gone
    }
  }
}

function lockedError(database: string, lockPath: string, owner: LockOwner | undefined): DatabaseLockedError {
  const who = owner
    ? `process ${owner.pid}${owner.host === hostname() ? '' : ` on host ${owner.host}`}${owner.startedAt ? `, started ${owner.startedAt}` : ''}`
    : 'another process (its lock file cannot be read)';
  return new DatabaseLockedError(
    `the database ${database} is in use by ${who} (lock file ${lockPath}). Two connectors on one database would deliver notes twice: stop the other one, or give this one its own DATABASE_PATH. If no such process runs, delete the lock file.`,
  );
}
