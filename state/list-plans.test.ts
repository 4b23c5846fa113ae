// The long lists' page queries, as SQLite plans them: a page reads its rows through an index in
// the list's order and looks up what each row shows (its owner, its server, its counts) by
// index too, so that a page costs the same at 10,000 rows as at 10. A SCAN inside a page's query
// (a correlated subquery reading a whole table for each row, as the Nodes list's drift count
// once did) grows with the fleet; the page-scale benchmark measures that, this catches it.
import { describe, expect, it } from "vitest";
import { openDb, type Db } from "./db.ts";
import { pageDeployments } from "./deployment-list.ts";
import { pageReports } from "./drift-list.ts";
import { pageNodes } from "./node-list.ts";
import type { Key } from "./pages.ts";
import { users } from "./schema.ts";
import type { Scope } from "./scope.ts";
import { pageServers } from "./server-list.ts";

interface Planned {
  sql: string;
  plan: string[];
}

/** The statements `run` executes on `db`, each with SQLite's plan for the values it was given. */
function plansOf(db: Db, run: () => void): Planned[] {
  const client = db.$client;
  const prepare = client.prepare;
  const seen: { sql: string; params: unknown[] }[] = [];
  client.prepare = ((sql: string) => {
    const stmt = prepare.call(client, sql);
    for (const method of ["all", "get", "run", "values"] as const) {
      const original = (stmt as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
      if (typeof original !== "function") continue;
      (stmt as unknown as Record<string, unknown>)[method] = (...params: unknown[]) => {
        seen.push({ sql, params });
        return original.apply(stmt, params);
      };
    }
    return stmt;
  }) as typeof prepare;
  try {
    run();
  } finally {
    client.prepare = prepare;
  }
  const explain = (sql: string) => prepare.call(client, `explain query plan ${sql}`) as unknown as { all(...params: unknown[]): { detail: string }[] };
  return seen.map(({ sql, params }) => ({ sql, plan: explain(sql).all(...params).map((r) => r.detail) }));
}

/** A page's row queries (those with a LIMIT; its counts of all matching rows scan by nature). */
const rowQueries = (planned: Planned[]) => planned.filter((p) => /\blimit\b/i.test(p.sql));
/**
 * What in a plan reads more than a page: any SCAN but the first step's walk of an index in the
 * list's order (which stops at the page's LIMIT), and any sort of all the matching rows.
 */
const unbounded = (p: Planned) => p.plan.filter((d, i) => (d.startsWith("SCAN") && !(i === 0 && / USING (COVERING )?INDEX /.test(d))) || d.includes("TEMP B-TREE"));

const db = openDb(":memory:");
db.insert(users).values({ id: "u", email: "u@example.com", name: "u", role: "operator" }).run();
const scopes: Record<string, Scope> = { admin: { userId: "u", all: true }, operator: { userId: "u", all: false } };

const lists: { name: string; page: (scope: Scope, after?: Key) => unknown; key: Key }[] = [
  { name: "Nodes", page: (scope, after) => pageNodes(db, scope, {}, { limit: 50, after }), key: ["web-00001", "x"] },
  { name: "Cloud Servers", page: (scope, after) => pageServers(db, scope, {}, { limit: 50, after }), key: [Date.now(), "x"] },
  { name: "Deployments", page: (scope, after) => pageDeployments(db, scope, {}, { limit: 50, after }), key: [Date.now(), "x"] },
  { name: "Drift, open", page: (scope, after) => pageReports(db, scope, "open", { limit: 50, after }), key: [Date.now(), "x"] },
  { name: "Drift, closed", page: (scope, after) => pageReports(db, scope, "closed", { limit: 50, after }), key: [Date.now(), "x"] },
];

describe("a list's page query", () => {
  for (const list of lists) {
    for (const [who, scope] of Object.entries(scopes)) {
      it(`${list.name}, read by an ${who}: its first and a later page search indexes only`, () => {
        const planned = rowQueries(plansOf(db, () => (list.page(scope), list.page(scope, list.key))));
        expect(planned.length).toBeGreaterThanOrEqual(2);
        for (const p of planned) expect({ sql: p.sql, unbounded: unbounded(p) }).toEqual({ sql: p.sql, unbounded: [] });
      });
    }
  }
});
