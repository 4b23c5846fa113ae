CREATE TABLE `migration_items` (
	`id` text PRIMARY KEY NOT NULL,
	`migration_id` text NOT NULL,
	`deployment_id` text,
	`position` integer NOT NULL,
	`stateful` integer NOT NULL,
	`step` text DEFAULT 'waiting' NOT NULL,
	`from_node_id` text,
	`from_stack` text NOT NULL,
	`copy_stack` text NOT NULL,
	`from_target` text,
	`copy_target` text,
	`copy_spec` text NOT NULL,
	`cause` text,
	`action` text,
	`before_ms` integer,
	`after_ms` integer,
	`downtime_ms` integer,
	`downtime_from` integer,
	`updated_at` integer,
	FOREIGN KEY (`migration_id`) REFERENCES `migrations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `migration_items_migration` ON `migration_items` (`migration_id`,`position`);--> statement-breakpoint
CREATE INDEX `migration_items_deployment` ON `migration_items` (`deployment_id`);--> statement-breakpoint
CREATE TABLE `migrations` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`node_id` text,
	`stack` text NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`settings` text NOT NULL,
	`pause_requested` integer DEFAULT false NOT NULL,
	`cancel_requested` integer DEFAULT false NOT NULL,
	`pause_reason` text,
	`error_reason` text,
	`error_code` text,
	`error_action` text,
	`retryable` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `migrations_user` ON `migrations` (`user_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `migrations_stack` ON `migrations` (`stack`);