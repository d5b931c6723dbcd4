/**
 * The reading of the figures, kept next to the code that produces them. Written from the run of 2026-11-27
 * (2 cores, Node 20.20); re-read it against a fresh table before quoting.
 */
export const ANALYSIS = `## Gaps and what they mean

- **Upstream calls (met).** A second issuance in a tenant makes five calls: ticket, user, roles, create, note. The
  token and the TAP policy come from cache. A UPN given in the button body adds one call, \`GET /organization\`, on
  every press. It is the verified-domain check, and it is not cached.
- **Button overhead (met, 0.74).** The connector is faster than the bare script. It reads user, roles and policy
  at the same time and keeps the policy in cache, while the script makes six calls one after another. The ratio
  measures the cost of the connector's own work (validation, SQLite audit and sealed outbox row, pino) on top of
  the upstream latency. That cost is small.
- **Burst RSS (not met: ~266 MB peak).** The connector process runs through tsx, as \`npm start\` does today.
  It already uses 186 MB when idle after start, with 50 tenants mapped and no request served. The burst adds about
  80 MB. Most of the baseline is the TypeScript loader and on-the-fly transpiling, not the work. Measure again from
  a compiled build before changing any code.
- **Cold start as a process (not met: ~2.4 s).** Node + tsx with nothing to load takes ~0.4 s, and transpiling the
  source tree on every start takes most of the rest. Inside the process, opening the 10,000-row database, running
  migrations, building services and listening takes ~11 ms. The audit rows do not slow start-up.
- **ConnectWise backlog (not met: tickets lost).** Cycle 1 handled 593 of 1,000 tickets (60 issued, 533
  scheduled). Cycles 2 and 3 saw none of the other 407. The tickets share one \`lastUpdated\` second, so the cursor
  does not move and the poller pages on by offset. Meanwhile each note it writes moves a ticket to the end of the
  \`lastUpdated\` order, so the offset pages skip tickets. The cursor then jumps past the skipped tickets to the
  newest note time. Those tickets are never listed again until someone edits them.
- **Halo backlog (not met: one cycle is not enough).** Cycle 1 handled 917 of 1,000. Issued tickets move to the
  done status, which shifts Halo's offset pages, so 83 tickets waited for cycle 2. Halo has no cursor, so nothing
  is lost, only delayed.
- **Rate limits (not met).** One backlog cycle sent 735 ConnectWise requests in 22 s (about 2,000/min, twice the
  ~1,000/min allowance) and 928 Halo requests in 29 s (300–700 per 5 minutes allowed). Nearly all are private notes:
  one "scheduled" note per future onboarding ticket. The connector does not pace itself. On a 429 it waits out
  Retry-After (up to 5 attempts and 60 s of waiting per request). If a note still fails, it goes to the sealed outbox
  (the cycle carries on, and the outbox retries with backoff). A 429 on the list call ends the cycle, and the loop
  backs off for at least the Retry-After. Against a real Halo the backlog would meet a wall of 429s and take several
  cycles plus the outbox to drain. It stays correct, but it is slow and noisy.
- **Halo idle cycle (not met: 10 requests).** With 907 scheduled tickets still open in the onboarding status, each
  cycle pages through all of them (10 pages of 100), because Halo has no "updated since" filter the adapter can
  trust. On an empty board it is one request. At the default 120 s interval that is 25 requests per 5 minutes,
  which is inside Halo's limit.
`;
