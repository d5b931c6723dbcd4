import { asc, eq } from 'drizzle-orm';
import type { PsaKind } from '../domain.js';
import type { Db } from './index.js';
import { psaCompanies, psaCompanyLists } from './schema.js';

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

/** Rows per INSERT: 7 columns × 500 stays far below SQLite's bound-parameter limit. */
const INSERT_CHUNK = 500;

export function createCompanyListStore(db: Db): CompanyListStore {
  return {
    load(psa) {
      const meta = db.select().from(psaCompanyLists).where(eq(psaCompanyLists.psa, psa)).get();
      const rows = db.select().from(psaCompanies).where(eq(psaCompanies.psa, psa)).orderBy(asc(psaCompanies.position)).all();
      return {
        companies: rows.map((r) => ({
          id: r.companyId,
          name: r.name,
          identifier: r.identifier ?? undefined,
          ...(r.knownTenantId ? { knownTenantId: r.knownTenantId } : {}),
          ...(r.emailDomains ? { emailDomains: JSON.parse(r.emailDomains) as string[] } : {}),
        })),
        listedAt: meta?.listedAt ?? undefined,
        lastError: meta?.lastError && meta.lastErrorAt ? { message: meta.lastError, at: meta.lastErrorAt } : undefined,
      };
    },

    replace(psa, companies, listedAt) {
      db.transaction((tx) => {
        tx.delete(psaCompanies).where(eq(psaCompanies.psa, psa)).run();
        for (let start = 0; start < companies.length; start += INSERT_CHUNK) {
          const chunk = companies.slice(start, start + INSERT_CHUNK).map((c, i) => ({
            psa,
            companyId: c.id,
            name: c.name,
            identifier: c.identifier ?? null,
            knownTenantId: c.knownTenantId ?? null,
            emailDomains: c.emailDomains?.length ? JSON.stringify(c.emailDomains) : null,
            position: start + i,
          }));
          // A PSA that lists one id twice keeps the first: the cache is a view of the list, not a place to fail.
          tx.insert(psaCompanies).values(chunk).onConflictDoNothing().run();
        }
        tx.insert(psaCompanyLists)
          .values({ psa, listedAt, lastError: null, lastErrorAt: null })
          .onConflictDoUpdate({ target: psaCompanyLists.psa, set: { listedAt, lastError: null, lastErrorAt: null } })
          .run();
      });
    },

    recordFailure(psa, message, at) {
      db.insert(psaCompanyLists)
        .values({ psa, listedAt: null, lastError: message, lastErrorAt: at })
        .onConflictDoUpdate({ target: psaCompanyLists.psa, set: { lastError: message, lastErrorAt: at } })
        .run();
    },
  };
}
