// The engine: runs queued stack operations of every kind (engine/kinds.ts) — at most
// `concurrency` at once per worker, one per stack across all workers, in order per stack, fairly
// between users, after the operations they wait for — each with a deadline and cancellable. Work
// is coordinated through the database: a worker claims an operation with a lease its heartbeat
// renews, cancel requests are a column it polls, and any worker takes over an operation whose
// lease expired (or whose worker on this machine is gone), recovering its stack. It knows Pulumi
// and the database, not HTTP, and names no kind.
import { randomBytes } from "node:crypto";
import os from "node:os";
import type { Logger } from "pino";
import type { ExplainedError } from "../stacks/cloud.ts";
import type { Db } from "../state/db.ts";
import {
  cancelRequests,
  claimOperation,
  activeOperations,
  endOperation,
  expiredOperations,
  findOperation,
  insertClaimedOperation,
  insertOperation,
  operationsWithStatus,
  renewLeases,
  requestCancel,
  takeOverOperation,
  type Operation,
} from "../state/operations.ts";
import type { Keyring } from "../state/secrets.ts";
import { stackPassphrase } from "../state/stack-passphrase.ts";
import { heldBy, operationPolicy, type OperationKind, type OperationStatus, type StackKind as StackKindId } from "../state/statuses.ts";
import { EventBus, type Recorded } from "./bus.ts";
import { DriftScheduler, type DriftScheduleOptions } from "./drift-scheduler.ts";
import { DeadlinePassed, failurePatch, OperationRefused, type GatewayPort, type KindContext, type Run, type RunOutput, type StackKind } from "./kind.ts";
import { findKind } from "./kinds.ts";
import { checkAllNodes } from "./nodes.ts";
import { killMarked } from "./processes.ts";
import { obtainPulumiCli } from "./pulumi-cli.ts";
import { runnable } from "./queue.ts";
import { recoverStack } from "./recover.ts";
import { STACK_MARK, workDirOf, type PulumiSettings } from "./workspace.ts";

export interface EngineOptions {
  db: Db;
  keyring: Keyring;
  log: Logger;
  endpoints: Record<string, string>;
  concurrency: number;
  operationTimeoutSeconds: number;
  cancelGraceSeconds: number;
  nodeCheckIntervalSeconds: number;
  pulumiBackend: string;
  pulumiHome: string;
  stacksDir: string;
  /** How long a claim holds without a heartbeat (default 30 s). */
  leaseSeconds?: number;
  /** Whether changes are paused (the maintenance switch): no queued operation starts meanwhile. */
  paused?: () => boolean;
  /** The gateway whose app routes the kinds keep (none: routes are left alone). */
  gateway?: GatewayPort;
  /** Tests and the test bed pass their CLI; otherwise it is obtained (downloaded or built). */
  pulumiSettings?: () => Promise<PulumiSettings>;
  /** Scheduled drift sweeps (engine/drift-scheduler.ts); none without. */
  drift?: DriftScheduleOptions;
}

export interface EnqueueRequest {
  kind: OperationKind;
  stackKind: StackKindId;
  stack: string;
  serverId?: string;
  deploymentId?: string;
  userId?: string | null;
  params?: Record<string, unknown>;
  /** Operations (of any stack) that must finish first; if one fails, this one fails too. */
  waitsFor?: string[];
}

/** An operation run at once by the process asking (a shell's `hoist up`), never queued. */
export interface RunHereRequest extends EnqueueRequest {
  /** The event that moves the subject into the status this operation holds, if it holds one. */
  event?: string;
  /** Pulumi's own output, as it comes. */
  output?: RunOutput;
  /** Every event the run records, as it records it. */
  observe?: (e: Recorded) => void;
  /** Called once the claim holds, before the run starts. */
  claimed?: (op: Operation) => void;
}

/** The stack has an operation queued or running: nothing else may start on it meanwhile. */
export class StackBusyError extends Error {
  constructor(readonly busy: Operation) {
    super(`${busy.stack} has an operation under way: the ${busy.kind} (${busy.id}), ${busy.status}`);
    this.name = "StackBusyError";
  }
}

interface Running {
  op: Operation;
  controller: AbortController;
  done: Promise<void>;
}

/** `<host>#<pid>#<random>`: a worker on this machine whose process is gone has lost its claims. */
const newWorkerId = () => `${os.hostname()}#${process.pid}#${randomBytes(3).toString("hex")}`;

