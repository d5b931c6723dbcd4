CREATE TABLE `psa_companies` (
	`psa` text NOT NULL,
	`company_id` text NOT NULL,
	`name` text NOT NULL,
	`identifier` text,
	`known_tenant_id` text,
	`email_domains` text,
	`position` integer NOT NULL,
	PRIMARY KEY(`psa`, `company_id`)
);
--> statement-breakpoint
CREATE INDEX `psa_companies_position` ON `psa_companies` (`psa`,`position`);--> statement-breakpoint
CREATE TABLE `psa_company_lists` (
	`psa` text PRIMARY KEY NOT NULL,
	`listed_at` text,
	`last_error` text,
	`last_error_at` text
);
