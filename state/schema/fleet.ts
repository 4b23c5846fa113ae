// Cloud servers and the nodes they register, and the gateway's ports and routes for them.
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { nodePools, nodeStates, serverStatuses } from "../statuses.ts";
import { createdAt, id } from "./columns.ts";
import { credentials, owner, sshKeys } from "./accounts.ts";

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
