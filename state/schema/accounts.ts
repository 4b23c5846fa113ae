// Who signs in and what they hold: users, their sessions and API tokens, cloud credentials
// (sealed), the SSH keys Hoist made and the operators' own public keys.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { credentialValidities, roles, userStates } from "../statuses.ts";
import { createdAt, id } from "./columns.ts";

/** The user a row belongs to; deleting the user deletes the row. */
export const owner = () =>
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
