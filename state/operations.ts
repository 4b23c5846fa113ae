import { and, asc, desc, eq, gt, inArray, max } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { operationEvents, operations } from "./schema.ts";
import type { OperationKind, OperationStatus } from "./statuses.ts";

export type Operation = typeof operations.$inferSelect;
export type StoredEvent = typeof operationEvents.$inferSelect;

export function insertOperation(
  db: Db,
  o: { userId?: string | null; stack: string; serverId?: string | null; deploymentId?: string | null; kind: OperationKind; params?: Record<string, unknown> },
): Operation {
  return db.insert(operations).values({ id: randomUUID(), ...o }).returning().get();
}

export function findOperation(db: Db, id: string): Operation | undefined {
  return db.select().from(operations).where(eq(operations.id, id)).get();
}

export function operationsWithStatus(db: Db, statuses: OperationStatus[]): Operation[] {
  return db.select().from(operations).where(inArray(operations.status, statuses)).orderBy(asc(operations.createdAt), asc(operations.id)).all();
}

export function serverOperations(db: Db, serverId: string, limit = 20): Operation[] {
  return db.select().from(operations).where(eq(operations.serverId, serverId)).orderBy(desc(operations.createdAt)).limit(limit).all();
}

export function updateOperation(db: Db, id: string, patch: Partial<Omit<Operation, "id" | "createdAt">>): void {
  db.update(operations).set(patch).where(eq(operations.id, id)).run();
}

export function lastEventSeq(db: Db, operationId: string): number {
  return db.select({ n: max(operationEvents.seq) }).from(operationEvents).where(eq(operationEvents.operationId, operationId)).get()?.n ?? 0;
}

export function insertEvent(db: Db, e: { operationId: string; seq: number; type: string; payload: Record<string, unknown>; at: Date }): void {
  db.insert(operationEvents).values(e).run();
}

/** Events are read a page at a time: an operation may have hundreds of thousands. */
export const EVENT_PAGE = 500;
export const MAX_EVENT_PAGE = 1000;

/** The events after `after`, in order, at most `limit` of them (and never more than MAX_EVENT_PAGE). */
export function eventsAfter(db: Db, operationId: string, after: number, limit = EVENT_PAGE): StoredEvent[] {
  return db
    .select()
    .from(operationEvents)
    .where(and(eq(operationEvents.operationId, operationId), gt(operationEvents.seq, after)))
    .orderBy(asc(operationEvents.seq))
    .limit(Math.max(1, Math.min(limit, MAX_EVENT_PAGE)))
    .all();
}

/** Every event after `after` up to `upTo` (inclusive), a page at a time. */
export function* eventPages(db: Db, operationId: string, after = 0, upTo = Number.MAX_SAFE_INTEGER): Generator<StoredEvent[]> {
  for (let last = after; last < upTo; ) {
    const page = eventsAfter(db, operationId, last).filter((e) => e.seq <= upTo);
    if (page.length === 0) return;
    yield page;
    last = page.at(-1)!.seq;
  }
}
