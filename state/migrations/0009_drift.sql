-- The drift_reports table of 0000_init was a placeholder nothing ever wrote; it is made anew
-- with its owner, subject and remediation. Rows it might hold have no owner, so none are kept.
DROP INDEX `drift_stack`;--> statement-breakpoint
DROP TABLE `drift_reports`;--> statement-breakpoint
CREATE TABLE `drift_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`stack` text NOT NULL,
	`stack_kind` text NOT NULL,
	`server_id` text,
	`deployment_id` text,
	`state` text DEFAULT 'open' NOT NULL,
	`operation_id` text,
	`summary` text NOT NULL,
	`remediation` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_seen_at` integer NOT NULL,
	`resolved_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `drift_reports_stack` ON `drift_reports` (`stack`,`created_at`);--> statement-breakpoint
CREATE INDEX `drift_reports_user` ON `drift_reports` (`user_id`,`state`);--> statement-breakpoint
CREATE UNIQUE INDEX `drift_reports_open` ON `drift_reports` (`stack`) WHERE state = 'open';--> statement-breakpoint
CREATE TABLE `drift_remediations` (
	`id` text PRIMARY KEY NOT NULL,
	`report_id` text NOT NULL,
	`user_id` text,
	`action` text NOT NULL,
	`status` text DEFAULT 'previewing' NOT NULL,
	`auto` integer DEFAULT false NOT NULL,
	`plan` text,
	`error` text,
	`preview_operation_id` text,
	`apply_operation_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`report_id`) REFERENCES `drift_reports`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `drift_remediations_report` ON `drift_remediations` (`report_id`);--> statement-breakpoint
CREATE TABLE `drift_resources` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`report_id` text NOT NULL,
	`urn` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`kind` text NOT NULL,
	`properties` text NOT NULL,
	FOREIGN KEY (`report_id`) REFERENCES `drift_reports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `drift_resources_report` ON `drift_resources` (`report_id`);--> statement-breakpoint
CREATE TABLE `drift_schedule` (
	`id` text PRIMARY KEY NOT NULL,
	`next_at` integer,
	`requested_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `drift_settings` (
	`stack` text PRIMARY KEY NOT NULL,
	`server_id` text,
	`deployment_id` text,
	`auto_restore` integer DEFAULT false NOT NULL,
	`accepted` text,
	`updated_at` integer NOT NULL,
	`updated_by` text,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `drift_sweeps` (
	`id` text PRIMARY KEY NOT NULL,
	`due_at` integer NOT NULL,
	`items` text NOT NULL,
	`worker_id` text,
	`lease_expires_at` integer,
	`started_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `drift_sweeps_due` ON `drift_sweeps` (`due_at`);--> statement-breakpoint
CREATE INDEX `drift_sweeps_started` ON `drift_sweeps` (`started_at`);
