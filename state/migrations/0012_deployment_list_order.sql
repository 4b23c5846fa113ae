CREATE INDEX `deployments_created` ON `deployments` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `deployments_user_created` ON `deployments` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `deployments_status_created` ON `deployments` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `drift_reports_open_detected` ON `drift_reports` (`created_at`,`id`) WHERE state = 'open';--> statement-breakpoint
CREATE INDEX `drift_reports_user_open_detected` ON `drift_reports` (`user_id`,`created_at`,`id`) WHERE state = 'open';--> statement-breakpoint
CREATE INDEX `drift_reports_resolved` ON `drift_reports` (`resolved_at`,`id`);--> statement-breakpoint
CREATE INDEX `drift_reports_user_resolved` ON `drift_reports` (`user_id`,`resolved_at`,`id`);