// The engine: runs queued stack operations of every kind (engine/kinds.ts) — at most
// `concurrency` at once per worker, one per stack across all workers, in order per stack, fairly
// between users, after the operations they wait for — each with a deadline and cancellable. Work
// is coordinated through the database: a worker claims an operation with a lease its heartbeat
// renews, cancel requests are a column it polls, and any worker takes over an operation whose
// lease expired (or whose worker on this machine is gone), recovering its stack. It knows Pulumi
// and the database, not HTTP, and names no kind. Running one operation is operation-runs.ts;
// taking over a dead worker's, takeover.ts.
import type { Logger } from "pino";
import type { ExplainedError } from "../stacks/cloud.ts";
import type { Db } from "../state/db.ts";
import {
  cancelRequests,
  claimOperation,
  activeOperations,
  endOperation,
  findOperation,
  insertClaimedOperation,
  insertOperation,
  operationsWithStatus,
  renewLeases,
  requestCancel,
  type Operation,
} from "../state/operations.ts";
import type { Keyring } from "../state/secrets.ts";
import { stackPassphrase } from "../state/stack-passphrase.ts";
import { operationPolicy, type OperationKind, type OperationStatus, type StackKind as StackKindId } from "../state/statuses.ts";
import { EventBus, type Recorded } from "./bus.ts";
import { DriftScheduler, type DriftScheduleOptions } from "./drift-scheduler.ts";
import { failurePatch, OperationRefused, type GatewayPort, type KindContext, type RunOutput } from "./kind.ts";
import { findKind } from "./kinds.ts";
import { checkAllNodes } from "./nodes.ts";
import { OperationRuns } from "./operation-runs.ts";
import { newWorkerId, takeOverOrphans, type Takeover } from "./takeover.ts";
import { obtainPulumiCli } from "./pulumi-cli.ts";
import { runnable } from "./queue.ts";
import type { PulumiSettings } from "./workspace.ts";

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

export class Engine {
  readonly bus: EventBus;
  readonly workerId = newWorkerId();
  readonly #opts: EngineOptions;
  readonly #runs: OperationRuns;
  readonly #takeover: Takeover;
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
    const host = { opts, bus: this.bus, ctx: this.#ctx, workerId: this.workerId, pulumi: () => this.pulumi() };
    this.#runs = new OperationRuns({ ...host, freed: () => this.pump() });
    this.#takeover = { ...host, runs: this.#runs, leaseMs: this.#leaseMs, enqueue: (req) => this.enqueue(req) };
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
    for (const r of this.#runs.all()) r.controller.abort(new Error("Hoist is shutting down"));
    // The timer must not outlive the wait, or it holds the process open.
    let limit: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(this.#runs.all().map((r) => r.done)), new Promise((r) => (limit = setTimeout(r, 60_000)))]);
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
    const running = this.#runs.get(operationId);
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
      this.#runs.launch(op, output);
      await this.#runs.get(op.id)?.done;
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
    return this.#runs.size === 0 && operationsWithStatus(this.#opts.db, ["queued", "running"]).length === 0;
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
      if (claimed) this.#runs.launch(claimed);
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
    this.#runs.moveSubject(op, findKind(op.stackKind).machine.failed, failurePatch(explained));
    return true;
  }

  /** Renews this worker's claims, stops what someone asked to cancel, and takes over expired ones. */
  #heartbeat(): void {
    if (this.#stopped) return;
    const beat = this.#beats++;
    if (beat % Math.max(1, Math.floor(this.#leaseMs / 3000)) === 0) renewLeases(this.#opts.db, this.workerId, new Date(Date.now() + this.#leaseMs));
    for (const id of cancelRequests(this.#opts.db, this.workerId)) {
      const r = this.#runs.get(id);
      if (r && !r.controller.signal.aborted) r.controller.abort(new Error("a cancel was requested"));
    }
    // Only a started engine (a console) takes over others' operations, not a shell running one of its own.
    if (this.#ready && beat % Math.max(1, Math.floor(this.#leaseMs / 1000)) === 0) void this.reconcile();
  }

  /**
   * Operations whose worker is gone (its lease expired, or its process on this machine died):
   * taken over one at a time, their stacks recovered, failed with "interrupted — retry".
   */
  reconcile(): Promise<void> {
    this.#reconciling ??= takeOverOrphans(this.#takeover).finally(() => (this.#reconciling = undefined));
    return this.#reconciling;
  }

  /** Brings every node's state up to date; a pass still running (slow or unreachable nodes) is joined rather than overlapped. */
  checkNodes(): Promise<void> {
    this.#checking ??= checkAllNodes(this.#ctx).finally(() => (this.#checking = undefined));
    return this.#checking;
  }
}
