CREATE TABLE `gateway_allocations` (
	`id` text PRIMARY KEY NOT NULL,
	`server_id` text NOT NULL,
	`slug` text NOT NULL,
	`ssh_port` integer NOT NULL,
	`tcp_first` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`released_at` integer,
	FOREIGN KEY (`server_id`) REFERENCES `servers`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "gateway_allocations_tcp_aligned" CHECK(tcp_first % 10 = 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gateway_allocations_slug` ON `gateway_allocations` (`slug`);--> statement-breakpoint
CREATE UNIQUE INDEX `gateway_allocations_server` ON `gateway_allocations` (`server_id`) WHERE released_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX `gateway_allocations_ssh_port` ON `gateway_allocations` (`ssh_port`) WHERE released_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX `gateway_allocations_tcp_first` ON `gateway_allocations` (`tcp_first`) WHERE released_at is null;--> statement-breakpoint
CREATE TABLE `gateway_routes` (
	`id` text PRIMARY KEY NOT NULL,
	`deployment_id` text NOT NULL,
	`hostname` text NOT NULL,
	`health` text NOT NULL,
	`backends` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gateway_routes_deployment` ON `gateway_routes` (`deployment_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `gateway_routes_hostname` ON `gateway_routes` (`hostname`);