function localWorkerGone(workerId: string | null): boolean {
  const [host, pid] = (workerId ?? "").split("#");
  if (host !== os.hostname() || !Number(pid) || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch {
    return true;
  }
}

export class Engine {
  readonly bus: EventBus;
  readonly workerId = newWorkerId();
  readonly #opts: EngineOptions;
  readonly #running = new Map<string, Running>();
  readonly #ctx: KindContext;
  readonly #leaseMs: number;
  #settings?: Promise<PulumiSettings>;
  #timers: NodeJS.Timeout[] = [];
  #ready = false;
  #stopped = false;
  #idle: (() => void)[] = [];
  #checking?: Promise<void>;
  #reconciling?: Promise<void>;
  #beats = 0;
  #drift?: DriftScheduler;

  constructor(opts: EngineOptions) {
    this.#opts = opts;
    this.#leaseMs = (opts.leaseSeconds ?? 30) * 1000;
    this.bus = new EventBus(opts.db);
    this.#ctx = {
      db: opts.db,
      keyring: opts.keyring,
      log: opts.log,
      endpoints: opts.endpoints,
      bus: this.bus,
      pulumi: () => this.pulumi(),
      enqueue: (req) => this.enqueue(req),
      paused: () => opts.paused?.() ?? false,
      gateway: opts.gateway,
    };
    if (opts.drift) this.#drift = new DriftScheduler(this.#ctx, this.workerId, opts.drift, this.#leaseMs);
  }

  /** What the kinds' code reaches (for the console's own calls into a kind, e.g. a node check). */
  get context(): KindContext {
    return this.#ctx;
  }

  /** Pulumi's settings, obtaining the CLI once (it may be built from source the first time). */
  pulumi(): Promise<PulumiSettings> {
    this.#settings ??= this.#opts.pulumiSettings
      ? this.#opts.pulumiSettings()
      : obtainPulumiCli({ onProgress: (line) => this.#opts.log.info(line) }).then((cli) => ({
          cli,
          home: this.#opts.pulumiHome,
          backendUrl: this.#opts.pulumiBackend,
          passphrase: stackPassphrase(this.#opts.db, this.#opts.keyring),
          stacksDir: this.#opts.stacksDir,
        }));
    return this.#settings;
  }

  /** Takes over what a dead worker left, then starts running the queue and checking nodes. */
  async start(): Promise<void> {
    await this.pulumi();
    await this.reconcile();
    this.#ready = true;
    this.#timers.push(setInterval(() => this.pump(), 2000));
    this.#timers.push(setInterval(() => this.#heartbeat(), 1000));
    this.#timers.push(setInterval(() => void this.checkNodes(), this.#opts.nodeCheckIntervalSeconds * 1000));
    for (const t of this.#timers) t.unref();
    this.#drift?.start();
    this.pump();
  }

  /** The drift schedule: when the next sweep is due, and the latest ones. */
  driftStatus() {
    return this.#drift?.status();
  }

  /** Cancels this worker's running operations gracefully and waits for them (at most a minute). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timers.forEach(clearInterval);
    this.#drift?.stop();
    for (const r of this.#running.values()) r.controller.abort(new Error("Hoist is shutting down"));
    // The timer must not outlive the wait, or it holds the process open.
    let limit: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.#running.values()].map((r) => r.done)), new Promise((r) => (limit = setTimeout(r, 60_000)))]);
    clearTimeout(limit);
  }

  enqueue(req: EnqueueRequest): Operation {
    const op = insertOperation(this.#opts.db, req);
    this.bus.record(op.id, { type: "operation", status: "queued" });
    setImmediate(() => this.pump());
    return op;
  }

  /** Cancels a queued operation at once, or asks the worker running one to stop it. False when it is finished. */
  cancel(operationId: string, why: string): boolean {
    const running = this.#running.get(operationId);
    if (running) {
      requestCancel(this.#opts.db, operationId);
      running.controller.abort(new Error(why));
      return true;
    }
    if (requestCancel(this.#opts.db, operationId)) {
      this.bus.record(operationId, { type: "log", text: `Cancel requested: ${why}` });
      return true;
    }
    const op = findOperation(this.#opts.db, operationId);
    if (!op || op.status !== "queued") return false;
    const { subject, remove } = findKind(op.stackKind).words;
    const explained = { reason: `The operation was cancelled before it started: ${why}`, code: "cancelled", action: `Retry, or ${remove} the ${subject}.`, retryable: true, auth: false };
    return this.#failQueued(op, "cancelled", explained);
  }

  /**
   * Runs one operation in this process now, claimed for this worker as the queue would claim it:
   * written as running (with the subject's move into the status it holds, in the same
   * transaction) only while nothing is queued or running on its stack — StackBusyError otherwise,
   * OperationRefused when the subject cannot move — then run like any other, its lease renewed by
   * this worker's heartbeat, so that a console sees it, refuses meanwhile, and takes it over if
   * this process dies. Resolves with the finished operation.
   */
  async runHere(req: RunHereRequest): Promise<Operation> {
    const { event, output, observe, claimed, ...row } = req;
    const kind = findKind(row.stackKind);
    await this.pulumi();
    const db = this.#opts.db;
    let moved: string | undefined;
    const lease = { leaseUntil: new Date(Date.now() + this.#leaseMs), deadlineAt: new Date(Date.now() + this.#opts.operationTimeoutSeconds * 1000) };
    const op = insertClaimedOperation(db, row, this.workerId, lease, () => {
      const subject = kind.subjectOf(row as Operation);
      moved = event && subject ? kind.move(db, subject, event, {}) : undefined;
      if (event && !moved) throw new OperationRefused({ reason: `The ${kind.words.subject} cannot ${event.replace(/_/g, " ")} now`, action: "Look at its status and try again.", retryable: true, auth: false });
    });
    if (!op) throw new StackBusyError(activeOperations(db, row.stack)[0]!);
    claimed?.(op);
    const unsubscribe = observe ? this.bus.subscribe(op.id, observe) : undefined;
    // A console's heartbeat also takes over orphans; a process that runs only this one keeps its own claim alive.
    const beat = this.#ready ? undefined : setInterval(() => this.#heartbeat(), 1000);
    try {
      if (moved) this.bus.record(op.id, { type: "status", status: moved });
      this.#launch(op, output);
      await this.#running.get(op.id)?.done;
    } finally {
      clearInterval(beat);
      unsubscribe?.();
    }
    return findOperation(db, op.id)!;
  }

  /** Cancels every queued or running operation of a stack, but those of kind `keep`. */
  cancelStack(stack: string, keep: OperationKind, why: string): void {
    for (const op of operationsWithStatus(this.#opts.db, ["running", "queued"])) {
      if (op.stack === stack && op.kind !== keep) this.cancel(op.id, why);
    }
  }

  /** Resolves once nothing is queued or running, this worker's recoveries after a forced stop included. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #isIdle(): boolean {
    return this.#running.size === 0 && operationsWithStatus(this.#opts.db, ["queued", "running"]).length === 0;
  }

  pump(): void {
    if (!this.#ready || this.#stopped) return;
    const running = operationsWithStatus(this.#opts.db, ["running"]);
    const paused = this.#opts.paused?.() ?? false;
    const queued = this.#waitsOver(operationsWithStatus(this.#opts.db, ["queued"]).filter((op) => !paused || operationPolicy.runsWhilePaused(op.kind)));
    const mine = running.filter((o) => o.workerId === this.workerId).length;
    // The limit is this worker's; `runnable` counts every worker's running ones for fairness.
    for (const op of runnable(queued, running, this.#opts.concurrency + running.length - mine)) {
      const claimed = claimOperation(this.#opts.db, op.id, this.workerId, {
        leaseUntil: new Date(Date.now() + this.#leaseMs),
        deadlineAt: new Date(Date.now() + this.#opts.operationTimeoutSeconds * 1000),
      });
      if (claimed) this.#launch(claimed);
    }
    if (this.#isIdle()) this.#idle.splice(0).forEach((f) => f());
  }

  /** The queued operations whose waits are over; one that waited for a failure fails. */
  #waitsOver(queued: Operation[]): Operation[] {
    return queued.filter((op) => {
      const deps = op.waitsFor.map((id) => findOperation(this.#opts.db, id));
      const i = deps.findIndex((d) => !d || d.status === "failed" || d.status === "cancelled");
      if (i >= 0) {
        const d = deps[i];
        const what = d ? `the ${d.kind} of ${d.stack} it waited for ${d.status === "cancelled" ? "was cancelled" : "failed"}` : "an operation it waited for is gone";
        this.#failQueued(op, "failed", { reason: `The ${op.kind} did not run: ${what}`, code: "dependency", action: "See that operation, fix what it needs, then retry.", retryable: true, auth: false });
        return false;
      }
      return deps.every((d) => d!.status === "succeeded");
    });
  }

  /** Ends a queued operation without running it, moving its subject as a failure of that operation. */
  #failQueued(op: Operation, status: Extract<OperationStatus, "failed" | "cancelled">, explained: ExplainedError): boolean {
    if (!endOperation(this.#opts.db, op.id, "queued", status, explained.reason)) return false;
    this.bus.record(op.id, { type: "failure", reason: explained.reason, code: explained.code, action: explained.action, retryable: explained.retryable });
    this.bus.record(op.id, { type: "operation", status, message: explained.reason });
    this.bus.finish(op.id);
    this.#moveSubject(op, findKind(op.stackKind).machine.failed, failurePatch(explained));
    return true;
  }

  /** Moves the operation's subject, only while it is in a status the operation holds; records it. */
  #moveSubject(op: Operation, event: string, patch: Record<string, unknown> = {}): string | undefined {
    const kind = findKind(op.stackKind);
    const subject = kind.subjectOf(op);
    const to = subject ? kind.move(this.#opts.db, subject, event, patch, heldBy(kind.machine, op.kind)) : undefined;
    if (to) this.bus.record(op.id, { type: "status", status: to });
    return to;
  }

  #launch(op: Operation, output?: RunOutput): void {
    const controller = new AbortController();
    const kind = findKind(op.stackKind);
    const seconds = this.#opts.operationTimeoutSeconds;
    let forced = false;
    let grace: NodeJS.Timeout | undefined;
    // Cancelling is graceful: Pulumi waits for the provider calls in flight. A provider that never
    // answers would hold the stack forever, so after a grace period its processes are killed and
    // the stack is recovered as after a crash.
    controller.signal.addEventListener("abort", () => {
      grace = setTimeout(() => {
        forced = true;
        void this.pulumi().then((settings) => killMarked(STACK_MARK, workDirOf(settings, op.stack)));
      }, this.#opts.cancelGraceSeconds * 1000);
    });
    const deadline = setTimeout(() => controller.abort(new DeadlinePassed(`its deadline of ${seconds} s passed`)), seconds * 1000);
    this.bus.record(op.id, { type: "operation", status: "running" });
    this.#opts.log.info({ operation: op.id, kind: op.kind, stack: op.stack, worker: this.workerId }, "operation started");
    const run: Run = {
      ...this.#ctx,
      op,
      output,
      signal: controller.signal,
      record: (e) => this.bus.record(op.id, e),
      move: (event, patch) => this.#moveSubject(op, event, patch),
    };
    const done = this.#execute(kind, run).then(
      () => this.#finish(op, "succeeded"),
      // A cancel from the operator ends as cancelled; a deadline that passed, as failed.
      (err: Error) => this.#finish(op, controller.signal.aborted && !(controller.signal.reason instanceof DeadlinePassed) ? "cancelled" : "failed", err.message),
    );
    this.#running.set(op.id, {
      op,
      controller,
      done: done
        .then(async () => {
          clearTimeout(deadline);
          clearTimeout(grace);
          if (forced) await this.#recoverForced(op);
        })
        .finally(() => {
          this.#running.delete(op.id);
          this.pump();
        }),
    });
  }

  /** Runs the kind's runner; a failure is explained, recorded and moves the subject before it is rethrown. */
  async #execute(kind: StackKind, run: Run): Promise<void> {
    try {
      const runner = kind.runners[run.op.kind];
      if (!runner) throw new OperationRefused({ reason: `A ${kind.id} stack has no ${run.op.kind} operation`, action: "Nothing to do.", retryable: false, auth: false });
      await runner(run);
    } catch (err) {
      const explained = err instanceof OperationRefused ? err.explained : run.signal.aborted ? explainStopped(kind, run.signal) : kind.explain(this.#ctx, run.op, err);
      run.record({ type: "failure", reason: explained.reason, code: explained.code, action: explained.action, retryable: explained.retryable });
      kind.afterFailure?.(this.#ctx, run.op, explained);
      run.move(kind.machine.failed, failurePatch(explained));
      throw Object.assign(new Error(explained.reason), { explained });
    }
  }

  #finish(op: Operation, status: Extract<OperationStatus, "succeeded" | "failed" | "cancelled">, error?: string): void {
    // Only while the claim is still this worker's: one that lost it (a long pause) ends nothing.
    if (!endOperation(this.#opts.db, op.id, "running", status, error ?? null, this.workerId)) return;
    this.bus.record(op.id, { type: "operation", status, message: error });
    this.bus.finish(op.id);
    this.#opts.log[status === "succeeded" ? "info" : "warn"]({ operation: op.id, kind: op.kind, stack: op.stack, status, error }, "operation finished");
  }

  /** Renews this worker's claims, stops what someone asked to cancel, and takes over expired ones. */
  #heartbeat(): void {
    if (this.#stopped) return;
    const beat = this.#beats++;
    if (beat % Math.max(1, Math.floor(this.#leaseMs / 3000)) === 0) renewLeases(this.#opts.db, this.workerId, new Date(Date.now() + this.#leaseMs));
    for (const id of cancelRequests(this.#opts.db, this.workerId)) {
      const r = this.#running.get(id);
      if (r && !r.controller.signal.aborted) r.controller.abort(new Error("a cancel was requested"));
    }
    // Only a started engine (a console) takes over others' operations, not a shell running one of its own.
    if (this.#ready && beat % Math.max(1, Math.floor(this.#leaseMs / 1000)) === 0) void this.reconcile();
  }

  /** After killing a stuck operation: clear its lock and adopt what the provider created meanwhile. */
  async #recoverForced(op: Operation): Promise<void> {
    try {
      const r = await recoverStack(await this.pulumi(), op.stack, findKind(op.stackKind).finder?.(this.#ctx, op));
      this.bus.record(op.id, { type: "log", text: `Stopped by force after the grace period; the stack was recovered${r.adopted.length ? ` (adopted ${r.adopted.length} resource(s))` : ""}.` });
    } catch (err) {
      this.#opts.log.error({ operation: op.id, stack: op.stack, err }, "could not recover the stack after a forced stop");
    }
  }

  /**
   * Operations whose worker is gone (its lease expired, or its process on this machine died):
   * taken over one at a time, their stacks recovered, failed with "interrupted — retry".
   */
  reconcile(): Promise<void> {
    this.#reconciling ??= this.#takeOverOrphans().finally(() => (this.#reconciling = undefined));
    return this.#reconciling;
  }

  async #takeOverOrphans(): Promise<void> {
    const settings = await this.pulumi();
    const orphans = [...expiredOperations(this.#opts.db), ...operationsWithStatus(this.#opts.db, ["running"]).filter((o) => localWorkerGone(o.workerId))];
    const seen = new Set<string>();
    for (const op of orphans) {
      if (seen.has(op.id) || this.#running.has(op.id)) continue;
      seen.add(op.id);
      if (!takeOverOperation(this.#opts.db, op.id, op.workerId, this.workerId, new Date(Date.now() + this.#leaseMs))) continue;
      let note = "";
      try {
        const r = await recoverStack(settings, op.stack, findKind(op.stackKind).finder?.(this.#ctx, op));
        note = r.adopted.length ? ` (adopted ${r.adopted.length} resource(s) the provider had created)` : "";
        this.#opts.log.warn({ operation: op.id, stack: op.stack, ...r }, "recovered an interrupted operation");
      } catch (err) {
        this.#opts.log.error({ operation: op.id, stack: op.stack, err }, "could not recover the stack");
      }
      const reason = `The ${op.kind} was interrupted when Hoist stopped${note}`;
      const kind = findKind(op.stackKind);
      if (kind.resumesAfterCrash) {
        this.bus.record(op.id, { type: "log", text: `${reason}; it goes on in a new operation from the step it reached.` });
        this.#finish(op, "failed", `${reason}; resumed`);
        const resumed = this.enqueue({ kind: op.kind, stackKind: op.stackKind, stack: op.stack, serverId: op.serverId ?? undefined, deploymentId: op.deploymentId ?? undefined, userId: op.userId, params: op.params });
        this.#opts.log.warn({ operation: op.id, resumed: resumed.id, stack: op.stack }, "resumed an interrupted operation");
        continue;
      }
      this.bus.record(op.id, { type: "failure", reason, code: "interrupted", action: "interrupted — retry", retryable: true });
      this.#finish(op, "failed", `${reason} — retry`);
      // Only the statuses this operation holds: a destroy queued behind it keeps its subject destroying.
      const action = `Interrupted — retry to finish, or ${kind.words.remove} the ${kind.words.subject}.`;
      this.#moveSubject(op, kind.machine.failed, failurePatch({ reason, code: "interrupted", action, retryable: true, auth: false }));
    }
  }

  /** Brings every node's state up to date; a pass still running (slow or unreachable nodes) is joined rather than overlapped. */
  checkNodes(): Promise<void> {
    this.#checking ??= checkAllNodes(this.#ctx).finally(() => (this.#checking = undefined));
    return this.#checking;
  }
}

/** An operation stopped by a cancel, its deadline or a shutdown, in the operator's words. */
function explainStopped(kind: StackKind, signal: AbortSignal): ExplainedError {
  const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "cancelled");
  const code = signal.reason instanceof DeadlinePassed ? "deadline" : "cancelled";
  return { reason: `The operation was stopped: ${why}`, code, action: `Retry to continue, or ${kind.words.remove} the ${kind.words.subject}.`, retryable: true, auth: false };
}
