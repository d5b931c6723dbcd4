import type { PsaKind } from '../../domain.js';
import { createCompanyListStore } from '../../db/company-lists.js';
import { AppError } from '../../errors.js';
import { errorForLog } from '../../logger.js';
import type { PsaCompany } from '../../psa/port.js';
import type { Services } from '../../services.js';
import { buildCompanyIndex, companyBase, compareListed, mergeSorted, presorted, sortCompanies, type CompanyBase, type CompanyIndex, type CompanyRow, type ListedCompany } from './company-index.js';

export { stateOf, type CompanyFilter, type CompanyRow, type MappingState } from './company-index.js';

/**
 * The PSA companies behind the admin pages. Never makes a page wait for a PSA listing (issue 14: a first load of 57 s was
 * measured on a large PSA): pages get the list kept in SQLite — at first only the mapped companies — while a listing
 * runs in the background, one per PSA however many tabs ask, started when the list is older than
 * ADMIN_COMPANY_LIST_MAX_AGE_MINUTES or by the Refresh button.
 */

/** After a failed listing, page views do not start another for this long (the Refresh button still does). */
export const RETRY_AFTER_FAILURE_MS = 60_000;
/**
 * When a PSA has never been listed, a page waits this long for the listing it started: a small PSA answers in that time
 * and the admin never sees a half-empty page; a large one does not hold the page up.
 */
export const FIRST_LISTING_GRACE_MS = 250;

export interface PsaListStatus {
  psa: PsaKind;
  /** When the list shown was read from the PSA; undefined = never read (only mapped companies are shown). */
  listedAt: string | undefined;
  count: number;
  /** A listing running now: since when, and how many companies it has read so far. */
  refreshing: { startedAt: string; read: number } | undefined;
  /** The last listing failed (after the list shown was read): a sentence for the page, and when. */
  failure: { message: string; at: string } | undefined;
}

export interface CompanyListing extends CompanyIndex {
  /** One per configured PSA. */
  psas: PsaListStatus[];
  /** Changes whenever a company list or a mapping changes: what a view built from the rows may be cached under. */
  version: string;
}

export interface CompanyDirectory {
  /** What is known now (may start a background listing; waits at most FIRST_LISTING_GRACE_MS, only for a first one). */
  listing(): Promise<CompanyListing>;
  find(psa: PsaKind, companyId: string): Promise<CompanyRow | undefined>;
  /** Starts a background listing of every PSA (joins one already running) and returns at once: the Refresh button. */
  refresh(): void;
  /** Resolves when no listing is running (tests and the bench). */
  settled(): Promise<void>;
}

interface PsaState {
  sorted: ListedCompany[];
  listedAt: string | undefined;
  /** Bumped whenever `sorted` changes. */
  version: number;
  running: { startedAt: string; read: number; done: Promise<void> } | undefined;
  failure: { message: string; at: string } | undefined;
}

