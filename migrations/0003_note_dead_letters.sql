CREATE TABLE `note_dead_letters` (
	`id` text PRIMARY KEY NOT NULL,
	`issuance_id` text,
	`psa` text NOT NULL,
	`ticket_id` text NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
	`reason` text NOT NULL,
	`attempts` integer NOT NULL,
	`queued_at` text NOT NULL,
	`gave_up_at` text NOT NULL,
	FOREIGN KEY (`issuance_id`) REFERENCES `issuances`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `note_dead_letters_gave_up` ON `note_dead_letters` (`gave_up_at`);