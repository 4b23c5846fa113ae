CREATE TABLE `dedicated_plans` (
	`server_id` text PRIMARY KEY NOT NULL,
	`deployment_ids` text NOT NULL,
	`later_ids` text DEFAULT '[]' NOT NULL,
	`basis` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `monitor_schedule` (
	`node_id` text PRIMARY KEY NOT NULL,
	`due_at` integer NOT NULL,
	`worker_id` text,
	`lease_expires_at` integer,
	`last_error` text,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `usage_samples` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`node_id` text NOT NULL,
	`deployment_id` text,
	`at` integer NOT NULL,
	`cpu_percent` real NOT NULL,
	`memory_bytes` integer NOT NULL,
	`memory_total_bytes` integer,
	`disk_used_bytes` integer,
	`disk_total_bytes` integer,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `usage_samples_node` ON `usage_samples` (`node_id`,`at`);--> statement-breakpoint
CREATE INDEX `usage_samples_deployment` ON `usage_samples` (`deployment_id`,`at`);--> statement-breakpoint
CREATE INDEX `usage_samples_at` ON `usage_samples` (`at`);