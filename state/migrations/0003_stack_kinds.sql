PRAGMA foreign_keys=OFF;--> statement-breakpoint
-- The deployments table was never written to before: made anew with its columns.
DROP TABLE `deployments`;--> statement-breakpoint
CREATE TABLE `deployments` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`node_id` text,
	`app` text NOT NULL,
	`name` text NOT NULL,
	`slug` text NOT NULL,
	`stack` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`spec` text DEFAULT '{}' NOT NULL,
	`secret_env` text,
	`outputs` text,
	`error_reason` text,
	`error_code` text,
	`error_action` text,
	`retryable` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deployments_stack` ON `deployments` (`stack`);--> statement-breakpoint
CREATE UNIQUE INDEX `deployments_slug` ON `deployments` (`slug`);--> statement-breakpoint
CREATE INDEX `deployments_user` ON `deployments` (`user_id`);--> statement-breakpoint
CREATE INDEX `deployments_node` ON `deployments` (`node_id`);--> statement-breakpoint
CREATE TABLE `__new_operations` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`stack` text NOT NULL,
	`server_id` text,
	`deployment_id` text,
	`stack_kind` text DEFAULT 'server' NOT NULL,
	`kind` text NOT NULL,
	`params` text DEFAULT '{}' NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`summary` text,
	`error` text,
	`cancel_requested` integer DEFAULT false NOT NULL,
	`waits_for` text DEFAULT '[]' NOT NULL,
	`worker_id` text,
	`lease_expires_at` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`deadline_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_operations`("id", "user_id", "stack", "server_id", "deployment_id", "kind", "params", "status", "summary", "error", "cancel_requested", "created_at", "started_at", "finished_at", "deadline_at") SELECT "id", "user_id", "stack", "server_id", "deployment_id", "kind", "params", "status", "summary", "error", "cancel_requested", "created_at", "started_at", "finished_at", "deadline_at" FROM `operations`;--> statement-breakpoint
DROP TABLE `operations`;--> statement-breakpoint
ALTER TABLE `__new_operations` RENAME TO `operations`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `operations_stack` ON `operations` (`stack`,`created_at`);--> statement-breakpoint
CREATE INDEX `operations_status` ON `operations` (`status`);--> statement-breakpoint
CREATE INDEX `operations_server` ON `operations` (`server_id`);--> statement-breakpoint
CREATE INDEX `operations_deployment` ON `operations` (`deployment_id`);