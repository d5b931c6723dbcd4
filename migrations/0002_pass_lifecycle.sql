CREATE TABLE `note_marks` (
	`psa` text NOT NULL,
	`ticket_id` text NOT NULL,
	`mark` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`psa`, `ticket_id`, `mark`)
);
--> statement-breakpoint
ALTER TABLE `issuances` ADD `detail` text;--> statement-breakpoint
ALTER TABLE `issuances` ADD `related_issuance_id` text;--> statement-breakpoint
ALTER TABLE `issuances` ADD `ended_at` text;--> statement-breakpoint
ALTER TABLE `issuances` ADD `followed_up_at` text;--> statement-breakpoint
CREATE INDEX `issuances_live_user` ON `issuances` (`tenant_id`,`user_object_id`,`outcome`);--> statement-breakpoint
CREATE INDEX `issuances_follow_up` ON `issuances` (`outcome`,`followed_up_at`,`start_at`);--> statement-breakpoint
ALTER TABLE `poll_ledger` ADD `watch_until` text;--> statement-breakpoint
CREATE INDEX `poll_ledger_watch` ON `poll_ledger` (`psa`,`watch_until`);