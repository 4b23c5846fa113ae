import { and, asc, desc, eq, gt, inArray, isNull, lt, max, ne, or, sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { operationEvents, operations } from "./schema.ts";
import type { OperationKind, OperationStatus, StackKind } from "./statuses.ts";

export type Operation = typeof operations.$inferSelect;
export type StoredEvent = typeof operationEvents.$inferSelect;

export function insertOperation(
  db: Db,
  o: {
    userId?: string | null;
    stack: string;
    stackKind: StackKind;
    serverId?: string | null;
    deploymentId?: string | null;
    kind: OperationKind;
    params?: Record<string, unknown>;
    waitsFor?: string[];
  },
): Operation {
  return db.insert(operations).values({ id: randomUUID(), ...o }).returning().get();
}

/**
 * Claims a queued operation for `workerId` until `leaseUntil`: one statement that succeeds only
 * while the operation is still queued and nothing else runs on its stack, so two workers (or two
 * pumps) can never run the same operation, nor two operations of one stack at once.
 */
export function claimOperation(db: Db, id: string, workerId: string, at: { leaseUntil: Date; deadlineAt: Date; now?: Date }): Operation | undefined {
  // Written out: the outer row must be named as such inside the subquery, whose own table is `o`.
  const other = sql.raw(`exists (select 1 from operations o where o.stack = operations.stack and o.status = 'running')`);
  return db
    .update(operations)
    .set({ status: "running", workerId, leaseExpiresAt: at.leaseUntil, startedAt: at.now ?? new Date(), deadlineAt: at.deadlineAt })
    .where(and(eq(operations.id, id), eq(operations.status, "queued"), sql`not ${other}`))
    .returning()
    .get();
}

/**
 * Inserts an operation already running for `workerId` (a shell's, which never waits in the queue:
 * a console would pick it up there), in one immediate transaction that inserts nothing while the
 * stack has an operation queued or running. `alsoDo` runs inside it (moving the subject); when it
 * throws, nothing is kept. Undefined when the stack is busy.
 */
export function insertClaimedOperation(
  db: Db,
  o: Parameters<typeof insertOperation>[1],
  workerId: string,
  at: { leaseUntil: Date; deadlineAt: Date },
  alsoDo: () => void = () => {},
): Operation | undefined {
  return db.transaction(
    () => {
      // One connection: the repository calls below are inside this transaction.
      if (activeOperations(db, o.stack).length) return undefined;
      const op = db
        .insert(operations)
        .values({ id: randomUUID(), ...o, status: "running", workerId, leaseExpiresAt: at.leaseUntil, startedAt: new Date(), deadlineAt: at.deadlineAt })
        .returning()
        .get();
      alsoDo();
      return op;
    },
    { behavior: "immediate" },
  );
}

/** The stack's queued and running operations, oldest first. */
export function activeOperations(db: Db, stack: string): Operation[] {
  return db.select().from(operations).where(and(eq(operations.stack, stack), inArray(operations.status, ["queued", "running"]))).orderBy(asc(operations.createdAt)).all();
}

/** The stack's latest operation, whatever its kind. */
export function lastStackOperation(db: Db, stack: string): Operation | undefined {
  return db.select().from(operations).where(eq(operations.stack, stack)).orderBy(desc(operations.createdAt), desc(operations.id)).limit(1).get();
}

/** Whether an operation other than `exceptId` was ever recorded on the stack: until then its state is empty. */
export function stackHasOtherOperations(db: Db, stack: string, exceptId: string): boolean {
  return db.select({ id: operations.id }).from(operations).where(and(eq(operations.stack, stack), ne(operations.id, exceptId))).limit(1).get() !== undefined;
}

/** The worker's heartbeat: its running operations stay its own until `until`. */
export function renewLeases(db: Db, workerId: string, until: Date): void {
  db.update(operations).set({ leaseExpiresAt: until }).where(and(eq(operations.workerId, workerId), eq(operations.status, "running"))).run();
}

/** Running operations whose worker has stopped renewing its claim. */
export function expiredOperations(db: Db, now = new Date()): Operation[] {
  return db
    .select()
    .from(operations)
    .where(and(eq(operations.status, "running"), or(isNull(operations.leaseExpiresAt), lt(operations.leaseExpiresAt, now))))
    .orderBy(asc(operations.createdAt))
    .all();
}

/** Takes over a running operation whose claim `previous` holds (expired, or its worker gone); false when another got it first. */
export function takeOverOperation(db: Db, id: string, previous: string | null, workerId: string, leaseUntil: Date): boolean {
  const holder = previous === null ? isNull(operations.workerId) : eq(operations.workerId, previous);
  return db.update(operations).set({ workerId, leaseExpiresAt: leaseUntil }).where(and(eq(operations.id, id), eq(operations.status, "running"), holder)).run().changes > 0;
}

/** Asks the worker running it to cancel; false when it is not running. */
export function requestCancel(db: Db, id: string): boolean {
  return db.update(operations).set({ cancelRequested: true }).where(and(eq(operations.id, id), eq(operations.status, "running"))).run().changes > 0;
}

/** The worker's running operations someone asked to cancel. */
export function cancelRequests(db: Db, workerId: string): string[] {
  return db
    .select({ id: operations.id })
    .from(operations)
    .where(and(eq(operations.workerId, workerId), eq(operations.status, "running"), eq(operations.cancelRequested, true)))
    .all()
    .map((r) => r.id);
}

/**
 * Ends an operation in `status` if it is still in `from` (and, for a running one, still `workerId`'s):
 * the operation ends once, whoever tries. Returns whether it did.
 */
export function endOperation(db: Db, id: string, from: OperationStatus, status: OperationStatus, error: string | null, workerId?: string): boolean {
  const mine = workerId === undefined ? undefined : eq(operations.workerId, workerId);
  return db.update(operations).set({ status, error, finishedAt: new Date() }).where(and(eq(operations.id, id), eq(operations.status, from), mine)).run().changes > 0;
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

export function deploymentOperations(db: Db, deploymentId: string, limit = 20): Operation[] {
  return db.select().from(operations).where(eq(operations.deploymentId, deploymentId)).orderBy(desc(operations.createdAt)).limit(limit).all();
}

/** A stack's operations, newest first (a migration's, which have no server or deployment of their own). */
export function stackOperations(db: Db, stack: string, limit = 20): Operation[] {
  return db.select().from(operations).where(eq(operations.stack, stack)).orderBy(desc(operations.createdAt)).limit(limit).all();
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
