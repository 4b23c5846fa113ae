// Remediations of drift reports: Accept or Restore, previewed (the plan kept), then applied on
// confirmation — or applied at once on detection when the stack's auto-restore is on.
import { and, desc, eq, inArray } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { driftRemediations } from "./schema.ts";
import type { ChangeStatus, RemediationAction } from "./statuses.ts";

export type Remediation = typeof driftRemediations.$inferSelect;

export function insertRemediation(db: Db, r: { reportId: string; userId: string | null; action: RemediationAction; status?: ChangeStatus; auto?: boolean }): Remediation {
  return db.insert(driftRemediations).values({ id: randomUUID(), ...r, updatedAt: new Date() }).returning().get();
}

export function remediationById(db: Db, id: string): Remediation | undefined {
  return db.select().from(driftRemediations).where(eq(driftRemediations.id, id)).get();
}

export function updateRemediation(db: Db, id: string, patch: Partial<Omit<Remediation, "id" | "createdAt" | "status">>): void {
  db.update(driftRemediations).set({ ...patch, updatedAt: new Date() }).where(eq(driftRemediations.id, id)).run();
}

/** Moves it from `from` to `to` (and patches it) only while it is still in `from`. */
export function moveRemediation(db: Db, id: string, from: ChangeStatus | ChangeStatus[], to: ChangeStatus, patch: Partial<Omit<Remediation, "id" | "createdAt" | "status">> = {}): boolean {
  const froms = Array.isArray(from) ? from : [from];
  return db.update(driftRemediations).set({ ...patch, status: to, updatedAt: new Date() }).where(and(eq(driftRemediations.id, id), inArray(driftRemediations.status, froms))).run().changes > 0;
}

/** A report's remediations, newest first. */
export function remediationsOf(db: Db, reportId: string): Remediation[] {
  return db.select().from(driftRemediations).where(eq(driftRemediations.reportId, reportId)).orderBy(desc(driftRemediations.createdAt)).all();
}

/** A remediation under way: being previewed, waiting for confirmation, or applying. */
export const activeRemediationStatuses: readonly ChangeStatus[] = ["previewing", "previewed", "applying"];

/** The report's remediation under way, if any. */
export function activeRemediation(db: Db, reportId: string): Remediation | undefined {
  return db
    .select()
    .from(driftRemediations)
    .where(and(eq(driftRemediations.reportId, reportId), inArray(driftRemediations.status, [...activeRemediationStatuses])))
    .orderBy(desc(driftRemediations.createdAt))
    .get();
}
