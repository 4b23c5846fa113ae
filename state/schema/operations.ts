// Stack operations the engine runs (their claims and leases) and the events each one recorded.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { operationKinds, stackKinds, operationStatuses } from "../statuses.ts";
import { createdAt, id } from "./columns.ts";
import { users } from "./accounts.ts";
import { servers } from "./fleet.ts";
import { deployments } from "./apps.ts";

export const operations = sqliteTable(
  "operations",
  {
    id: id(),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    stack: text("stack").notNull(),
    serverId: text("server_id").references(() => servers.id, { onDelete: "cascade" }),
    deploymentId: text("deployment_id").references(() => deployments.id, { onDelete: "cascade" }),
    /** Which kind of stack (engine/kinds.ts) the operation works on. */
    stackKind: text("stack_kind", { enum: stackKinds }).notNull().default("server"),
    kind: text("kind", { enum: operationKinds }).notNull(),
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    status: text("status", { enum: operationStatuses }).notNull().default("queued"),
    summary: text("summary", { mode: "json" }).$type<Record<string, unknown>>(),
    error: text("error"),
    cancelRequested: integer("cancel_requested", { mode: "boolean" }).notNull().default(false),
    /** Operations that must finish first (ordering across stacks); one that failed fails this one. */
    waitsFor: text("waits_for", { mode: "json" }).$type<string[]>().notNull().default([]),
    /** The worker running it and until when its claim holds; renewed by the worker's heartbeat. */
    workerId: text("worker_id"),
    leaseExpiresAt: integer("lease_expires_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
    deadlineAt: integer("deadline_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    index("operations_stack").on(t.stack, t.createdAt),
    index("operations_status").on(t.status),
    index("operations_server").on(t.serverId),
    index("operations_deployment").on(t.deploymentId),
  ],
);

export const operationEvents = sqliteTable(
  "operation_events",
  {
    operationId: text("operation_id")
      .notNull()
      .references(() => operations.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    type: text("type").notNull(),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.operationId, t.seq] })],
);
