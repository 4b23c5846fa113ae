// Proposed changes to what exists (a deployment's image tag or settings, a server's size, …):
// each previewed, its plan kept, then applied or discarded.
import { and, desc, eq, inArray } from "drizzle-orm";
import { createHash, randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { changes } from "./schema.ts";
import type { ChangeStatus } from "./statuses.ts";

export type Change = typeof changes.$inferSelect;

export function insertChange(db: Db, c: Pick<Change, "userId" | "stackKind" | "proposal" | "basedOn"> & { id?: string; serverId?: string | null; deploymentId?: string | null; secrets?: string | null; summary?: Record<string, unknown> | null }): Change {
  return db.insert(changes).values({ id: c.id ?? randomUUID(), ...c, updatedAt: new Date() }).returning().get();
}

export function changeById(db: Db, id: string): Change | undefined {
  return db.select().from(changes).where(eq(changes.id, id)).get();
}

export function updateChange(db: Db, id: string, patch: Partial<Omit<Change, "id" | "createdAt">>): void {
  db.update(changes).set({ ...patch, updatedAt: new Date() }).where(eq(changes.id, id)).run();
}

/** Moves the change from `from` to `to` (and patches it) only if it is still in `from`. */
export function moveChange(db: Db, id: string, from: ChangeStatus, to: ChangeStatus, patch: Partial<Omit<Change, "id" | "createdAt" | "status">> = {}): boolean {
  return db.update(changes).set({ ...patch, status: to, updatedAt: new Date() }).where(and(eq(changes.id, id), eq(changes.status, from))).run().changes > 0;
}

/**
 * The subject's proposed change that is waiting (being previewed, or previewed and not yet
 * applied, discarded or stale), newest first: what the console's Apply would run.
 */
export function pendingChange(db: Db, subject: { serverId?: string; deploymentId?: string }): Change | undefined {
  const of = subject.serverId ? eq(changes.serverId, subject.serverId) : subject.deploymentId ? eq(changes.deploymentId, subject.deploymentId) : undefined;
  if (!of) return undefined;
  const waiting: ChangeStatus[] = ["previewing", "previewed"];
  return db.select().from(changes).where(and(of, inArray(changes.status, waiting))).orderBy(desc(changes.createdAt)).limit(1).get();
}

export function serverChanges(db: Db, serverId: string, limit = 10): Change[] {
  return db.select().from(changes).where(eq(changes.serverId, serverId)).orderBy(desc(changes.createdAt)).limit(limit).all();
}

export function deploymentChanges(db: Db, deploymentId: string, limit = 10): Change[] {
  return db.select().from(changes).where(eq(changes.deploymentId, deploymentId)).orderBy(desc(changes.createdAt)).limit(limit).all();
}

/** A stable digest of inputs, to tell whether they changed since a preview started from them. */
export function digestOf(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)])) : v;
  return createHash("sha256").update(JSON.stringify(canonical(value))).digest("base64url").slice(0, 22);
}
