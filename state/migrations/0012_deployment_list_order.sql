CREATE INDEX `deployments_created` ON `deployments` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `deployments_user_created` ON `deployments` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `deployments_status_created` ON `deployments` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `drift_reports_state_detected` ON `drift_reports` (`state`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `drift_reports_resolved` ON `drift_reports` (`resolved_at`,`id`);