DROP INDEX `nodes_user`;--> statement-breakpoint
CREATE INDEX `nodes_name` ON `nodes` (`name`,`id`);--> statement-breakpoint
CREATE INDEX `nodes_user_name` ON `nodes` (`user_id`,`name`,`id`);--> statement-breakpoint
CREATE INDEX `nodes_state_name` ON `nodes` (`state`,`name`,`id`);--> statement-breakpoint
DROP INDEX `servers_user`;--> statement-breakpoint
CREATE INDEX `servers_created` ON `servers` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `servers_user_created` ON `servers` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `servers_status_created` ON `servers` (`status`,`created_at`,`id`);