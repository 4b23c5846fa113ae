// Drift: what a refresh found per stack and resource, what was done about it, and the sweeps.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { driftKinds, driftStates, remediationActions, stackKinds, changeStatuses } from "../statuses.ts";
import { createdAt, id } from "./columns.ts";
import { owner, users } from "./accounts.ts";
import { servers } from "./fleet.ts";
import { deployments } from "./apps.ts";
import { operations } from "./operations.ts";

/**
 * A stack's drift: open while its checks find the stack's resources differing from reality, then
 * closed (state/drift.ts). Its resources are the last check's findings; closed reports stay as
 * the stack's history.
 */
export const driftReports = sqliteTable(
  "drift_reports",
  {
    id: id(),
    /** The subject's owner, whose Drift page lists it. */
    userId: owner(),
    stack: text("stack").notNull(),
    stackKind: text("stack_kind", { enum: stackKinds }).notNull(),
    serverId: text("server_id").references(() => servers.id, { onDelete: "cascade" }),
    deploymentId: text("deployment_id").references(() => deployments.id, { onDelete: "cascade" }),
    state: text("state", { enum: driftStates }).notNull().default("open"),
    /** The last check that found it (its operation holds the log). */
    operationId: text("operation_id").references(() => operations.id, { onDelete: "set null" }),
    /** How many resources drifted, by kind (changed, deleted, unexpected), as the last check found. */
    summary: text("summary", { mode: "json" }).$type<Record<string, number>>().notNull(),
    /** A remediation applied since the last check that found drift: the next clean check closes the report as its outcome. */
    remediation: text("remediation", { enum: remediationActions }),
    detectedAt: createdAt(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
    resolvedAt: integer("resolved_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("drift_reports_stack").on(t.stack, t.detectedAt),
    index("drift_reports_user").on(t.userId, t.state),
    // The Drift page's orders: open ones newest found first (partial, so that it does not draw
    // the badges' lookups by stack away from drift_reports_stack), closed ones newest closed first.
    index("drift_reports_open_detected").on(t.detectedAt, t.id).where(sql`state = 'open'`),
    index("drift_reports_user_open_detected").on(t.userId, t.detectedAt, t.id).where(sql`state = 'open'`),
    index("drift_reports_resolved").on(t.resolvedAt, t.id),
    index("drift_reports_user_resolved").on(t.userId, t.resolvedAt, t.id),
    // One open report per stack: checks update it until it closes.
    uniqueIndex("drift_reports_open").on(t.stack).where(sql`state = 'open'`),
  ],
);

/** One drifted resource of a report: a property changed (declared → actual), deleted out of band, or unexpected. */
export const driftResources = sqliteTable(
  "drift_resources",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    reportId: text("report_id")
      .notNull()
      .references(() => driftReports.id, { onDelete: "cascade" }),
    urn: text("urn").notNull(),
    name: text("name").notNull(),
    type: text("type").notNull(),
    kind: text("kind", { enum: driftKinds }).notNull(),
    /** Each property that differs: what the stack declares and what is there (secrets masked). */
    properties: text("properties", { mode: "json" }).$type<{ property: string; declared?: unknown; actual?: unknown }[]>().notNull(),
  },
  (t) => [index("drift_resources_report").on(t.reportId)],
);

/** Accept or Restore of a report: previewed first (its plan kept), applied on confirmation, or on detection when auto-restore is on. */
export const driftRemediations = sqliteTable(
  "drift_remediations",
  {
    id: id(),
    reportId: text("report_id")
      .notNull()
      .references(() => driftReports.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    action: text("action", { enum: remediationActions }).notNull(),
    status: text("status", { enum: changeStatuses }).notNull().default("previewing"),
    /** Run by Hoist on detection (the stack's auto-restore), not asked for by an operator. */
    auto: integer("auto", { mode: "boolean" }).notNull().default(false),
    /** What the preview showed the operation would do (steps and properties, secrets masked). */
    plan: text("plan", { mode: "json" }).$type<Record<string, unknown>>(),
    error: text("error"),
    previewOperationId: text("preview_operation_id"),
    applyOperationId: text("apply_operation_id"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("drift_remediations_report").on(t.reportId)],
);

/** A server's or a deployment's drift settings: auto-restore, and (apps) what an Accept took as the node's reality. */
export const driftSettings = sqliteTable(
  "drift_settings",
  {
    stack: text("stack").primaryKey(),
    serverId: text("server_id").references(() => servers.id, { onDelete: "cascade" }),
    deploymentId: text("deployment_id").references(() => deployments.id, { onDelete: "cascade" }),
    autoRestore: integer("auto_restore", { mode: "boolean" }).notNull().default(false),
    /** Findings an Accept recorded that the stack's state cannot hold (a container's state on its node); later checks compare with them. */
    accepted: text("accepted", { mode: "json" }).$type<unknown[]>(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    updatedBy: text("updated_by"),
  },
);

/**
 * When the next scheduled drift sweep is due (null: none, sweeps are off), and a sweep asked for
 * now: one row, moved on in one transaction by whichever console claims the sweep.
 */
export const driftSchedule = sqliteTable("drift_schedule", {
  id: text("id").primaryKey(),
  nextAt: integer("next_at", { mode: "timestamp_ms" }),
  requestedAt: integer("requested_at", { mode: "timestamp_ms" }),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * One scheduled sweep: the stacks it checks (each with the operation that checked it, or why it
 * was skipped), driven by the worker whose lease holds it; another takes it over when it lapses.
 */
export const driftSweeps = sqliteTable(
  "drift_sweeps",
  {
    id: id(),
    /** The due time it was claimed for: a time is swept once. */
    dueAt: integer("due_at", { mode: "timestamp_ms" }).notNull(),
    items: text("items", { mode: "json" }).$type<Record<string, unknown>[]>().notNull(),
    workerId: text("worker_id"),
    leaseExpiresAt: integer("lease_expires_at", { mode: "timestamp_ms" }),
    startedAt: integer("started_at", { mode: "timestamp_ms" }).notNull(),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("drift_sweeps_due").on(t.dueAt), index("drift_sweeps_started").on(t.startedAt)],
);
