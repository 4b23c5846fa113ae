// Running a proposed change, for any kind: its preview keeps the plan on the change; applying it
// goes ahead only from the inputs it was previewed from and while the stack still plans the same
// steps on the same properties, else the change is stale and nothing is changed.
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation/index.js";
import { changeById, moveChange, type Change } from "../state/changes.ts";
import { OperationRefused, type Run } from "./kind.ts";
import { planCollector, planSignature, type Plan } from "./plan.ts";

/** The subject a change is about (a server, a deployment). */
export const changeSubject = (c: Change): string | null => c.serverId ?? c.deploymentId;

/** The change the operation previews or applies, when it is about one of its subject's. */
export function changeOf(run: Run, subjectId: string | undefined): Change | undefined {
  const id = run.op.params.changeId;
  if (typeof id !== "string") return undefined;
  const change = changeById(run.db, id);
  if (!change || changeSubject(change) !== subjectId) {
    throw new OperationRefused({ reason: "The change this operation is for is gone", code: "no_change", action: "Propose the change again.", retryable: false, auth: false });
  }
  return change;
}

interface PreviewOptions {
  onEvent: (e: EngineEvent) => void;
  signal: AbortSignal;
  replace?: string[];
}

/**
 * Previews the stack as the change would make it (its config set from the proposal by the
 * caller) and keeps the plan on the change. The stack's config is put back to what is declared
 * afterwards: a shell's `pulumi preview` in its folder reads that, not a proposal.
 */
export async function previewChange(stack: Stack, change: Change, run: Run, opts: PreviewOptions, restore: () => Promise<void>): Promise<Plan> {
  const plan = planCollector();
  try {
    await stack.preview({ ...opts, color: "never", onEvent: (e) => (opts.onEvent(e), plan.onEvent(e)) });
  } finally {
    await restore();
  }
  moveChange(run.db, change.id, "previewing", "previewed", { plan: plan.plan() as unknown as Record<string, unknown> });
  return plan.plan();
}

/**
 * Claims a previewed change for this run and proves it still holds: the subject's inputs digest
 * as when it was proposed, and a fresh preview (config already set from the proposal) plans the
 * same. When it does not, the change becomes stale, `unchanged` is called (the subject goes back
 * to how it was) and the run is refused.
 */
export async function claimChange(run: Run, change: Change, check: { subject: string; digest: string; stack: Stack; replace?: string[]; unchanged: () => void }): Promise<void> {
  const stale = (why: string) => {
    moveChange(run.db, change.id, "applying", "stale", { error: why });
    check.unchanged();
    return new OperationRefused({ reason: why, code: "stale_change", action: "Propose the change again: Hoist previews it afresh.", retryable: false, auth: false });
  };
  if (!moveChange(run.db, change.id, "previewed", "applying", { applyOperationId: run.op.id })) {
    check.unchanged();
    throw new OperationRefused({ reason: `This change is ${change.status}, not a preview waiting to be applied`, code: "stale_change", action: "Propose the change again.", retryable: false, auth: false });
  }
  if (check.digest !== change.basedOn) throw stale(`The ${check.subject} changed since this change was previewed`);
  const again = planCollector();
  await check.stack.preview({ onEvent: again.onEvent, signal: run.signal, color: "never", replace: check.replace });
  if (planSignature(again.plan()) !== planSignature(change.plan as unknown as Plan)) throw stale("The stack would now do something else than the preview showed");
  run.record({ type: "log", text: "Applying the change as previewed." });
}

/** Runs `body` as the application of `change` (when there is one): applied when it succeeds, failed with its reason when not. */
export async function applying(run: Run, change: Change | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    if (change) moveChange(run.db, change.id, "applying", "applied");
  } catch (err) {
    if (change) moveChange(run.db, change.id, "applying", "failed", { error: (err as Error).message.split("\n")[0] });
    throw err;
  }
}
