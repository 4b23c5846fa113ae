// Moving a row along its status machine: one transaction reads the status, checks the event is
// allowed (and, when asked, that the row is in a status the caller holds), and writes the new one.
import { eq } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./db.ts";
import { can, next, type StatusMachine } from "./statuses.ts";

/** A table with an id, a status and an updated-at column (servers, deployments). */
type StatusTable = SQLiteTable & { id: SQLiteColumn; status: SQLiteColumn; updatedAt: SQLiteColumn };

/**
 * Moves row `id` of `table` by `event` when its machine allows it from the row's status and, if
 * `from` is given, only while it is in one of those. Returns the new status, or undefined when the
 * move did not apply (the row moved on meanwhile, or is gone).
 */
export function moveRow<S extends string, E extends string>(
  db: Db,
  table: StatusTable,
  machine: StatusMachine<S, E>,
  id: string,
  event: E,
  patch: Record<string, unknown> = {},
  from?: readonly S[],
): S | undefined {
  return db.transaction(() => {
    const current = db.select({ status: table.status }).from(table).where(eq(table.id, id)).get() as { status: S } | undefined;
    if (!current || (from && !from.includes(current.status)) || !can(machine, current.status, event)) return undefined;
    const status = next(machine, current.status, event);
    db.update(table).set({ ...patch, status, updatedAt: new Date() } as never).where(eq(table.id, id)).run();
    return status;
  });
}
