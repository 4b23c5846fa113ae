// The installation's audit log, its own secrets (sealed) and the settings changed while it runs.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { auditOutcomes } from "../statuses.ts";
import { createdAt, id } from "./columns.ts";

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
