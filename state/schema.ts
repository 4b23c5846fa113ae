// Tables only. Statuses come from ./statuses.ts; repositories live beside this file.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  auditOutcomes,
  credentialValidities,
  deploymentStatuses,
  driftStates,
  nodeStates,
  operationKinds,
  operationStatuses,
  roles,
  serverStatuses,
  userStates,
} from "./statuses.ts";

const id = () => text("id").primaryKey();
const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" })
    .notNull()
    .default(sql`(unixepoch('subsec') * 1000)`);
const owner = () =>
  text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" });

export const users = sqliteTable(
  "users",
  {
    id: id(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role", { enum: roles }).notNull(),
    state: text("state", { enum: userStates }).notNull().default("active"),
    passwordHash: text("password_hash"),
    inviteTokenHash: text("invite_token_hash"),
    inviteExpiresAt: integer("invite_expires_at", { mode: "timestamp_ms" }),
    invitedBy: text("invited_by"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_email").on(t.email)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: id(), // sha256 of the cookie value; the cookie value itself is never stored
    userId: owner(),
    csrfToken: text("csrf_token").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    // For the idle timeout; sessions from before it existed count as idle (one more sign-in).
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull().default(sql`0`),
  },
  (t) => [index("sessions_user").on(t.userId), index("sessions_expires").on(t.expiresAt)],
);

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: id(),
    userId: owner(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    prefix: text("prefix").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    // Set for every token; tokens from before expiry existed get one at start (state/api-tokens.ts).
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("api_tokens_hash").on(t.tokenHash), index("api_tokens_user").on(t.userId)],
);

export const credentials = sqliteTable(
  "credentials",
  {
    id: id(),
    userId: owner(),
    name: text("name").notNull(),
    cloud: text("cloud").notNull(),
    secret: text("secret").notNull(), // sealed by state/secrets.ts
    settings: text("settings", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    validity: text("validity", { enum: credentialValidities }).notNull().default("unchecked"),
    validityReason: text("validity_reason"),
    checkedAt: integer("checked_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("credentials_user_name").on(t.userId, t.name)],
);

export const sshKeys = sqliteTable(
  "ssh_keys",
  {
    id: id(),
    userId: owner(),
    name: text("name").notNull(),
    publicKey: text("public_key").notNull(),
    privateKey: text("private_key").notNull(), // sealed
    fingerprint: text("fingerprint").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("ssh_keys_user").on(t.userId)],
);

/** The operator's own SSH public keys (Settings → SSH keys), installed on servers they choose. */
export const userKeys = sqliteTable(
  "user_keys",
  {
    id: id(),
    userId: owner(),
    name: text("name").notNull(),
    publicKey: text("public_key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("user_keys_fingerprint").on(t.userId, t.fingerprint), uniqueIndex("user_keys_name").on(t.userId, t.name)],
);

export const servers = sqliteTable(
  "servers",
  {
    id: id(),
    userId: owner(),
    credentialId: text("credential_id").references(() => credentials.id, { onDelete: "set null" }),
    sshKeyId: text("ssh_key_id").references(() => sshKeys.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    stack: text("stack").notNull(),
    cloud: text("cloud").notNull(),
    region: text("region").notNull(),
    size: text("size").notNull(),
    image: text("image").notNull(),
    status: text("status", { enum: serverStatuses }).notNull().default("pending"),
    spec: text("spec", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    outputs: text("outputs", { mode: "json" }).$type<Record<string, unknown>>(),
    priceMonthly: text("price_monthly"),
    errorReason: text("error_reason"),
    errorCode: text("error_code"),
    errorAction: text("error_action"),
    retryable: integer("retryable", { mode: "boolean" }),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
  },
  // The list's order (newest first, then id) behind each way it is narrowed: everyone's, one
  // owner's, one status (state/server-list.ts).
  (t) => [
    uniqueIndex("servers_stack").on(t.stack),
    index("servers_credential").on(t.credentialId),
    index("servers_created").on(t.createdAt, t.id),
    index("servers_user_created").on(t.userId, t.createdAt, t.id),
    index("servers_status_created").on(t.status, t.createdAt, t.id),
  ],
);

export const nodes = sqliteTable(
  "nodes",
  {
    id: id(),
    userId: owner(),
    serverId: text("server_id").references(() => servers.id, { onDelete: "set null" }),
    sshKeyId: text("ssh_key_id").references(() => sshKeys.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    address: text("address").notNull(),
    sshPort: integer("ssh_port").notNull().default(22),
    sshUser: text("ssh_user").notNull().default("root"),
    hostKeyFingerprint: text("host_key_fingerprint"),
    cloud: text("cloud"),
    region: text("region"),
    size: text("size"),
    facts: text("facts", { mode: "json" }).$type<Record<string, unknown>>(),
    state: text("state", { enum: nodeStates }).notNull().default("unknown"),
    stateReason: text("state_reason"),
    checkedAt: integer("checked_at", { mode: "timestamp_ms" }),
    createdAt: createdAt(),
  },
  // The list's order (by name, then id) behind each way it is narrowed (state/node-list.ts).
  (t) => [
    uniqueIndex("nodes_server").on(t.serverId),
    index("nodes_name").on(t.name, t.id),
    index("nodes_user_name").on(t.userId, t.name, t.id),
    index("nodes_state_name").on(t.state, t.name, t.id),
  ],
);

export const operations = sqliteTable(
  "operations",
  {
    id: id(),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    stack: text("stack").notNull(),
    serverId: text("server_id").references(() => servers.id, { onDelete: "cascade" }),
    deploymentId: text("deployment_id"),
    kind: text("kind", { enum: operationKinds }).notNull(),
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    status: text("status", { enum: operationStatuses }).notNull().default("queued"),
    summary: text("summary", { mode: "json" }).$type<Record<string, unknown>>(),
    error: text("error"),
    cancelRequested: integer("cancel_requested", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
    startedAt: integer("started_at", { mode: "timestamp_ms" }),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
    deadlineAt: integer("deadline_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("operations_stack").on(t.stack, t.createdAt), index("operations_status").on(t.status), index("operations_server").on(t.serverId)],
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

export const deployments = sqliteTable(
  "deployments",
  {
    id: id(),
    userId: owner(),
    nodeId: text("node_id").references(() => nodes.id, { onDelete: "set null" }),
    app: text("app").notNull(),
    name: text("name").notNull(),
    stack: text("stack").notNull(),
    status: text("status", { enum: deploymentStatuses }).notNull().default("pending"),
    spec: text("spec", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    outputs: text("outputs", { mode: "json" }).$type<Record<string, unknown>>(),
    errorReason: text("error_reason"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("deployments_stack").on(t.stack), index("deployments_user").on(t.userId)],
);

export const driftReports = sqliteTable(
  "drift_reports",
  {
    id: id(),
    stack: text("stack").notNull(),
    operationId: text("operation_id").references(() => operations.id, { onDelete: "set null" }),
    state: text("state", { enum: driftStates }).notNull().default("open"),
    summary: text("summary", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    detectedAt: createdAt(),
    resolvedAt: integer("resolved_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("drift_stack").on(t.stack)],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: createdAt(),
    userId: text("user_id"),
    actor: text("actor").notNull(), // the email at the time, kept when the user is gone
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    outcome: text("outcome", { enum: auditOutcomes }).notNull(),
    detail: text("detail"),
    // Repeats folded into this row (refused sign-ins are one row per account and quarter hour).
    count: integer("count").notNull().default(1),
  },
  (t) => [index("audit_at").on(t.at), index("audit_user").on(t.userId)],
);

/** Secrets of the installation itself (the stacks' passphrase), sealed under the master key. */
export const instanceSecrets = sqliteTable("instance_secrets", {
  id: id(),
  value: text("value").notNull(), // sealed
  createdAt: createdAt(),
});

/** Settings changed while Hoist runs (the maintenance switch), with who changed them. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  updatedBy: text("updated_by"),
});
