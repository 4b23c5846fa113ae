CREATE TABLE `changes` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`stack_kind` text NOT NULL,
	`server_id` text,
	`deployment_id` text,
	`status` text DEFAULT 'previewing' NOT NULL,
	`proposal` text NOT NULL,
	`secrets` text,
	`plan` text,
	`based_on` text NOT NULL,
	`summary` text,
	`error` text,
	`preview_operation_id` text,
	`apply_operation_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`deployment_id`) REFERENCES `deployments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `changes_deployment` ON `changes` (`deployment_id`);--> statement-breakpoint
CREATE INDEX `changes_server` ON `changes` (`server_id`);