// Drift reports: one open report per stack while its checks find drift, its resources the last
// check's findings; a clean check closes it (accepted, restored or cleared), and closed reports
// stay as the stack's history. Also each stack's drift settings (auto-restore, accepted findings).
import { and, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { driftReports, driftResources, driftSettings, operations } from "./schema.ts";
import type { Operation } from "./operations.ts";
import { owned, type Scope } from "./scope.ts";
import type { DriftKind, DriftState, RemediationAction, StackKind } from "./statuses.ts";

export type DriftReport = typeof driftReports.$inferSelect;
export type DriftResourceRow = typeof driftResources.$inferSelect;
export type DriftSettings = typeof driftSettings.$inferSelect;

export interface DriftedProperty {
  property: string;
  declared?: unknown;
  actual?: unknown;
}

/** A resource that drifted, as a check finds it (engine/drift.ts). */
export interface DriftedResource {
  urn: string;
  name: string;
  type: string;
  kind: DriftKind;
  properties: DriftedProperty[];
}

/** The stack a check is about and whose it is. */
export interface DriftSubject {
  stack: string;
  stackKind: StackKind;
  userId: string;
  serverId?: string | null;
  deploymentId?: string | null;
}

export const summaryOf = (resources: DriftedResource[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of resources) out[r.kind] = (out[r.kind] ?? 0) + 1;
  return out;
};

export function openReportOf(db: Db, stack: string): DriftReport | undefined {
  return db.select().from(driftReports).where(and(eq(driftReports.stack, stack), eq(driftReports.state, "open"))).get();
}

export type CheckOutcome = { drifted: true; report: DriftReport; opened: boolean } | { drifted: false; closed?: DriftReport };

/**
 * Records what a check found, in one transaction: drift opens the stack's report or replaces its
 * findings; a clean check closes the open one, as the remediation that ran before it or as cleared.
 */
export function recordCheck(db: Db, subject: DriftSubject, operationId: string | null, resources: DriftedResource[], at = new Date()): CheckOutcome {
  return db.transaction(() => {
    const open = openReportOf(db, subject.stack);
    if (resources.length === 0) {
      if (!open) return { drifted: false };
      const state: DriftState = open.remediation === "accept" ? "accepted" : open.remediation === "restore" ? "restored" : "cleared";
      db.update(driftReports).set({ state, resolvedAt: at, operationId: operationId ?? open.operationId }).where(eq(driftReports.id, open.id)).run();
      return { drifted: false, closed: { ...open, state, resolvedAt: at } };
    }
    const summary = summaryOf(resources);
    let report: DriftReport;
    if (open) {
      // Still drifted after a remediation: it did not hold, so the report is open as before.
      report = db.update(driftReports).set({ summary, lastSeenAt: at, operationId, remediation: null }).where(eq(driftReports.id, open.id)).returning().get();
      db.delete(driftResources).where(eq(driftResources.reportId, open.id)).run();
    } else {
      report = db
        .insert(driftReports)
        .values({ id: randomUUID(), ...subject, serverId: subject.serverId ?? null, deploymentId: subject.deploymentId ?? null, operationId, summary, detectedAt: at, lastSeenAt: at })
        .returning()
        .get();
    }
    db.insert(driftResources).values(resources.map((r) => ({ reportId: report.id, ...r }))).run();
    return { drifted: true, report, opened: !open };
  });
}

/** Marks the open report as remediated by `action`: the next clean check closes it as accepted or restored. */
export function markRemediated(db: Db, reportId: string, action: RemediationAction): void {
  db.update(driftReports).set({ remediation: action }).where(and(eq(driftReports.id, reportId), eq(driftReports.state, "open"))).run();
}

export function reportById(db: Db, id: string): DriftReport | undefined {
  return db.select().from(driftReports).where(eq(driftReports.id, id)).get();
}

export function findReport(db: Db, scope: Scope, id: string): DriftReport | undefined {
  return db.select().from(driftReports).where(and(eq(driftReports.id, id), owned(driftReports.userId, scope))).get();
}

export function resourcesOf(db: Db, reportId: string): DriftedResource[] {
  return db
    .select()
    .from(driftResources)
    .where(eq(driftResources.reportId, reportId))
    .orderBy(driftResources.id)
    .all()
    .map(({ urn, name, type, kind, properties }) => ({ urn, name, type, kind, properties }));
}

/** A stack's reports, newest first (its history). */
export function reportsOfStack(db: Db, stack: string, limit = 10): DriftReport[] {
  return db.select().from(driftReports).where(eq(driftReports.stack, stack)).orderBy(desc(driftReports.detectedAt)).limit(limit).all();
}

/** The open reports of these stacks, by stack (for badges on lists). */
export function openReportsOf(db: Db, stacks: string[]): Map<string, DriftReport> {
  if (stacks.length === 0) return new Map();
  const rows = db.select().from(driftReports).where(and(eq(driftReports.state, "open"), inArray(driftReports.stack, stacks))).all();
  return new Map(rows.map((r) => [r.stack, r]));
}

export function settingsOf(db: Db, stack: string): DriftSettings | undefined {
  return db.select().from(driftSettings).where(eq(driftSettings.stack, stack)).get();
}

/** The drift settings of these stacks, by stack, in one query (a list's page). */
export function settingsOfStacks(db: Db, stacks: string[]): Map<string, DriftSettings> {
  if (stacks.length === 0) return new Map();
  return new Map(db.select().from(driftSettings).where(inArray(driftSettings.stack, stacks)).all().map((s) => [s.stack, s]));
}

/** Sets a stack's drift settings (creating the row), keeping what `patch` leaves out. */
export function saveSettings(db: Db, subject: Pick<DriftSubject, "stack" | "serverId" | "deploymentId">, patch: Partial<Pick<DriftSettings, "autoRestore" | "accepted">>, by: string | null): void {
  const values = { stack: subject.stack, serverId: subject.serverId ?? null, deploymentId: subject.deploymentId ?? null, updatedAt: new Date(), updatedBy: by };
  db.insert(driftSettings)
    .values({ ...values, ...patch })
    .onConflictDoUpdate({ target: driftSettings.stack, set: { ...patch, updatedAt: values.updatedAt, updatedBy: by } })
    .run();
}

/** How many reports are open for the scope (the navigation's count). */
export function countOpen(db: Db, scope: Scope): number {
  return db.select({ n: sql<number>`count(*)` }).from(driftReports).where(and(eq(driftReports.state, "open"), owned(driftReports.userId, scope))).get()!.n;
}

/** The stack's latest drift check (its operation), if one ever ran or is waiting. */
export function lastCheckOf(db: Db, stack: string): Operation | undefined {
  return db.select().from(operations).where(and(eq(operations.stack, stack), eq(operations.kind, "drift"))).orderBy(desc(operations.createdAt)).limit(1).get();
}

/** The latest drift check of each of these stacks, by stack, in one query (a list's page). */
export function lastChecksOf(db: Db, stacks: string[]): Map<string, Operation> {
  if (stacks.length === 0) return new Map();
  const ranked = db
    .select({ id: operations.id, n: sql<number>`row_number() over (partition by ${operations.stack} order by ${operations.createdAt} desc)`.as("n") })
    .from(operations)
    .where(and(inArray(operations.stack, stacks), eq(operations.kind, "drift")))
    .as("ranked");
  const rows = db.select({ op: operations }).from(operations).innerJoin(ranked, and(eq(ranked.id, operations.id), eq(ranked.n, 1))).all();
  return new Map(rows.map((r) => [r.op.stack, r.op]));
}

/** What a page showing the stack's drift must follow: its open report and settings as they change. */
export function driftVersion(db: Db, stack: string): string {
  const r = openReportOf(db, stack);
  const s = settingsOf(db, stack);
  return `${r?.id ?? ""}:${r?.lastSeenAt.getTime() ?? ""}:${r?.remediation ?? ""}:${s?.autoRestore ?? ""}`;
}
