// Usage samples of nodes and their app containers (what the monitor measured), and the
// monitor's schedule: one row per node, claimed with a lease so that one worker samples it.
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "./db.ts";
import { monitorSchedule, usageSamples } from "./schema.ts";

export type UsageSample = typeof usageSamples.$inferSelect;
export type NewSample = Omit<UsageSample, "id">;

/** How long samples are kept. */
export const SAMPLE_RETENTION_MS = 7 * 24 * 3600_000;

export function insertSamples(db: Db, rows: NewSample[]): void {
  if (rows.length) db.insert(usageSamples).values(rows).run();
}

/** Deletes the samples taken before `before`; how many went. */
export function purgeSamples(db: Db, before: Date): number {
  return db.delete(usageSamples).where(lt(usageSamples.at, before)).run().changes;
}

const subject = (s: { nodeId: string } | { deploymentId: string }) =>
  "deploymentId" in s ? eq(usageSamples.deploymentId, s.deploymentId) : and(eq(usageSamples.nodeId, s.nodeId), isNull(usageSamples.deploymentId));

/** A node's (or a deployment's container's) samples since `since`, oldest first. */
export function samplesOf(db: Db, s: { nodeId: string } | { deploymentId: string }, since: Date, limit = 2000): UsageSample[] {
  // The newest `limit`, returned oldest first.
  const rows = db.select().from(usageSamples).where(and(subject(s), gte(usageSamples.at, since))).orderBy(desc(usageSamples.at)).limit(limit).all();
  return rows.reverse();
}

export function latestSample(db: Db, s: { nodeId: string } | { deploymentId: string }): UsageSample | undefined {
  return db.select().from(usageSamples).where(subject(s)).orderBy(desc(usageSamples.at)).limit(1).get();
}

/** A node's (or container's) newest sample taken at or before `at`, or, with `after`, the oldest taken after it. */
export function sampleNear(db: Db, s: { nodeId: string } | { deploymentId: string }, at: Date, side: "before" | "after"): UsageSample | undefined {
  const q = db.select().from(usageSamples);
  return side === "before"
    ? q.where(and(subject(s), lte(usageSamples.at, at))).orderBy(desc(usageSamples.at)).limit(1).get()
    : q.where(and(subject(s), gt(usageSamples.at, at))).orderBy(asc(usageSamples.at)).limit(1).get();
}

/**
 * The latest sample by `key` (a node's own, or a deployment's container's) of each of `ids`, in
 * one query whatever their number (a list's page); `own` narrows which samples count.
 */
function latestBy(db: Db, key: typeof usageSamples.nodeId | typeof usageSamples.deploymentId, ids: readonly string[], own?: SQL): UsageSample[] {
  if (ids.length === 0) return [];
  const newest = db
    .select({ key: sql<string>`${key}`.as("newest_key"), at: sql<number>`max(${usageSamples.at})`.as("newest_at") })
    .from(usageSamples)
    .where(and(inArray(key, [...ids]), own))
    .groupBy(key)
    .as("newest");
  return db
    .select({ sample: usageSamples })
    .from(usageSamples)
    .innerJoin(newest, and(eq(key, newest.key), eq(usageSamples.at, newest.at)))
    .where(own)
    .all()
    .map((r) => r.sample);
}

/** The latest sample of each of these deployments' containers, in one query (a list's page). */
export const latestOfDeployments = (db: Db, ids: readonly string[]): Map<string, UsageSample> => new Map(latestBy(db, usageSamples.deploymentId, ids).map((s) => [s.deploymentId!, s]));

/** The latest sample of each of these nodes, in one query (a list's page of nodes). */
export const latestOfNodes = (db: Db, ids: readonly string[]): Map<string, UsageSample> => new Map(latestBy(db, usageSamples.nodeId, ids, isNull(usageSamples.deploymentId)).map((s) => [s.nodeId, s]));

/** Makes sure every node has a schedule row, due now when it is new. */
export function scheduleEveryNode(db: Db, now: Date): void {
  db.run(sql`insert or ignore into monitor_schedule (node_id, due_at) select id, ${now.getTime()} from nodes`);
}

/**
 * Claims one due node for `workerId` until `leaseUntil`: due, and not held by a live lease.
 * The update is one statement, so two workers racing for a node get it once.
 */
export function claimDueNode(db: Db, workerId: string, now: Date, leaseUntil: Date, skip: readonly string[] = []): string | undefined {
  const free = or(isNull(monitorSchedule.leaseExpiresAt), lt(monitorSchedule.leaseExpiresAt, now));
  const candidate = db
    .select({ nodeId: monitorSchedule.nodeId })
    .from(monitorSchedule)
    .where(and(lte(monitorSchedule.dueAt, now), free, skip.length ? sql`${monitorSchedule.nodeId} not in ${skip}` : undefined))
    .orderBy(asc(monitorSchedule.dueAt))
    .limit(1)
    .get();
  if (!candidate) return undefined;
  const got = db
    .update(monitorSchedule)
    .set({ workerId, leaseExpiresAt: leaseUntil })
    .where(and(eq(monitorSchedule.nodeId, candidate.nodeId), lte(monitorSchedule.dueAt, now), free))
    .returning({ nodeId: monitorSchedule.nodeId })
    .get();
  return got?.nodeId;
}

/** Releases the claim and sets when the node is due again (with what went wrong, if anything). */
export function releaseNode(db: Db, nodeId: string, workerId: string, nextDue: Date, error: string | null): void {
  db.update(monitorSchedule)
    .set({ workerId: null, leaseExpiresAt: null, dueAt: nextDue, lastError: error })
    .where(and(eq(monitorSchedule.nodeId, nodeId), eq(monitorSchedule.workerId, workerId)))
    .run();
}

/** Why the node's last sampling failed, if it did. */
export function lastMonitorError(db: Db, nodeId: string): string | null {
  return db.select({ e: monitorSchedule.lastError }).from(monitorSchedule).where(eq(monitorSchedule.nodeId, nodeId)).get()?.e ?? null;
}
