// Tables only. Statuses come from ./statuses.ts; repositories live beside this file.
import { sql } from "drizzle-orm";
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  auditOutcomes,
  credentialValidities,
  deploymentStatuses,
  driftKinds,
  driftStates,
  migrationStatuses,
  migrationSteps,
  nodePools,
  remediationActions,
  nodeStates,
  operationKinds,
  stackKinds,
  changeStatuses,
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
    /** The host key line itself, for connections that pin the key rather than its fingerprint. */
    hostKey: text("host_key"),
    cloud: text("cloud"),
    region: text("region"),
    size: text("size"),
    facts: text("facts", { mode: "json" }).$type<Record<string, unknown>>(),
    state: text("state", { enum: nodeStates }).notNull().default("unknown"),
    stateReason: text("state_reason"),
    checkedAt: integer("checked_at", { mode: "timestamp_ms" }),
    pool: text("pool", { enum: nodePools }).notNull().default("shared"),
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

/**
 * A cloud server's entry points on the gateway (gateway/): its slug hostname, forwarded SSH port
 * and block of TCP ports. Released (not deleted) once the server is destroyed: a slug is never
 * given to another server, while ports return to the pool.
 */
export const gatewayAllocations = sqliteTable(
  "gateway_allocations",
  {
    id: id(),
    serverId: text("server_id")
      .notNull()
      .references(() => servers.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    sshPort: integer("ssh_port").notNull(),
    // The block is tcp_first … tcp_first + 9; blocks start at multiples of 10, so equal starts
    // are the only way two blocks can overlap, and the unique index rules that out.
    tcpFirst: integer("tcp_first").notNull(),
    createdAt: createdAt(),
    releasedAt: integer("released_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("gateway_allocations_slug").on(t.slug),
    uniqueIndex("gateway_allocations_server").on(t.serverId).where(sql`released_at is null`),
    uniqueIndex("gateway_allocations_ssh_port").on(t.sshPort).where(sql`released_at is null`),
    uniqueIndex("gateway_allocations_tcp_first").on(t.tcpFirst).where(sql`released_at is null`),
    check("gateway_allocations_tcp_aligned", sql`tcp_first % 10 = 0`),
  ],
);

/**
 * An app deployment's hostname on the gateway and the backends it is routed to (gateway/routes.ts).
 * `deploymentId` is the deployment's id (no foreign key: the deployment removes its route).
 */
export const gatewayRoutes = sqliteTable(
  "gateway_routes",
  {
    id: id(),
    deploymentId: text("deployment_id").notNull(),
    // The label under the gateway domain (`<name>-<slug>`), so that a new domain moves every route.
    hostname: text("hostname").notNull(),
    health: text("health", { mode: "json" }).$type<{ type: "http"; path: string } | { type: "tcp" }>().notNull(),
    // Up to two copies of the app (slots a and b), each with its weight: 0 while it is checked
    // before a switch or drained after one.
    backends: text("backends", { mode: "json" }).$type<Partial<Record<"a" | "b", { address: string; port: number; weight: number }>>>().notNull(),
    createdAt: createdAt(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("gateway_routes_deployment").on(t.deploymentId), uniqueIndex("gateway_routes_hostname").on(t.hostname)],
);

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
