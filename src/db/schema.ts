import { sql } from 'drizzle-orm';
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Timestamps are ISO-8601 UTC strings (sortable, readable in a backup with the sqlite3 shell). */
const createdAt = () => text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);
const updatedAt = () => text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`);

/** One PSA company mapped to one Entra tenant, with the customer's issuance rules. */
export const tenantMappings = sqliteTable(
  'tenant_mappings',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    psa: text('psa', { enum: ['connectwise', 'halo'] }).notNull(),
    companyId: text('company_id').notNull(),
    companyName: text('company_name').notNull().default(''),
    tenantId: text('tenant_id').notNull(),
    tenantDomain: text('tenant_domain'),
    tenantName: text('tenant_name'),
    timeZone: text('time_zone').notNull(),
    activationHour: integer('activation_hour').notNull(),
    /** Null = the tenant policy's default lifetime. */
    defaultLifetimeMinutes: integer('default_lifetime_minutes'),
    usableOnce: integer('usable_once', { mode: 'boolean' }).notNull().default(true),
    allowPrivileged: integer('allow_privileged', { mode: 'boolean' }).notNull().default(false),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('tenant_mappings_psa_company').on(t.psa, t.companyId), index('tenant_mappings_tenant').on(t.tenantId)],
);

/** The audit trail: one row per issuance attempt (issued, refused, failed, revoked). Never holds the pass. */
export const issuances = sqliteTable(
  'issuances',
  {
    id: text('id').primaryKey(),
    psa: text('psa', { enum: ['connectwise', 'halo'] }),
    ticketId: text('ticket_id'),
    companyId: text('company_id'),
    companyName: text('company_name'),
    tenantId: text('tenant_id'),
    requestedBy: text('requested_by'),
    trigger: text('trigger', { enum: ['button', 'hosted', 'poller', 'scheduler', 'api'] }).notNull(),
    userPrincipalName: text('user_principal_name'),
    userObjectId: text('user_object_id'),
    requestedLifetimeMinutes: integer('requested_lifetime_minutes'),
    appliedLifetimeMinutes: integer('applied_lifetime_minutes'),
    startAt: text('start_at'),
    expiresAt: text('expires_at'),
    usableOnce: integer('usable_once', { mode: 'boolean' }),
    reissue: integer('reissue', { mode: 'boolean' }).notNull().default(false),
    /**
     * issued | refused | failed | revoked, and the lifecycle events of a pass written as their own rows (issue 12):
     * replaced | rescheduled | cancelled | enrolled | expired. An event row names its pass in `relatedIssuanceId`.
     */
    outcome: text('outcome', { enum: ['issued', 'refused', 'failed', 'revoked', 'replaced', 'rescheduled', 'cancelled', 'enrolled', 'expired'] }).notNull(),
    outcomeCode: text('outcome_code').notNull(),
    graphMethodId: text('graph_method_id'),
    /** pending | written | failed | none */
    noteStatus: text('note_status', { enum: ['pending', 'written', 'failed', 'none'] }).notNull().default('none'),
    /** The sentence the audit page shows for a lifecycle event (never a pass). */
    detail: text('detail'),
    /** Event rows: the issuance (pass) the event is about. */
    relatedIssuanceId: text('related_issuance_id'),
    /** Issued rows: when the pass stopped being live (revoked, replaced, expired, enrolled, deleted elsewhere). */
    endedAt: text('ended_at'),
    /** Issued rows: when the enrolment follow-up was written (null = not yet, or not due). */
    followedUpAt: text('followed_up_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('issuances_live_user').on(t.tenantId, t.userObjectId, t.outcome),
    index('issuances_follow_up').on(t.outcome, t.followedUpAt, t.startAt),
    index('issuances_created').on(t.createdAt),
    index('issuances_ticket_user').on(t.psa, t.ticketId, t.userPrincipalName, t.createdAt),
    index('issuances_company').on(t.psa, t.companyId, t.createdAt),
    index('issuances_outcome').on(t.outcome, t.createdAt),
  ],
);

/**
 * Notes waiting to be written to a PSA ticket. The body is sealed (AES-256-GCM, random nonce; the row id, PSA, ticket,
 * issuance and kind as associated data) because a pass note holds the pass; the row is deleted once the PSA confirms
 * the note, or moved to note_dead_letters (without its body) when the connector gives up on it.
 */
export const noteOutbox = sqliteTable(
  'note_outbox',
  {
    id: text('id').primaryKey(),
    issuanceId: text('issuance_id').references(() => issuances.id),
    psa: text('psa', { enum: ['connectwise', 'halo'] }).notNull(),
    ticketId: text('ticket_id').notNull(),
    /** pass = holds a live pass (revoke on give-up); info = refusal/scheduling/explanation note. */
    kind: text('kind', { enum: ['pass', 'info'] }).notNull(),
    sealedBody: blob('sealed_body', { mode: 'buffer' }).notNull(),
    /** Optional ticket status to set with the note (poller "done" transition), PSA-specific value. */
    doneStatus: text('done_status'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    /** After this instant a pass note gives up: the TAP is revoked and the issuance marked failed. */
    deadlineAt: text('deadline_at').notNull(),
    lastError: text('last_error'),
    tenantId: text('tenant_id'),
    userObjectId: text('user_object_id'),
    graphMethodId: text('graph_method_id'),
    createdAt: createdAt(),
  },
  (t) => [index('note_outbox_due').on(t.nextAttemptAt)],
);

/**
 * Outbox rows the connector gave up on, kept for the operator (admin health page) instead of deleted: where the note
 * was going, why it was given up and what became of the pass. Never the note or its sealed body (it may hold a pass).
 */
export const noteDeadLetters = sqliteTable(
  'note_dead_letters',
  {
    /** The outbox row's id. */
    id: text('id').primaryKey(),
    issuanceId: text('issuance_id').references(() => issuances.id),
    psa: text('psa', { enum: ['connectwise', 'halo'] }).notNull(),
    ticketId: text('ticket_id').notNull(),
    kind: text('kind', { enum: ['pass', 'info'] }).notNull(),
    /** revoked = its pass was revoked (nobody received it); failed = a note without a live pass, given up. */
    state: text('state', { enum: ['revoked', 'failed'] }).notNull(),
    /** The last error (codes and scrubbed vendor words only) or why it was given up. */
    reason: text('reason').notNull(),
    attempts: integer('attempts').notNull(),
    queuedAt: text('queued_at').notNull(),
    gaveUpAt: text('gave_up_at').notNull(),
  },
  (t) => [index('note_dead_letters_gave_up').on(t.gaveUpAt)],
);

/** HMAC signatures already accepted (replay protection for the 5-minute window). */
export const usedSignatures = sqliteTable('used_signatures', {
  signature: text('signature').primaryKey(),
  expiresAt: text('expires_at').notNull(),
});

/** Where the poller got to, per PSA. */
export const pollCursors = sqliteTable('poll_cursors', {
  psa: text('psa', { enum: ['connectwise', 'halo'] }).primaryKey(),
  cursor: text('cursor'),
  lastCycleAt: text('last_cycle_at'),
  lastSuccessAt: text('last_success_at'),
  lastError: text('last_error'),
  updatedAt: updatedAt(),
});

/** What happened to each polled ticket: makes a re-poll, restart or overlapping edit harmless. */
export const pollLedger = sqliteTable(
  'poll_ledger',
  {
    psa: text('psa', { enum: ['connectwise', 'halo'] }).notNull(),
    ticketId: text('ticket_id').notNull(),
    /**
     * The ticket's company when the poller last read it: a changed mapping finds the refused or scheduled tickets it
     * concerns here (src/polling/mapping-sweep.ts). Null on rows written before it was recorded (not swept).
     */
    companyId: text('company_id'),
    /** issued | scheduled | refused | needs_input | waiting_user | failed */
    state: text('state').notNull(),
    /** Hash of the inputs (UPN, start date text): a changed ticket in needs_input/refused is looked at again. */
    inputFingerprint: text('input_fingerprint'),
    /**
     * The ticket's lastUpdated when the poller last read it. An unchanged ticket is skipped without reading its text,
     * so a ConnectWise ticket at the cursor edge (re-listed every cycle by `lastUpdated >=`) costs no extra request.
     */
    ticketUpdatedAt: text('ticket_updated_at'),
    issuanceId: text('issuance_id'),
    detail: text('detail'),
    /**
     * Until when the ticket is followed after the pipeline issued or scheduled its pass (the pass's start): a changed
     * start date, user or a cancelled status revokes and replaces the pass. Null = not followed.
     */
    watchUntil: text('watch_until'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.psa, t.ticketId] }), index('poll_ledger_watch').on(t.psa, t.watchUntil)],
);

/** Refusal and info notes already written per ticket (a hash of the outcome): each distinct outcome is noted once. */
export const noteMarks = sqliteTable(
  'note_marks',
  {
    psa: text('psa', { enum: ['connectwise', 'halo'] }).notNull(),
    ticketId: text('ticket_id').notNull(),
    mark: text('mark').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.psa, t.ticketId, t.mark] })],
);

/** Onboarding tickets whose pass is issued later (lead time), and users not yet in Entra being retried. */
export const scheduledIssuances = sqliteTable(
  'scheduled_issuances',
  {
    id: text('id').primaryKey(),
    psa: text('psa', { enum: ['connectwise', 'halo'] }).notNull(),
    ticketId: text('ticket_id').notNull(),
    companyId: text('company_id').notNull(),
    userPrincipalName: text('user_principal_name').notNull(),
    /** Calendar date YYYY-MM-DD in the customer's zone. */
    startDate: text('start_date').notNull(),
    /** When the pass becomes valid (UTC). */
    startAt: text('start_at').notNull(),
    /** When to try issuing next (UTC). */
    issueAt: text('issue_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** pending | done | failed | cancelled */
    state: text('state').notNull().default('pending'),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('scheduled_due').on(t.state, t.issueAt), uniqueIndex('scheduled_ticket').on(t.psa, t.ticketId)],
);

/**
 * The last company list read from each PSA, kept so the admin companies page shows it at once after a restart (a large
 * PSA takes a minute to list) while a fresh one is read in the background. `position` is the row's place in the sorted
 * list, so loading needs no sort. A cache: nothing else reads it, and a refresh replaces a PSA's rows in one step.
 */
export const psaCompanies = sqliteTable(
  'psa_companies',
  {
    psa: text('psa', { enum: ['connectwise', 'halo'] }).notNull(),
    companyId: text('company_id').notNull(),
    name: text('name').notNull(),
    identifier: text('identifier'),
    knownTenantId: text('known_tenant_id'),
    /** JSON array of the contacts' e-mail domains, when the PSA gives them. */
    emailDomains: text('email_domains'),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.psa, t.companyId] }), index('psa_companies_position').on(t.psa, t.position)],
);

/** Per PSA: when its company list was last read, and the last failed read (shown on the companies page). */
export const psaCompanyLists = sqliteTable('psa_company_lists', {
  psa: text('psa', { enum: ['connectwise', 'halo'] }).primaryKey(),
  listedAt: text('listed_at'),
  lastError: text('last_error'),
  lastErrorAt: text('last_error_at'),
});

/** Admin web sessions (opaque random id, stored hashed). */
export const adminSessions = sqliteTable('admin_sessions', {
  idHash: text('id_hash').primaryKey(),
  username: text('username').notNull(),
  csrfToken: text('csrf_token').notNull(),
  expiresAt: text('expires_at').notNull(),
  createdAt: createdAt(),
});

export type TenantMappingRow = typeof tenantMappings.$inferSelect;
export type NewTenantMapping = typeof tenantMappings.$inferInsert;
export type IssuanceRow = typeof issuances.$inferSelect;
export type NewIssuance = typeof issuances.$inferInsert;
export type NoteOutboxRow = typeof noteOutbox.$inferSelect;
export type NoteDeadLetterRow = typeof noteDeadLetters.$inferSelect;
export type PollLedgerRow = typeof pollLedger.$inferSelect;
export type ScheduledIssuanceRow = typeof scheduledIssuances.$inferSelect;
export type PsaCompanyRow = typeof psaCompanies.$inferSelect;
