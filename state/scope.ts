import { eq, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Role } from "./statuses.ts";

/** Whose objects a request may see: its own, or (admins and viewers) everyone's. */
export interface Scope {
  userId: string;
  all: boolean;
}

export function scopeOf(user: { id: string; role: Role }): Scope {
  return { userId: user.id, all: user.role === "admin" || user.role === "viewer" };
}

/** The ownership condition for a table's user_id column, or none for an all-seeing scope. */
export function owned(column: SQLiteColumn, scope: Scope): SQL | undefined {
  return scope.all ? undefined : eq(column, scope.userId);
}
