// App deployments on nodes, and the previewed changes to servers and deployments.
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { deploymentStatuses, stackKinds, changeStatuses } from "../statuses.ts";
import { createdAt, id } from "./columns.ts";
import { owner, users } from "./accounts.ts";
import { nodes, servers } from "./fleet.ts";

export const deployments = sqliteTable(
  "deployments",
  {
    id: id(),
    userId: owner(),
    nodeId: text("node_id").references(() => nodes.id, { onDelete: "set null" }),
    /** The catalog entry's id. */
    app: text("app").notNull(),
    name: text("name").notNull(),
    /** Names the container, its volumes and its stack on the node. */
    slug: text("slug").notNull(),
    stack: text("stack").notNull(),
    status: text("status", { enum: deploymentStatuses }).notNull().default("pending"),
    /** What runs: image, ports, environment without its secrets, volumes, health check (stacks/app.ts AppSpec). */
    spec: text("spec", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    /** The secret environment values, sealed (state/sealed-columns.ts). */
    secretEnv: text("secret_env"),
    outputs: text("outputs", { mode: "json" }).$type<Record<string, unknown>>(),
    errorReason: text("error_reason"),
    errorCode: text("error_code"),
    errorAction: text("error_action"),
    retryable: integer("retryable", { mode: "boolean" }),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("deployments_stack").on(t.stack), uniqueIndex("deployments_slug").on(t.slug), index("deployments_user").on(t.userId), index("deployments_node").on(t.nodeId), index("deployments_created").on(t.createdAt, t.id), index("deployments_user_created").on(t.userId, t.createdAt, t.id), index("deployments_status_created").on(t.status, t.createdAt, t.id)],
);

/** A proposed change to a stack's inputs, its preview's plan, and whether it was applied (state/changes.ts). */
export const changes = sqliteTable(
  "changes",
  {
    id: id(),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    stackKind: text("stack_kind", { enum: stackKinds }).notNull(),
    serverId: text("server_id").references(() => servers.id, { onDelete: "cascade" }),
    deploymentId: text("deployment_id").references(() => deployments.id, { onDelete: "cascade" }),
    status: text("status", { enum: changeStatuses }).notNull().default("previewing"),
    /** The inputs proposed, without their secrets. */
    proposal: text("proposal", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** Secret inputs the change replaces, sealed (state/sealed-columns.ts); null when it keeps them. */
    secrets: text("secrets"),
    /** What the preview planned: each resource's step and changed properties (secrets masked). */
    plan: text("plan", { mode: "json" }).$type<Record<string, unknown>>(),
    /** A digest of the subject's inputs the preview started from: applying needs them unchanged. */
    basedOn: text("based_on").notNull(),
    summary: text("summary", { mode: "json" }).$type<Record<string, unknown>>(),
    error: text("error"),
    previewOperationId: text("preview_operation_id"),
    applyOperationId: text("apply_operation_id"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("changes_deployment").on(t.deploymentId), index("changes_server").on(t.serverId)],
);
