import { eq } from 'drizzle-orm';
import type { PsaKind } from '../domain.js';
import type { Storage } from './index.js';
import { psaCompanyLists } from './schema.js';

/** A company as the PSA listed it (the shape of the PSA port's PsaCompany, kept here so storage needs no adapter type). */
export interface StoredCompany {
  id: string;
  name: string;
  identifier: string | undefined;
  knownTenantId?: string | undefined;
  emailDomains?: string[];
}

export interface StoredCompanyList {
  /** In the order they were saved (sorted by the caller). */
  companies: StoredCompany[];
  /** When the list was read from the PSA; undefined = never. */
  listedAt: string | undefined;
  lastError: { message: string; at: string } | undefined;
}

/** The last company list read from each PSA (see schema `psa_companies`). */
export interface CompanyListStore {
  load(psa: PsaKind): StoredCompanyList;
  /** Replaces the PSA's list in one transaction and clears its last error. */
  replace(psa: PsaKind, companies: readonly StoredCompany[], listedAt: string): void;
  /** A failed read: the stored list stays; the error (a sentence safe to show) is kept with its time. */
  recordFailure(psa: PsaKind, message: string, at: string): void;
}

/**
 * Raw statements, prepared once: a PSA's list is 10,000 rows and a restart must show it in a few milliseconds. The rows
 * go in as one JSON parameter through json_each (one statement, so one write check, instead of 10,000 inserts), and come
 * out as arrays (no per-row object mapping).
 */
export function createCompanyListStore(storage: Pick<Storage, 'db' | 'sqlite'>): CompanyListStore {
  const { db, sqlite } = storage;
  const selectRows = sqlite
    .prepare('SELECT company_id, name, identifier, known_tenant_id, email_domains FROM psa_companies WHERE psa = ? ORDER BY position')
    .raw();
  const deleteRows = sqlite.prepare('DELETE FROM psa_companies WHERE psa = ?');
  // A PSA that lists one id twice keeps the first: the cache is a view of the list, not a place to fail.
  const insertRows = sqlite.prepare(
    `INSERT OR IGNORE INTO psa_companies (psa, company_id, name, identifier, known_tenant_id, email_domains, position)
     SELECT ?, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, key FROM json_each(?)`,
  );
  return {
    load(psa) {
      const meta = db.select().from(psaCompanyLists).where(eq(psaCompanyLists.psa, psa)).get();
      const rows = selectRows.all(psa) as [string, string, string | null, string | null, string | null][];
      return {
        companies: rows.map(([id, name, identifier, knownTenantId, emailDomains]) => {
          const company: StoredCompany = { id, name, identifier: identifier ?? undefined };
          if (knownTenantId) company.knownTenantId = knownTenantId;
          if (emailDomains) company.emailDomains = JSON.parse(emailDomains) as string[];
          return company;
        }),
        listedAt: meta?.listedAt ?? undefined,
        lastError: meta?.lastError && meta.lastErrorAt ? { message: meta.lastError, at: meta.lastErrorAt } : undefined,
      };
    },

    replace(psa, companies, listedAt) {
      const rows = JSON.stringify(
        companies.map((c) => [c.id, c.name, c.identifier ?? null, c.knownTenantId ?? null, c.emailDomains?.length ? JSON.stringify(c.emailDomains) : null]),
      );
      sqlite.transaction(() => {
        deleteRows.run(psa);
        insertRows.run(psa, rows);
        db.insert(psaCompanyLists)
          .values({ psa, listedAt, lastError: null, lastErrorAt: null })
          .onConflictDoUpdate({ target: psaCompanyLists.psa, set: { listedAt, lastError: null, lastErrorAt: null } })
          .run();
      })();
    },

    recordFailure(psa, message, at) {
      db.insert(psaCompanyLists)
        .values({ psa, listedAt: null, lastError: message, lastErrorAt: at })
        .onConflictDoUpdate({ target: psaCompanyLists.psa, set: { lastError: message, lastErrorAt: at } })
        .run();
    },
  };
}