export function createCompanyDirectory(services: Services, opts: { firstListingGraceMs?: number } = {}): CompanyDirectory {
  const store = createCompanyListStore(services.storage);
  const psas = (Object.keys(services.connectors) as PsaKind[]).filter((k) => services.connectors[k]);
  const maxAgeMs = services.config.admin.companyListMaxAgeMinutes * 60_000;
  const grace = opts.firstListingGraceMs ?? FIRST_LISTING_GRACE_MS;
  const nowMs = () => services.now().getTime();
  let states: Map<PsaKind, PsaState> | undefined;
  let merged: { key: string; base: CompanyBase } | undefined;
  let built: { key: string; index: CompanyIndex } | undefined;

  /** Loaded from SQLite on first use (not at start: the service's start-up time is not spent on an admin page). */
  const stateMap = (): Map<PsaKind, PsaState> => {
    if (states) return states;
    states = new Map();
    for (const psa of psas) {
      const saved = store.load(psa);
      const failure = saved.lastError && (!saved.listedAt || saved.lastError.at > saved.listedAt) ? saved.lastError : undefined;
      states.set(psa, { sorted: presorted(psa, saved.companies), listedAt: saved.listedAt, version: 0, running: undefined, failure });
    }
    return states;
  };

  const startListing = (psa: PsaKind, st: PsaState): Promise<void> => {
    if (st.running) return st.running.done;
    const running = { startedAt: services.now().toISOString(), read: 0, done: Promise.resolve() };
    st.running = running;
    running.done = services.connectors[psa]!.listCompanies({ onProgress: (read) => (running.read = read) })
      .then((companies: PsaCompany[]) => {
        const listedAt = services.now().toISOString();
        Object.assign(st, { sorted: sortCompanies(psa, companies), listedAt, failure: undefined, version: st.version + 1 });
        try {
          store.replace(psa, st.sorted.map((e) => e.company), listedAt);
        } catch (error) {
          // The page still shows the new list; only a restart would fall back to the older one.
          services.logger.warn({ psa, err: errorForLog(error) }, 'admin: the company list could not be saved');
        }
      })
      .catch((error: unknown) => {
        services.logger.warn({ psa, err: errorForLog(error) }, 'admin: listing companies failed');
        st.failure = { message: error instanceof AppError ? error.detail : 'The PSA did not answer.', at: services.now().toISOString() };
        try {
          store.recordFailure(psa, st.failure.message, st.failure.at);
        } catch {
          // Shown on the page already; the database's own trouble is reported by /readyz and the health page.
        }
      })
      .finally(() => {
        st.running = undefined;
      });
    return running.done;
  };

  /** Starts a listing for each PSA whose list is missing or stale (not again right after a failure). */
  const listStale = (): Promise<void>[] => {
    const firstListings: Promise<void>[] = [];
    for (const [psa, st] of stateMap()) {
      if (st.running) {
        if (!st.listedAt) firstListings.push(st.running.done);
        continue;
      }
      const fresh = st.listedAt !== undefined && nowMs() - Date.parse(st.listedAt) < maxAgeMs;
      const justFailed = st.failure !== undefined && nowMs() - Date.parse(st.failure.at) < RETRY_AFTER_FAILURE_MS;
      if (fresh || justFailed) continue;
      const done = startListing(psa, st);
      if (!st.listedAt) firstListings.push(done);
    }
    return firstListings;
  };

  const waitAtMost = async (work: Promise<unknown>[], ms: number) => {
    if (work.length === 0 || ms <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(work), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  };

  /** The row index for the current lists and mappings; rebuilt only when one of them changed. */
  const currentIndex = (): { key: string; index: CompanyIndex } => {
    const all = [...stateMap().entries()];
    const listsKey = all.map(([psa, st]) => `${psa}:${st.version}`).join(',');
    if (merged?.key !== listsKey) merged = { key: listsKey, base: companyBase(mergeSorted(all.map(([, st]) => st.sorted), compareListed)) };
    const key = `${listsKey}|${services.mappings.revision()}`;
    if (built?.key !== key) {
      const listed = new Set(all.filter(([, st]) => st.listedAt).map(([psa]) => psa));
      built = { key, index: buildCompanyIndex(merged.base, services.mappings.list(), services.mappings.sharedTenants(), listed) };
    }
    return built;
  };

  const listing = async (): Promise<CompanyListing> => {
    await waitAtMost(listStale(), grace);
    const { key, index } = currentIndex();
    const status = [...stateMap().entries()].map(
      ([psa, st]): PsaListStatus => ({
        psa,
        listedAt: st.listedAt,
        count: st.sorted.length,
        refreshing: st.running ? { startedAt: st.running.startedAt, read: st.running.read } : undefined,
        failure: st.failure,
      }),
    );
    return { ...index, psas: status, version: key };
  };

  return {
    listing,
    async find(psa, companyId) {
      return (await listing()).get(psa, companyId);
    },
    refresh() {
      for (const [psa, st] of stateMap()) void startListing(psa, st);
    },
    async settled() {
      await Promise.all([...stateMap().values()].flatMap((st) => (st.running ? [st.running.done] : [])));
    },
  };
}
