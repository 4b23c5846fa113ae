// The operations this worker is running, each from its claim to its end: its deadline, a cancel
// that turns forceful after the grace period (the stack then recovered as after a crash), the
// kind's runner, a failure explained and moving the subject, and the end written only while the
// claim is still this worker's. The engine (engine.ts) decides what runs; this runs it.
import type { ExplainedError } from "../stacks/cloud.ts";
import { endOperation, type Operation } from "../state/operations.ts";
import { heldBy, type OperationStatus } from "../state/statuses.ts";
import type { EventBus } from "./bus.ts";
import type { EngineOptions } from "./engine.ts";
import { DeadlinePassed, failurePatch, OperationRefused, type KindContext, type Run, type RunOutput, type StackKind } from "./kind.ts";
import { findKind } from "./kinds.ts";
import { killMarked } from "./processes.ts";
import { recoverStack } from "./recover.ts";
import { STACK_MARK, workDirOf, type PulumiSettings } from "./workspace.ts";

export interface Running {
  op: Operation;
  controller: AbortController;
  /** Settles once the operation has ended (and its stack was recovered after a forced stop). */
  done: Promise<void>;
}

export interface RunsHost {
  opts: EngineOptions;
  bus: EventBus;
  ctx: KindContext;
  workerId: string;
  pulumi(): Promise<PulumiSettings>;
  /** Called whenever a run ends: a slot is free. */
  freed(): void;
}

export class OperationRuns {
  readonly #host: RunsHost;
  readonly #running = new Map<string, Running>();

  constructor(host: RunsHost) {
    this.#host = host;
  }

  get(id: string): Running | undefined {
    return this.#running.get(id);
  }

  all(): Running[] {
    return [...this.#running.values()];
  }

  get size(): number {
    return this.#running.size;
  }

  /** Starts running a claimed operation. */
  launch(op: Operation, output?: RunOutput): void {
    const { opts, bus, ctx, workerId } = this.#host;
    const controller = new AbortController();
    const kind = findKind(op.stackKind);
    const seconds = opts.operationTimeoutSeconds;
    let forced = false;
    let grace: NodeJS.Timeout | undefined;
    // Cancelling is graceful: Pulumi waits for the provider calls in flight. A provider that never
    // answers would hold the stack forever, so after a grace period its processes are killed and
    // the stack is recovered as after a crash.
    controller.signal.addEventListener("abort", () => {
      grace = setTimeout(() => {
        forced = true;
        void this.#host.pulumi().then((settings) => killMarked(STACK_MARK, workDirOf(settings, op.stack)));
      }, opts.cancelGraceSeconds * 1000);
    });
    const deadline = setTimeout(() => controller.abort(new DeadlinePassed(`its deadline of ${seconds} s passed`)), seconds * 1000);
    bus.record(op.id, { type: "operation", status: "running" });
    opts.log.info({ operation: op.id, kind: op.kind, stack: op.stack, worker: workerId }, "operation started");
    const run: Run = {
      ...ctx,
      op,
      output,
      signal: controller.signal,
      record: (e) => bus.record(op.id, e),
      move: (event, patch) => this.moveSubject(op, event, patch),
    };
    const done = this.#execute(kind, run).then(
      () => this.finish(op, "succeeded"),
      // A cancel from the operator ends as cancelled; a deadline that passed, as failed.
      (err: Error) => this.finish(op, controller.signal.aborted && !(controller.signal.reason instanceof DeadlinePassed) ? "cancelled" : "failed", err.message),
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
          this.#host.freed();
        }),
    });
  }

  /** Moves the operation's subject, only while it is in a status the operation holds; records it. */
  moveSubject(op: Operation, event: string, patch: Record<string, unknown> = {}): string | undefined {
    const kind = findKind(op.stackKind);
    const subject = kind.subjectOf(op);
    const to = subject ? kind.move(this.#host.opts.db, subject, event, patch, heldBy(kind.machine, op.kind)) : undefined;
    if (to) this.#host.bus.record(op.id, { type: "status", status: to });
    return to;
  }

  /** Ends a running operation, only while its claim is still this worker's: one that lost it (a long pause) ends nothing. */
  finish(op: Operation, status: Extract<OperationStatus, "succeeded" | "failed" | "cancelled">, error?: string): void {
    const { opts, bus, workerId } = this.#host;
    if (!endOperation(opts.db, op.id, "running", status, error ?? null, workerId)) return;
    bus.record(op.id, { type: "operation", status, message: error });
    bus.finish(op.id);
    opts.log[status === "succeeded" ? "info" : "warn"]({ operation: op.id, kind: op.kind, stack: op.stack, status, error }, "operation finished");
  }

  /** Runs the kind's runner; a failure is explained, recorded and moves the subject before it is rethrown. */
  async #execute(kind: StackKind, run: Run): Promise<void> {
    try {
      const runner = kind.runners[run.op.kind];
      if (!runner) throw new OperationRefused({ reason: `A ${kind.id} stack has no ${run.op.kind} operation`, action: "Nothing to do.", retryable: false, auth: false });
      await runner(run);
    } catch (err) {
      const explained = err instanceof OperationRefused ? err.explained : run.signal.aborted ? explainStopped(kind, run.signal) : kind.explain(this.#host.ctx, run.op, err);
      run.record({ type: "failure", reason: explained.reason, code: explained.code, action: explained.action, retryable: explained.retryable });
      kind.afterFailure?.(this.#host.ctx, run.op, explained);
      run.move(kind.machine.failed, failurePatch(explained));
      throw Object.assign(new Error(explained.reason), { explained });
    }
  }

  /** After killing a stuck operation: clear its lock and adopt what the provider created meanwhile. */
  async #recoverForced(op: Operation): Promise<void> {
    try {
      const r = await recoverStack(await this.#host.pulumi(), op.stack, findKind(op.stackKind).finder?.(this.#host.ctx, op));
      this.#host.bus.record(op.id, { type: "log", text: `Stopped by force after the grace period; the stack was recovered${r.adopted.length ? ` (adopted ${r.adopted.length} resource(s))` : ""}.` });
    } catch (err) {
      this.#host.opts.log.error({ operation: op.id, stack: op.stack, err }, "could not recover the stack after a forced stop");
    }
  }
}

/** An operation stopped by a cancel, its deadline or a shutdown, in the operator's words. */
function explainStopped(kind: StackKind, signal: AbortSignal): ExplainedError {
  const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "cancelled");
  const code = signal.reason instanceof DeadlinePassed ? "deadline" : "cancelled";
  return { reason: `The operation was stopped: ${why}`, code, action: `Retry to continue, or ${kind.words.remove} the ${kind.words.subject}.`, retryable: true, auth: false };
}
