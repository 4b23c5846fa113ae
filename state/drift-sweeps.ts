// The drift schedule and its sweeps, coordinated through the database: the next due time is one
// row that the console claiming a sweep advances in the same immediate transaction, so two
// consoles (or one restarted) never both run a sweep; a sweep is then driven by the worker whose
// lease holds it, and taken over by another when that lease lapses.
import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { driftSchedule, driftSweeps } from "./schema.ts";
import type { StackKind } from "./statuses.ts";

export type Sweep = typeof driftSweeps.$inferSelect;

/** One stack of a sweep: the operation that checks it once enqueued, or why it was skipped. */
export interface SweepItem {
  stack: string;
  stackKind: StackKind;
  serverId?: string;
  deploymentId?: string;
  userId?: string;
  operationId?: string;
  skipped?: string;
}

const SCHEDULE = "sweep";

export interface ScheduleTimes {
  now: Date;
  intervalMs: number;
  /** A random delay added to each due time, so that sweeps do not all start on the hour. */
  jitterMs: number;
}

const nextDue = (t: ScheduleTimes) => new Date(t.now.getTime() + t.intervalMs + Math.floor(Math.random() * (t.jitterMs + 1)));

/** When the next scheduled sweep is due, once a console has scheduled one (none while sweeps are off). */
export function nextSweepAt(db: Db): Date | undefined {
  return db.select().from(driftSchedule).where(eq(driftSchedule.id, SCHEDULE)).get()?.nextAt ?? undefined;
}

/** Asks for a sweep now (an admin's "check everything"); the next tick of any console claims it. */
export function requestSweep(db: Db, at = new Date()): void {
  db.insert(driftSchedule)
    .values({ id: SCHEDULE, nextAt: null, requestedAt: at, updatedAt: at })
    .onConflictDoUpdate({ target: driftSchedule.id, set: { requestedAt: sql`coalesce(${driftSchedule.requestedAt}, ${at.getTime()})`, updatedAt: at } })
    .run();
}

/**
 * Claims the sweep that is due, if one is — a scheduled one whose time came, or one asked for:
 * in one immediate transaction the schedule moves on and the sweep is recorded with its stacks,
 * held by `workerId`. Undefined when nothing is due (or another console claimed it first). The
 * first call schedules the first sweep one interval from now; a due time further out than a
 * whole interval (the interval was shortened) is brought in; an interval of 0 schedules none.
 */
export function claimDueSweep(db: Db, t: ScheduleTimes, workerId: string, leaseUntil: Date, items: () => SweepItem[]): Sweep | undefined {
  return db.transaction(
    () => {
      const row = db.select().from(driftSchedule).where(eq(driftSchedule.id, SCHEDULE)).get();
      const far = t.now.getTime() + t.intervalMs + t.jitterMs;
      let nextAt = row?.nextAt ?? null;
      if (!t.intervalMs) nextAt = null;
      else if (!nextAt || nextAt.getTime() > far) nextAt = nextDue(t);
      const scheduled = t.intervalMs > 0 && row?.nextAt && row.nextAt <= t.now ? row.nextAt : undefined;
      const due = row?.requestedAt ?? scheduled;
      if (due && scheduled) nextAt = nextDue(t);
      if (!row || nextAt?.getTime() !== row.nextAt?.getTime() || due) {
        db.insert(driftSchedule)
          .values({ id: SCHEDULE, nextAt, requestedAt: null, updatedAt: t.now })
          .onConflictDoUpdate({ target: driftSchedule.id, set: { nextAt, requestedAt: due ? null : (row?.requestedAt ?? null), updatedAt: t.now } })
          .run();
      }
      if (!due) return undefined;
      return db.insert(driftSweeps).values({ id: randomUUID(), dueAt: due, items: items() as unknown as Record<string, unknown>[], workerId, leaseExpiresAt: leaseUntil, startedAt: t.now }).returning().get();
    },
    { behavior: "immediate" },
  );
}

export const itemsOf = (s: Sweep) => s.items as unknown as SweepItem[];

/** Unfinished sweeps this worker holds or may take over (its holder's lease lapsed). */
export function sweepsToDrive(db: Db, workerId: string, now = new Date()): Sweep[] {
  return db
    .select()
    .from(driftSweeps)
    .where(and(isNull(driftSweeps.finishedAt), or(eq(driftSweeps.workerId, workerId), isNull(driftSweeps.workerId), lt(driftSweeps.leaseExpiresAt, now))))
    .orderBy(driftSweeps.startedAt)
    .all();
}

/** Makes the sweep this worker's until `until`, if it still is, or its previous holder's lease lapsed; false when another got it. */
export function holdSweep(db: Db, sweep: Sweep, workerId: string, until: Date): boolean {
  const holder = sweep.workerId === null ? isNull(driftSweeps.workerId) : eq(driftSweeps.workerId, sweep.workerId);
  return db.update(driftSweeps).set({ workerId, leaseExpiresAt: until }).where(and(eq(driftSweeps.id, sweep.id), isNull(driftSweeps.finishedAt), holder)).run().changes > 0;
}

/** Saves the sweep's progress, only while this worker holds it; `finished` ends it. */
export function saveSweep(db: Db, id: string, workerId: string, items: SweepItem[], finished = false): boolean {
  return (
    db
      .update(driftSweeps)
      .set({ items: items as unknown as Record<string, unknown>[], ...(finished && { finishedAt: new Date() }) })
      .where(and(eq(driftSweeps.id, id), eq(driftSweeps.workerId, workerId), isNull(driftSweeps.finishedAt)))
      .run().changes > 0
  );
}

/** A stopping worker lets go of its sweeps, so that another console carries them on at once. */
export function releaseSweeps(db: Db, workerId: string): void {
  db.update(driftSweeps).set({ workerId: null, leaseExpiresAt: null }).where(and(eq(driftSweeps.workerId, workerId), isNull(driftSweeps.finishedAt))).run();
}

export function recentSweeps(db: Db, limit = 10): Sweep[] {
  return db.select().from(driftSweeps).orderBy(desc(driftSweeps.startedAt)).limit(limit).all();
}
