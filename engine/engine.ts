// The engine: runs queued stack operations (global limit, one per stack, in order), each with a
// deadline and cancellable; reconciles what a crash interrupted; checks nodes over SSH. It knows
// Pulumi and the database, not HTTP.
import type { Logger } from "pino";
import { findCloud } from "../stacks/clouds.ts";
import type { Db } from "../state/db.ts";
import { allNodes, setNodeState } from "../state/nodes.ts";
import { insertOperation, operationsWithStatus, updateOperation, type Operation } from "../state/operations.ts";
import { moveServer, serverById, type Server } from "../state/servers.ts";
import type { Keyring } from "../state/secrets.ts";
import { stackPassphrase } from "../state/stack-passphrase.ts";
import { operationTransition, type OperationKind, type OperationStatus } from "../state/statuses.ts";
import { EventBus } from "./bus.ts";
import { obtainPulumiCli } from "./pulumi-cli.ts";
import { runnable } from "./queue.ts";
import { finderFor, recoverStack } from "./recover.ts";
import { checkServerNode, credentialOf, DeadlinePassed, owned, previewServer, runServerOperation, type ServerJobContext } from "./servers.ts";
import { killMarked } from "./processes.ts";
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
  /** Whether changes are paused (the maintenance switch): no queued operation starts meanwhile. */
  paused?: () => boolean;
  /** Tests and the test bed pass their CLI; otherwise it is obtained (downloaded or built). */
  pulumiSettings?: () => Promise<PulumiSettings>;
}

export interface EnqueueRequest {
  kind: OperationKind;
  stack: string;
  serverId?: string;
  userId?: string | null;
  params?: Record<string, unknown>;
}

interface Running {
  op: Operation;
  controller: AbortController;
  done: Promise<void>;
}

export class Engine {
  readonly bus: EventBus;
  readonly #opts: EngineOptions;
  readonly #running = new Map<string, Running>();
  readonly #ctx: ServerJobContext;
  #settings?: Promise<PulumiSettings>;
  #timers: NodeJS.Timeout[] = [];
  #ready = false;
  #stopped = false;
  #idle: (() => void)[] = [];
  #checking?: Promise<void>;

