// Keyset pagination, the one way Hoist lists rows that can number in the thousands: a page is
// the `limit` rows after (or before) a row the reader saw, in a fixed total order (one column,
// then the id). A page then costs the same on row 10 as on row 10,000, and a row created while
// someone reads does not shift the next page by one, as an offset would. Repositories say what
// the order is and run the queries; this file builds the conditions around them.
import { and, asc, desc, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";

/** A row's place in a list's order: the order column's value and the row's id. */
export type Key = readonly [string | number, string];

export interface PageRequest {
  limit: number;
  /** The rows after this key (the next page); without either, the first page. */
  after?: Key;
  /** The rows before this key (the previous page). */
  before?: Key;
}

export interface Page<T> {
  rows: T[];
  /** Rows matching the filter, on every page alike. */
  total: number;
  /** How many of those come before this page (its first row is number start + 1). */
  start: number;
  /** Where the next page starts, when there is one. */
  next?: Key;
  /** Where the previous page ends, when there is one. */
  prev?: Key;
}

export interface KeysetOrder<T> {
  column: SQLiteColumn;
  id: SQLiteColumn;
  direction: "asc" | "desc";
  keyOf(row: T): Key;
}

/** The two queries a list runs, with the conditions and order this file gives them. */
export interface PageQueries<T> {
  rows(where: SQL | undefined, orderBy: SQL[], limit: number): T[];
  count(where: SQL | undefined): number;
}

/** One page of a list; call it inside a transaction so that its count and rows agree. */
export function keysetPage<T>(order: KeysetOrder<T>, filter: SQL | undefined, req: PageRequest, q: PageQueries<T>): Page<T> {
  const ascending = order.direction === "asc";
  // "Beyond" a key is towards the end of the list, whichever way the list is sorted.
  const beyond = (key: Key, towardsEnd: boolean) =>
    sql`(${order.column}, ${order.id}) ${sql.raw(ascending === towardsEnd ? ">" : "<")} (${key[0]}, ${key[1]})`;
  const sorted = (towardsEnd: boolean) => (ascending === towardsEnd ? [asc(order.column), asc(order.id)] : [desc(order.column), desc(order.id)]);
  const first = () => q.rows(filter, sorted(true), req.limit);

  let rows: T[];
  if (req.before) {
    const found = q.rows(and(filter, beyond(req.before, false)), sorted(false), req.limit + 1);
    // Fewer rows before than a page (some were deleted): the first page, full, rather than a short one.
    rows = found.length > req.limit ? found.slice(0, req.limit).reverse() : first();
  } else {
    rows = req.after ? q.rows(and(filter, beyond(req.after, true)), sorted(true), req.limit) : first();
    // Nothing after it any more (the rows there were deleted): the first page, not an empty one.
    if (rows.length === 0 && req.after) rows = first();
  }
  const total = q.count(filter);
  const head = rows[0];
  const start = head && (req.after || req.before) ? q.count(and(filter, beyond(order.keyOf(head), false))) : 0;
  const tail = rows.at(-1);
  return {
    rows,
    total,
    start,
    next: tail && start + rows.length < total ? order.keyOf(tail) : undefined,
    prev: head && start > 0 ? order.keyOf(head) : undefined,
  };
}

/** The column contains `text` (ASCII case ignored, as LIKE does), its % and _ taken literally. */
export function contains(column: SQLiteColumn, text: string): SQL {
  return sql`${column} LIKE ${`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`;
}
