CREATE TABLE `admin_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`csrf_token` text NOT NULL,
	`expires_at` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `issuances` (
	`id` text PRIMARY KEY NOT NULL,
	`psa` text,
	`ticket_id` text,
	`company_id` text,
	`company_name` text,
	`tenant_id` text,
	`requested_by` text,
	`trigger` text NOT NULL,
	`user_principal_name` text,
	`user_object_id` text,
	`requested_lifetime_minutes` integer,
	`applied_lifetime_minutes` integer,
	`start_at` text,
	`expires_at` text,
	`usable_once` integer,
	`reissue` integer DEFAULT false NOT NULL,
	`outcome` text NOT NULL,
	`outcome_code` text NOT NULL,
	`graph_method_id` text,
	`note_status` text DEFAULT 'none' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `issuances_created` ON `issuances` (`created_at`);--> statement-breakpoint
CREATE INDEX `issuances_ticket_user` ON `issuances` (`psa`,`ticket_id`,`user_principal_name`,`created_at`);--> statement-breakpoint
CREATE INDEX `issuances_company` ON `issuances` (`psa`,`company_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `issuances_outcome` ON `issuances` (`outcome`,`created_at`);--> statement-breakpoint
CREATE TABLE `note_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`issuance_id` text,
	`psa` text NOT NULL,
	`ticket_id` text NOT NULL,
	`kind` text NOT NULL,
	`sealed_body` blob NOT NULL,
	`done_status` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`deadline_at` text NOT NULL,
	`last_error` text,
	`tenant_id` text,
	`user_object_id` text,
	`graph_method_id` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`issuance_id`) REFERENCES `issuances`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `note_outbox_due` ON `note_outbox` (`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `poll_cursors` (
	`psa` text PRIMARY KEY NOT NULL,
	`cursor` text,
	`last_cycle_at` text,
	`last_success_at` text,
	`last_error` text,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `poll_ledger` (
	`psa` text NOT NULL,
	`ticket_id` text NOT NULL,
	`state` text NOT NULL,
	`input_fingerprint` text,
	`issuance_id` text,
	`detail` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`psa`, `ticket_id`)
);
--> statement-breakpoint
CREATE TABLE `scheduled_issuances` (
	`id` text PRIMARY KEY NOT NULL,
	`psa` text NOT NULL,
	`ticket_id` text NOT NULL,
	`company_id` text NOT NULL,
	`user_principal_name` text NOT NULL,
	`start_date` text NOT NULL,
	`start_at` text NOT NULL,
	`issue_at` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`last_error` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scheduled_due` ON `scheduled_issuances` (`state`,`issue_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `scheduled_ticket` ON `scheduled_issuances` (`psa`,`ticket_id`);--> statement-breakpoint
CREATE TABLE `tenant_mappings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`psa` text NOT NULL,
	`company_id` text NOT NULL,
	`company_name` text DEFAULT '' NOT NULL,
	`tenant_id` text NOT NULL,
	`tenant_domain` text,
	`tenant_name` text,
	`time_zone` text NOT NULL,
	`activation_hour` integer NOT NULL,
	`default_lifetime_minutes` integer,
	`usable_once` integer DEFAULT true NOT NULL,
	`allow_privileged` integer DEFAULT false NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenant_mappings_psa_company` ON `tenant_mappings` (`psa`,`company_id`);--> statement-breakpoint
CREATE INDEX `tenant_mappings_tenant` ON `tenant_mappings` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `used_signatures` (
	`signature` text PRIMARY KEY NOT NULL,
	`expires_at` text NOT NULL
);