  constructor(opts: EngineOptions) {
    this.#opts = opts;
    this.bus = new EventBus(opts.db);
    this.#ctx = { db: opts.db, keyring: opts.keyring, log: opts.log, endpoints: opts.endpoints, bus: this.bus, pulumi: () => this.pulumi() };
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

  /** Reconciles interrupted operations, then starts running the queue and checking nodes. */
  async start(): Promise<void> {
    await this.pulumi();
    await this.reconcile();
    this.#ready = true;
    this.#timers.push(setInterval(() => this.pump(), 2000));
    this.#timers.push(setInterval(() => void this.checkNodes(), this.#opts.nodeCheckIntervalSeconds * 1000));
    for (const t of this.#timers) t.unref();
    this.pump();
  }

  /** Cancels running operations gracefully and waits for them (they are reconciled at next start). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timers.forEach(clearInterval);
    for (const r of this.#running.values()) r.controller.abort(new Error("Hoist is shutting down"));
    // At most a minute; the timer must not outlive the wait, or it holds the process open.
    let limit: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.#running.values()].map((r) => r.done)), new Promise((r) => (limit = setTimeout(r, 60_000)))]);
    clearTimeout(limit);
  }

  enqueue(req: EnqueueRequest): Operation {
    const op = insertOperation(this.#opts.db, { kind: req.kind, stack: req.stack, serverId: req.serverId, userId: req.userId, params: req.params });
    this.bus.record(op.id, { type: "operation", status: "queued" });
    setImmediate(() => this.pump());
    return op;
  }

  /** Cancels a queued operation at once, or a running one gracefully. False when it is finished. */
  cancel(operationId: string, why: string): boolean {
    const running = this.#running.get(operationId);
    if (running) {
      running.controller.abort(new Error(why));
      return true;
    }
    const op = operationsWithStatus(this.#opts.db, ["queued"]).find((o) => o.id === operationId);
    if (!op) return false;
    this.#finish(op, "cancel", why);
    if (op.serverId) {
      const explained = { errorReason: `The operation was cancelled before it started: ${why}`, errorCode: "cancelled", errorAction: "Retry, or destroy the server.", retryable: true };
      moveServer(this.#opts.db, op.serverId, "failed", explained, owned[op.kind]);
    }
    return true;
  }

  /** A preview of the server's stack, printed through `onOutput` (for `hoist preview`). */
  preview(server: Server, onOutput: (text: string) => void) {
    return previewServer(this.#ctx, server, onOutput);
  }

  /** Cancels every queued or running operation of a stack, but those of kind `keep`. */
  cancelStack(stack: string, keep: Operation["kind"], why: string): void {
    const queued = operationsWithStatus(this.#opts.db, ["queued"]).filter((o) => o.stack === stack);
    for (const op of [...this.#running.values()].map((r) => r.op).filter((o) => o.stack === stack).concat(queued)) {
      if (op.kind !== keep) this.cancel(op.id, why);
    }
  }

  /** Resolves once nothing is queued or running (for tests and shutdown). */
  idle(): Promise<void> {
    if (this.#running.size === 0 && operationsWithStatus(this.#opts.db, ["queued"]).length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  pump(): void {
    if (!this.#ready || this.#stopped || this.#opts.paused?.()) return;
    const queued = operationsWithStatus(this.#opts.db, ["queued"]);
    for (const op of runnable(queued, [...this.#running.values()].map((r) => r.op), this.#opts.concurrency)) this.#launch(op);
    if (this.#running.size === 0 && queued.length === 0) this.#idle.splice(0).forEach((f) => f());
  }

  #launch(op: Operation): void {
    const controller = new AbortController();
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
    updateOperation(this.#opts.db, op.id, { status: operationTransition(op.status, "start"), startedAt: new Date(), deadlineAt: new Date(Date.now() + seconds * 1000) });
    this.bus.record(op.id, { type: "operation", status: "running" });
    this.#opts.log.info({ operation: op.id, kind: op.kind, stack: op.stack }, "operation started");
    const running = { ...op, status: "running" as const };
    const done = runServerOperation(this.#ctx, running, controller.signal).then(
      () => this.#finish(running, "succeed"),
      // A cancel from the operator ends as cancelled; a deadline that passed, as failed.
      (err: Error) => this.#finish(running, controller.signal.aborted && !(controller.signal.reason instanceof DeadlinePassed) ? "cancel" : "fail", err.message),
    );
    this.#running.set(op.id, {
      op: running,
      controller,
      done: done
        .then(async () => {
          clearTimeout(deadline);
          clearTimeout(grace);
          if (forced) await this.#recoverForced(running);
        })
        .finally(() => {
          this.#running.delete(op.id);
          this.pump();
        }),
    });
  }

  #finish(op: Operation, event: "succeed" | "fail" | "cancel", error?: string): void {
    const status: OperationStatus = operationTransition(op.status, event);
    updateOperation(this.#opts.db, op.id, { status, finishedAt: new Date(), error: error ?? null });
    this.bus.record(op.id, { type: "operation", status, message: error });
    this.bus.finish(op.id);
    this.#opts.log[status === "succeeded" ? "info" : "warn"]({ operation: op.id, kind: op.kind, stack: op.stack, status, error }, "operation finished");
  }

  /** After killing a stuck operation: clear its lock and adopt what the provider created meanwhile. */
  async #recoverForced(op: Operation): Promise<void> {
    try {
      const r = await recoverStack(await this.pulumi(), op.stack, this.#finder(op));
      this.bus.record(op.id, { type: "log", text: `Stopped by force after the grace period; the stack was recovered${r.adopted.length ? ` (adopted ${r.adopted.length} resource(s))` : ""}.` });
    } catch (err) {
      this.#opts.log.error({ operation: op.id, stack: op.stack, err }, "could not recover the stack after a forced stop");
    }
  }

  /** How to look up the cloud resources of the operation's server, when its credential still exists. */
  #finder(op: Operation) {
    const server = op.serverId ? serverById(this.#opts.db, op.serverId) : undefined;
    const support = findCloud(server?.cloud)?.servers;
    try {
      return server && support ? finderFor(support, credentialOf(this.#ctx, server), { nodeId: String(server.spec.nodeId), region: server.region }) : undefined;
    } catch {
      return undefined; // no credential any more: pending creates can only be dropped
    }
  }

  /** Operations that were running when the process died: recover their stacks, fail them with "interrupted — retry". */
  async reconcile(): Promise<void> {
    const settings = await this.pulumi();
    for (const op of operationsWithStatus(this.#opts.db, ["running"])) {
      const server = op.serverId ? serverById(this.#opts.db, op.serverId) : undefined;
      let note = "";
      try {
        const r = await recoverStack(settings, op.stack, this.#finder(op));
        note = r.adopted.length ? ` (adopted ${r.adopted.length} resource(s) the provider had created)` : "";
        this.#opts.log.warn({ operation: op.id, stack: op.stack, ...r }, "recovered an interrupted operation");
      } catch (err) {
        this.#opts.log.error({ operation: op.id, stack: op.stack, err }, "could not recover the stack");
      }
      const reason = `The ${op.kind} was interrupted when Hoist stopped${note}`;
      this.bus.record(op.id, { type: "failure", reason, code: "interrupted", action: "interrupted — retry", retryable: true });
      this.#finish(op, "fail", `${reason} — retry`);
      if (server) {
        // Only the statuses this operation owns: a destroy queued behind it keeps its server destroying.
        const to = moveServer(this.#opts.db, server.id, "failed", { errorReason: reason, errorCode: "interrupted", errorAction: "Interrupted — retry to finish, or destroy the server.", retryable: true }, owned[op.kind]);
        if (to) this.bus.record(op.id, { type: "status", status: to });
      }
    }
  }

  /**
   * Checks every node of a ready server over SSH; a stopped server's node is offline. A pass
   * still running (slow or unreachable nodes) is joined rather than overlapped.
   */
  checkNodes(): Promise<void> {
    this.#checking ??= this.#checkAll().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #checkAll(): Promise<void> {
    const nodes = allNodes(this.#opts.db);
    for (const node of nodes) {
      const server = node.serverId ? serverById(this.#opts.db, node.serverId) : undefined;
      if (!server) continue;
      if (server.status === "stopped") setNodeState(this.#opts.db, node.id, "offline", "the server is stopped");
      else if (server.status === "ready") await checkServerNode(this.#ctx, server.id).catch((err) => this.#opts.log.warn({ node: node.id, err }, "node check failed"));
    }
  }
}
