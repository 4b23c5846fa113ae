// Taking over what a dead worker left: operations whose lease expired, or whose worker's process
// on this machine is gone, claimed one at a time by this worker, their stacks recovered (lock
// cleared, what the provider created adopted), then failed with "interrupted — retry", or
// resumed in a new operation for a kind that resumes after a crash.
import { randomBytes } from "node:crypto";
import os from "node:os";
import { expiredOperations, operationsWithStatus, takeOverOperation, type Operation } from "../state/operations.ts";
import type { EnqueueRequest } from "./engine.ts";
import { failurePatch } from "./kind.ts";
import { findKind } from "./kinds.ts";
import type { OperationRuns, RunsHost } from "./operation-runs.ts";
import { recoverStack } from "./recover.ts";

/** `<host>#<pid>#<random>`: a worker on this machine whose process is gone has lost its claims. */
export const newWorkerId = () => `${os.hostname()}#${process.pid}#${randomBytes(3).toString("hex")}`;

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

export interface Takeover extends Omit<RunsHost, "freed"> {
  runs: OperationRuns;
  leaseMs: number;
  enqueue(req: EnqueueRequest): Operation;
}

/** Takes over every orphaned operation this worker is not already running. */
export async function takeOverOrphans(t: Takeover): Promise<void> {
  const { opts, bus, ctx, runs, workerId } = t;
  const settings = await t.pulumi();
  const orphans = [...expiredOperations(opts.db), ...operationsWithStatus(opts.db, ["running"]).filter((o) => localWorkerGone(o.workerId))];
  const seen = new Set<string>();
  for (const op of orphans) {
    if (seen.has(op.id) || runs.get(op.id)) continue;
    seen.add(op.id);
    if (!takeOverOperation(opts.db, op.id, op.workerId, workerId, new Date(Date.now() + t.leaseMs))) continue;
    let note = "";
    try {
      const r = await recoverStack(settings, op.stack, findKind(op.stackKind).finder?.(ctx, op));
      note = r.adopted.length ? ` (adopted ${r.adopted.length} resource(s) the provider had created)` : "";
      opts.log.warn({ operation: op.id, stack: op.stack, ...r }, "recovered an interrupted operation");
    } catch (err) {
      opts.log.error({ operation: op.id, stack: op.stack, err }, "could not recover the stack");
    }
    const reason = `The ${op.kind} was interrupted when Hoist stopped${note}`;
    const kind = findKind(op.stackKind);
    if (kind.resumesAfterCrash) {
      bus.record(op.id, { type: "log", text: `${reason}; it goes on in a new operation from the step it reached.` });
      runs.finish(op, "failed", `${reason}; resumed`);
      const resumed = t.enqueue({ kind: op.kind, stackKind: op.stackKind, stack: op.stack, serverId: op.serverId ?? undefined, deploymentId: op.deploymentId ?? undefined, userId: op.userId, params: op.params });
      opts.log.warn({ operation: op.id, resumed: resumed.id, stack: op.stack }, "resumed an interrupted operation");
      continue;
    }
    bus.record(op.id, { type: "failure", reason, code: "interrupted", action: "interrupted — retry", retryable: true });
    runs.finish(op, "failed", `${reason} — retry`);
    // Only the statuses this operation holds: a destroy queued behind it keeps its subject destroying.
    const action = `Interrupted — retry to finish, or ${kind.words.remove} the ${kind.words.subject}.`;
    runs.moveSubject(op, kind.machine.failed, failurePatch({ reason, code: "interrupted", action, retryable: true, auth: false }));
  }
}
