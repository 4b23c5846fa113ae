// Capacity: usage samples of nodes and containers, dedicated-node plans, migrations onto them.
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { migrationStatuses, migrationSteps } from "../statuses.ts";
import { createdAt, id } from "./columns.ts";
import { owner } from "./accounts.ts";
import { nodes, servers } from "./fleet.ts";
import { deployments } from "./apps.ts";

/**
 * What a node and the app containers on it used at one moment, read over SSH by the monitor
 * (engine/monitor.ts): a node's row has no deployment, a container's row names its deployment.
 * Rows older than a week are purged.
 */
export const usageSamples = sqliteTable(
  "usage_samples",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    nodeId: text("node_id")
      .notNull()
      .references(() => nodes.id, { onDelete: "cascade" }),
    deploymentId: text("deployment_id").references(() => deployments.id, { onDelete: "cascade" }),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    /** Percent of the whole node (100 = every CPU busy), for a container as for its node. */
    cpuPercent: real("cpu_percent").notNull(),
    memoryBytes: integer("memory_bytes").notNull(),
    memoryTotalBytes: integer("memory_total_bytes"),
    diskUsedBytes: integer("disk_used_bytes"),
    diskTotalBytes: integer("disk_total_bytes"),
  },
  (t) => [index("usage_samples_node").on(t.nodeId, t.at), index("usage_samples_deployment").on(t.deploymentId, t.at), index("usage_samples_at").on(t.at)],
);

/**
 * The monitor's schedule, one row per node: when it is next due and which worker holds it now
 * (a lease, so that two workers never sample the same node and a dead one's claim runs out).
 */
export const monitorSchedule = sqliteTable("monitor_schedule", {
  nodeId: text("node_id")
    .primaryKey()
    .references(() => nodes.id, { onDelete: "cascade" }),
  dueAt: integer("due_at", { mode: "timestamp_ms" }).notNull(),
  workerId: text("worker_id"),
  leaseExpiresAt: integer("lease_expires_at", { mode: "timestamp_ms" }),
  lastError: text("last_error"),
});

/**
 * A dedicated node made by the wizard (/nodes/dedicated/new): the server it is, and the
 * deployments chosen to move there (the migration screen is linked with them once it is ready).
 */
export const dedicatedPlans = sqliteTable("dedicated_plans", {
  serverId: text("server_id")
    .primaryKey()
    .references(() => servers.id, { onDelete: "cascade" }),
  deploymentIds: text("deployment_ids", { mode: "json" }).$type<string[]>().notNull(),
  /** The deployments left for a later phase, when the operator split the move. */
  laterIds: text("later_ids", { mode: "json" }).$type<string[]>().notNull().default([]),
  /** What was measured and recommended when it was made (usage, recommended size, acknowledged undersize). */
  basis: text("basis", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
});

/**
 * A migration of deployments to a dedicated node (engine/migration-kind.ts): its own stack
 * kind, run by `migrate` operations. Pause and cancel are requests its runner polls.
 */
export const migrations = sqliteTable(
  "migrations",
  {
    id: id(),
    userId: owner(),
    /** The node the deployments move to. */
    nodeId: text("node_id").references(() => nodes.id, { onDelete: "set null" }),
    /** The name its operations run under (`migration-<id>`): one runs at a time. */
    stack: text("stack").notNull(),
    status: text("status", { enum: migrationStatuses }).notNull().default("queued"),
    /** Grace, health timeout, watch window and degradation thresholds, fixed when it was made. */
    settings: text("settings", { mode: "json" }).$type<Record<string, number>>().notNull(),
    pauseRequested: integer("pause_requested", { mode: "boolean" }).notNull().default(false),
    cancelRequested: integer("cancel_requested", { mode: "boolean" }).notNull().default(false),
    /** Why it paused (the operator, or traffic that degraded). */
    pauseReason: text("pause_reason"),
    errorReason: text("error_reason"),
    errorCode: text("error_code"),
    errorAction: text("error_action"),
    retryable: integer("retryable", { mode: "boolean" }),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("migrations_user").on(t.userId), uniqueIndex("migrations_stack").on(t.stack)],
);

/** One deployment of a migration: the step it reached (written before it is acted on) and what it measured. */
export const migrationItems = sqliteTable(
  "migration_items",
  {
    id: id(),
    migrationId: text("migration_id")
      .notNull()
      .references(() => migrations.id, { onDelete: "cascade" }),
    deploymentId: text("deployment_id").references(() => deployments.id, { onDelete: "set null" }),
    position: integer("position").notNull(),
    /** It has volumes: stopped, copied, started (an announced downtime). */
    stateful: integer("stateful", { mode: "boolean" }).notNull(),
    step: text("step", { enum: migrationSteps }).notNull().default("waiting"),
    fromNodeId: text("from_node_id"),
    /** The old copy's stack and where it answers; the copy's, once made. */
    fromStack: text("from_stack").notNull(),
    copyStack: text("copy_stack").notNull(),
    fromTarget: text("from_target", { mode: "json" }).$type<{ address: string; port: number }>(),
    copyTarget: text("copy_target", { mode: "json" }).$type<{ address: string; port: number }>(),
    /** What runs on the new node (stacks/app.ts AppSpec, no secrets): the deployment's spec there. */
    copySpec: text("copy_spec", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** Why it was rolled back, and what to check. */
    cause: text("cause"),
    action: text("action"),
    /** Median response time through the gateway before and after the move (ms). */
    beforeMs: integer("before_ms"),
    afterMs: integer("after_ms"),
    /** Stateful: how long the app did not answer (stopped until switched). */
    downtimeMs: integer("downtime_ms"),
    downtimeFrom: integer("downtime_from", { mode: "timestamp_ms" }),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("migration_items_migration").on(t.migrationId, t.position), index("migration_items_deployment").on(t.deploymentId)],
);
