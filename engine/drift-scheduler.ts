// Scheduled drift detection: every `intervalSeconds` (plus a random jitter) one sweep checks every
// stack its kind says is checkable now (ready servers, running deployments), at most
// `concurrency` at once, skipping stacks with an operation queued or running. The due time and the
// sweeps live in the database (state/drift-sweeps.ts): the console that claims a due sweep moves
// the schedule on in the same transaction, so two consoles or a restart never run it twice, and a
// sweep whose console stopped is carried on by another. A croner job ticks every two seconds.
import { Cron } from "croner";
import { claimDueSweep, holdSweep, itemsOf, nextSweepAt, recentSweeps, releaseSweeps, saveSweep, sweepsToDrive, type Sweep, type SweepItem } from "../state/drift-sweeps.ts";
import { findOperation, operationsWithStatus } from "../state/operations.ts";
import { finishedOperationStatuses } from "../state/statuses.ts";
import { enqueueCheck } from "./drift-runs.ts";
import type { KindContext } from "./kind.ts";
import { kinds } from "./kinds.ts";

export interface DriftScheduleOptions {
  /** Seconds between sweeps; 0 turns scheduled sweeps off (a sweep asked for, and checks on demand, still run). */
  intervalSeconds: number;
  /** Checks a sweep runs at once. */
  concurrency: number;
}

/** The jitter added to each due time: a tenth of the interval, at most five minutes. */
export const jitterMs = (intervalSeconds: number) => Math.min(intervalSeconds * 100, 300_000);

export class DriftScheduler {
  #cron?: Cron;
  #stopped = false;
  /** The checks whose end this scheduler listens for (#onFinish), by operation. */
  #listening = new Map<string, () => void>();

  constructor(
    private readonly ctx: KindContext,
    private readonly workerId: string,
    private readonly opts: DriftScheduleOptions,
    private readonly leaseMs: number,
  ) {}

  start(): void {
    // `protect`: a tick still running (a slow database) is never overlapped by the next.
    this.#cron = new Cron("*/2 * * * * *", { protect: true, unref: true, name: `drift-${this.workerId}` }, () => this.tick());
  }

  /** Stops ticking and lets go of this worker's sweeps, so that another console carries them on at once. */
  stop(): void {
    this.#stopped = true;
    this.#cron?.stop();
    for (const unsubscribe of this.#listening.values()) unsubscribe();
    this.#listening.clear();
    // A database already closed (the console stopped first) holds nothing to release: the lease runs out.
    if (this.ctx.db.$client.open) releaseSweeps(this.ctx.db, this.workerId);
  }

  /** When the next sweep is due, and the latest sweeps (for the console and the API). */
  status(): { intervalSeconds: number; concurrency: number; nextAt?: Date; sweeps: Sweep[] } {
    return { ...this.opts, nextAt: this.opts.intervalSeconds ? nextSweepAt(this.ctx.db) : undefined, sweeps: recentSweeps(this.ctx.db) };
  }

  /** Claims the sweep if one is due, then drives every sweep this worker holds (or takes over). */
  tick(): void {
    if (this.#stopped) return;
    const now = new Date();
    const leaseUntil = new Date(now.getTime() + this.leaseMs);
    try {
      // Checks change nothing: they go on while changes are paused (auto-restore waits).
      const times = { now, intervalMs: this.opts.intervalSeconds * 1000, jitterMs: jitterMs(this.opts.intervalSeconds) };
      const claimed = claimDueSweep(this.ctx.db, times, this.workerId, leaseUntil, () => this.#targets());
      if (claimed) this.ctx.log.info({ sweep: claimed.id, stacks: claimed.items.length, worker: this.workerId }, "drift sweep started");
      for (const sweep of sweepsToDrive(this.ctx.db, this.workerId, now)) {
        if (holdSweep(this.ctx.db, sweep, this.workerId, leaseUntil)) this.#drive(sweep);
      }
    } catch (err) {
      this.ctx.log.error({ err }, "drift sweep tick failed");
    }
  }

  /**
   * Drives the sweeps again as soon as a check this engine runs has finished, rather than at the
   * next tick: at parallelism 4 a slot would otherwise stand idle for a second on average after
   * each check. The database stays the record; a check run by another console is seen at a tick,
   * which also stops listening for it (#forget).
   */
  #onFinish(operationId: string): void {
    const unsubscribe = this.ctx.bus.subscribe(operationId, (e) => {
      if (e.event.type !== "operation" || !finishedOperationStatuses.includes(e.event.status)) return;
      this.#forget(operationId);
      // After the engine has let go of the finished operation, so that the next check can start.
      setImmediate(() => this.tick());
    });
    this.#listening.set(operationId, unsubscribe);
  }

  #forget(operationId: string): void {
    this.#listening.get(operationId)?.();
    this.#listening.delete(operationId);
  }

  /** Every stack a kind says is checkable now. */
  #targets(): SweepItem[] {
    return kinds.flatMap((k) => k.drift?.targets(this.ctx) ?? []).map((s) => ({
      stack: s.stack,
      stackKind: s.stackKind,
      userId: s.userId,
      ...(s.serverId && { serverId: s.serverId }),
      ...(s.deploymentId && { deploymentId: s.deploymentId }),
    }));
  }

  /** Starts the next checks while fewer than `concurrency` of the sweep's run, skipping busy stacks; ends it once all are done. */
  #drive(sweep: Sweep): void {
    const items = itemsOf(sweep).map((i) => ({ ...i }));
    const done = (i: SweepItem) => i.skipped !== undefined || (i.operationId !== undefined && finishedOperationStatuses.includes(findOperation(this.ctx.db, i.operationId)?.status ?? "failed"));
    let active = items.filter((i) => i.operationId && !done(i)).length;
    const busy = new Set(operationsWithStatus(this.ctx.db, ["queued", "running"]).map((o) => o.stack));
    for (const item of items) {
      if (active >= this.opts.concurrency) break;
      if (item.operationId || item.skipped) continue;
      if (busy.has(item.stack)) {
        item.skipped = "busy: an operation of this stack was queued or running";
        continue;
      }
      const op = enqueueCheck(this.ctx, { ...item, userId: item.userId ?? "" }, null, { params: { sweepId: sweep.id } });
      this.#onFinish(op.id);
      item.operationId = op.id;
      busy.add(item.stack);
      active++;
    }
    const ended = items.filter(done);
    for (const item of ended) if (item.operationId) this.#forget(item.operationId);
    const finished = ended.length === items.length;
    if (saveSweep(this.ctx.db, sweep.id, this.workerId, items, finished) && finished) {
      const skipped = items.filter((i) => i.skipped).length;
      this.ctx.log.info({ sweep: sweep.id, checked: items.length - skipped, skipped }, "drift sweep finished");
    }
  }
}
