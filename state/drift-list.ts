// The Drift page's reports a page at a time: the open ones newest found first, or the closed ones
// newest closed first, each with its subject's name joined in the same query; and what a report
// card shows besides (its resources, its remediations) read for the whole page at once.
import { and, desc, eq, inArray, ne, sql, type SQL } from "drizzle-orm";
import type { Db } from "./db.ts";
import type { Remediation } from "./drift-remediations.ts";
import type { DriftedResource, DriftReport } from "./drift.ts";
import { keysetPage, type KeysetOrder, type Page, type PageRequest } from "./pages.ts";
import { deployments, driftRemediations, driftReports, driftResources, servers } from "./schema.ts";
import { owned, type Scope } from "./scope.ts";

export interface ReportListRow {
  report: DriftReport;
  /** The subject's name (a server's or a deployment's), null when it is gone. */
  subjectName: string | null;
}

export type ReportState = "open" | "closed";

const keyOf = (at: (r: DriftReport) => Date | null) => (r: ReportListRow) => [at(r.report)?.getTime() ?? 0, r.report.id] as const;

const orders: Record<ReportState, KeysetOrder<ReportListRow>> = {
  open: { column: driftReports.detectedAt, id: driftReports.id, direction: "desc", keyOf: keyOf((r) => r.detectedAt) },
  closed: { column: driftReports.resolvedAt, id: driftReports.id, direction: "desc", keyOf: keyOf((r) => r.resolvedAt) },
};

// Written out rather than bound, so that SQLite can use the partial index of open reports.
const stateIs = (which: ReportState): SQL => (which === "open" ? sql`${driftReports.state} = 'open'` : ne(driftReports.state, "open"));

const joined = (db: Db) =>
  db
    .select({ report: driftReports, subjectName: sql<string | null>`coalesce(${servers.name}, ${deployments.name})` })
    .from(driftReports)
    .leftJoin(servers, eq(servers.id, driftReports.serverId))
    .leftJoin(deployments, eq(deployments.id, driftReports.deploymentId));

/** A page of the reports `scope` may see, open or closed. */
export function pageReports(db: Db, scope: Scope, which: ReportState, req: PageRequest): Page<ReportListRow> {
  const where = and(stateIs(which), owned(driftReports.userId, scope));
  return db.transaction(() =>
    keysetPage(orders[which], where, req, {
      rows: (cond, orderBy, limit) => joined(db).where(cond).orderBy(...orderBy).limit(limit).all(),
      count: (cond) => db.select({ n: sql<number>`count(*)` }).from(driftReports).where(cond).get()!.n,
    }),
  );
}

function listOf<T>(m: Map<string, T[]>, key: string): T[] {
  let list = m.get(key);
  if (!list) m.set(key, (list = []));
  return list;
}

/** The `limit` reports closed last that `scope` may see (the Drift page's "closed lately"). */
export function closedLately(db: Db, scope: Scope, limit: number): ReportListRow[] {
  return joined(db)
    .where(and(stateIs("closed"), owned(driftReports.userId, scope)))
    .orderBy(desc(driftReports.resolvedAt), desc(driftReports.id))
    .limit(limit)
    .all();
}

/** These reports' drifted resources, by report, in one query. */
export function resourcesOfReports(db: Db, ids: string[]): Map<string, DriftedResource[]> {
  const out = new Map<string, DriftedResource[]>();
  if (ids.length === 0) return out;
  for (const { reportId, urn, name, type, kind, properties } of db.select().from(driftResources).where(inArray(driftResources.reportId, ids)).orderBy(driftResources.id).all()) {
    listOf(out, reportId).push({ urn, name, type, kind, properties });
  }
  return out;
}

/** These reports' remediations, newest first, by report, in one query. */
export function remediationsOfReports(db: Db, ids: string[]): Map<string, Remediation[]> {
  const out = new Map<string, Remediation[]>();
  if (ids.length === 0) return out;
  for (const m of db.select().from(driftRemediations).where(inArray(driftRemediations.reportId, ids)).orderBy(desc(driftRemediations.createdAt)).all()) listOf(out, m.reportId).push(m);
  return out;
}
