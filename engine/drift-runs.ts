// The runners of drift, the same for every kind of stack: a check (the `drift` operation: a
// refresh preview plus whatever the kind inspects itself, recorded as the stack's report), and
// the two remediations of a report, each previewed first — Accept (a `refresh`: reality recorded
// in the state) and Restore (an `up` that refreshes first: what the stack declares put back).
// Each kind gives what differs (its DriftSupport) and registers these in its runners.
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation/index.js";
import { recordAudit } from "../state/audit.ts";
import { activeRemediation, insertRemediation, moveRemediation, remediationById, remediationsOf, updateRemediation, type Remediation } from "../state/drift-remediations.ts";
import { markRemediated, recordCheck, reportById, resourcesOf, saveSettings, settingsOf, type DriftReport, type DriftSubject } from "../state/drift.ts";
import type { Operation } from "../state/operations.ts";
import type { RemediationAction } from "../state/statuses.ts";
import { previewDrift, type DriftedResource, type WatchedOutput } from "./drift.ts";
import { converter } from "./events.ts";
import { OperationRefused, type KindContext, type Run, type Runner } from "./kind.ts";
import { planCollector, planSignature, type Plan, type PlannedStep } from "./plan.ts";

/** What a kind of stack gives drift detection and remediation. */
export interface DriftSupport {
  /** The stacks a scheduled sweep checks now (ready servers, running deployments). */
  targets(ctx: KindContext): DriftSubject[];
  /** The stack a check of `op` is about, or why its subject is not checked now (a stopped server). */
  subject(ctx: KindContext, op: Operation): DriftSubject | { skip: string };
  /** The subject's stack, configured with what it declares. */
  open(run: Run): Promise<Stack>;
  /** Output properties whose change is drift though Pulumi's refresh calls the step the same (a server's power state). */
  watched?(ctx: KindContext, op: Operation): WatchedOutput[];
  /** Drift a refresh cannot see, found by the kind itself (an app's container on its node). */
  inspect?(run: Run, stack: Stack): Promise<DriftedResource[]>;
  /** Resources a Restore of these findings replaces (a container the stack's refresh cannot read back). */
  replaceFor?(stack: Stack, resources: DriftedResource[]): Promise<string[]>;
  /** Steps Hoist takes itself in a Restore besides Pulumi's (powering a server back on). */
  hoistSteps?(ctx: KindContext, op: Operation, resources: DriftedResource[]): PlannedStep[];
  /** Runs the kind's up for a Restore: refreshing first, replacing `replace`; moves the subject as an up does. */
  restore(run: Run, opts: { replace: string[]; onEvent: (e: EngineEvent) => void; resources: DriftedResource[] }): Promise<void>;
  /** After an Accept's refresh: what follows from the reality now recorded (a server found off is stopped). */
  afterAccept?(run: Run, stack: Stack, inspected: DriftedResource[]): Promise<void>;
  /** Moves the subject for a Restore's up (ready → updating); false when it cannot be now. */
  queueRestore(ctx: KindContext, subjectId: string): boolean;
  /** Moves it back when a Restore was refused before it changed anything. */
  unchanged(run: Run): void;
}

const isSubject = (s: DriftSubject | { skip: string }): s is DriftSubject => !("skip" in s);

const subjectRef = (s: DriftSubject) => ({ stackKind: s.stackKind, stack: s.stack, serverId: s.serverId ?? undefined, deploymentId: s.deploymentId ?? undefined });

/** Queues a drift check of the subject's stack. */
export const enqueueCheck = (ctx: KindContext, s: DriftSubject, userId: string | null, extra: { waitsFor?: string[]; params?: Record<string, unknown> } = {}) =>
  ctx.enqueue({ kind: "drift", ...subjectRef(s), userId, params: extra.params, waitsFor: extra.waitsFor });

/** "server: labels.team, serverType; ssh-key: deleted out of band". */
export function describeDrift(resources: DriftedResource[]): string {
  return resources
    .map((r) => `${r.name}: ${r.kind === "changed" ? r.properties.map((p) => p.property).join(", ") : r.kind === "deleted" ? "deleted out of band" : "unexpected"}`)
    .join("; ");
}

/** Findings an Accept took as the node's reality are no drift while they stay as they were. */
function unaccepted(resources: DriftedResource[], accepted: unknown[] | null | undefined): DriftedResource[] {
  const known = new Set((accepted ?? []).map((a) => JSON.stringify(a)));
  return resources.filter((r) => !known.has(JSON.stringify(r)));
}

/**
 * The check: a refresh preview (no state written) and the kind's own inspection, recorded as the
 * stack's report. The support is given as a function: a kind module and its drift module import each other.
 */
export function driftCheck(supportOf: () => DriftSupport): Runner {
  return async (run) => {
    const support = supportOf();
    const subject = support.subject(run, run.op);
    if (!isSubject(subject)) {
      run.record({ type: "log", text: `Not checked: ${subject.skip}.` });
      return;
    }
    const stack = await support.open(run);
    const convert = converter({ planning: true });
    const found = await previewDrift(stack, { signal: run.signal, watched: support.watched?.(run, run.op), output: run.output, onEvent: (e) => convert(e).forEach((h) => run.record(h)) });
    run.signal.throwIfAborted();
    const inspected = (await support.inspect?.(run, stack)) ?? [];
    const settings = settingsOf(run.db, subject.stack);
    const resources = [...found, ...unaccepted(inspected, settings?.accepted)];
    const outcome = recordCheck(run.db, subject, run.op.id, resources);
    if (!outcome.drifted) {
      run.record({ type: "log", text: outcome.closed ? `No drift: the report is closed (${outcome.closed.state}).` : "No drift: the stack matches reality." });
      return;
    }
    run.record({ type: "log", text: `Drift: ${describeDrift(resources)}.` });
    if (settings?.autoRestore) autoRestore(run, support, subject, outcome.report);
  };
}

/** Restores on detection: once per report (a Restore that did not hold is left to the operator), and never while changes are paused. */
function autoRestore(run: Run, support: DriftSupport, subject: DriftSubject, report: DriftReport): void {
  const log = (text: string) => run.record({ type: "log", text });
  if (run.paused()) return log("Auto-restore waits: changes are paused (maintenance).");
  if (activeRemediation(run.db, report.id)) return log("Auto-restore skipped: a remediation of this report is already under way.");
  if (remediationsOf(run.db, report.id).some((r) => r.auto)) return log("Auto-restore was tried for this report already: restore it from the Drift page.");
  const subjectId = subject.serverId ?? subject.deploymentId ?? "";
  if (!support.queueRestore(run, subjectId)) return log("Auto-restore skipped: the subject cannot be updated now.");
  const remediation = insertRemediation(run.db, { reportId: report.id, userId: null, action: "restore", status: "applying", auto: true });
  const up = run.enqueue({ kind: "up", ...subjectRef(subject), userId: null, params: { remediationId: remediation.id, remediation: "restore" } });
  updateRemediation(run.db, remediation.id, { applyOperationId: up.id });
  enqueueCheck(run, subject, null, { waitsFor: [up.id] });
  recordAudit(run.db, { actor: "hoist (auto-restore)", action: "drift.restore", outcome: "ok", targetType: "drift_report", targetId: report.id, detail: `${subject.stack}: ${describeDrift(resourcesOf(run.db, report.id))}`.slice(0, 1000) });
  log("Auto-restore is on: restoring what the stack declares.");
}

/** The remediation an operation is for, with its report. */
function remediationOf(run: Run): { remediation: Remediation; report: DriftReport } {
  const remediation = remediationById(run.db, String(run.op.params.remediationId));
  const report = remediation && reportById(run.db, remediation.reportId);
  if (!remediation || !report || report.stack !== run.op.stack) {
    throw new OperationRefused({ reason: "The drift report this operation is for is gone", code: "no_report", action: "Check for drift again.", retryable: false, auth: false });
  }
  return { remediation, report };
}

/** What an Accept records: each drifted resource's properties as they are now. */
const acceptPlan = (resources: DriftedResource[]): Plan => ({
  steps: resources.map((r) => ({
    urn: r.urn,
    name: r.name,
    type: r.type,
    op: r.kind === "changed" ? "update" : r.kind === "deleted" ? "delete" : "read",
    properties: r.properties.map((p) => ({ property: p.property, old: p.declared, new: p.actual, replaces: false })),
  })),
});

async function planOf(support: DriftSupport, run: Run, stack: Stack, action: RemediationAction, report: DriftReport): Promise<{ plan: Plan; inspected: DriftedResource[] }> {
  if (action === "accept") {
    const found = await previewDrift(stack, { signal: run.signal, watched: support.watched?.(run, run.op) });
    const inspected = (await support.inspect?.(run, stack)) ?? [];
    return { plan: acceptPlan([...found, ...inspected]), inspected };
  }
  const resources = resourcesOf(run.db, report.id);
  const replace = (await support.replaceFor?.(stack, resources)) ?? [];
  const collect = planCollector();
  await stack.preview({ refresh: true, replace: replace.length ? replace : undefined, onEvent: collect.onEvent, signal: run.signal, color: "never" });
  return { plan: { steps: [...collect.plan().steps, ...(support.hoistSteps?.(run, run.op, resources) ?? [])] }, inspected: [] };
}

async function previewRemediation(support: DriftSupport, run: Run): Promise<void> {
  const { remediation, report } = remediationOf(run);
  const stack = await support.open(run);
  const { plan } = await planOf(support, run, stack, remediation.action, report);
  run.record({ type: "log", text: plan.steps.length ? `${remediation.action === "accept" ? "Accept records" : "Restore changes"}: ${plan.steps.map((s) => `${s.name} (${s.op})`).join(", ")}.` : "Nothing to do: the stack matches reality now." });
  moveRemediation(run.db, remediation.id, "previewing", "previewed", { plan: plan as unknown as Record<string, unknown> });
}

/** Applies a previewed (or automatic) remediation, only while it still plans what was shown. */
async function applyRemediation(support: DriftSupport, run: Run): Promise<void> {
  const { remediation, report } = remediationOf(run);
  if (remediation.status !== "applying") {
    throw new OperationRefused({ reason: `This remediation is ${remediation.status}, not one being applied`, code: "stale_remediation", action: "Preview it again from the Drift page.", retryable: false, auth: false });
  }
  try {
    const stack = await support.open(run);
    const { plan, inspected } = remediation.auto ? { plan: undefined, inspected: [] } : await planOf(support, run, stack, remediation.action, report);
    if (plan && planSignature(plan) !== planSignature(remediation.plan as unknown as Plan)) {
      moveRemediation(run.db, remediation.id, "applying", "stale", { error: "reality changed since the preview" });
      if (remediation.action === "restore") support.unchanged(run);
      throw new OperationRefused({ reason: "Reality changed since this remediation was previewed: it would now do something else", code: "stale_remediation", action: "Preview it again from the Drift page.", retryable: false, auth: false });
    }
    const done = planCollector();
    const onEvent = (e: EngineEvent) => done.onEvent(e);
    if (remediation.action === "accept") {
      const convert = converter();
      await stack.refresh({ runProgram: true, signal: run.signal, color: "never", onEvent: (e) => convert(e).forEach((h) => run.record(h)) });
      await support.afterAccept?.(run, stack, inspected);
    } else {
      const resources = resourcesOf(run.db, report.id);
      await support.restore(run, { replace: (await support.replaceFor?.(stack, resources)) ?? [], onEvent, resources });
      // What an Accept took as the node's reality no longer holds once the stack is put back.
      saveSettings(run.db, { stack: report.stack, serverId: report.serverId, deploymentId: report.deploymentId }, { accepted: null }, null);
    }
    markRemediated(run.db, report.id, remediation.action);
    moveRemediation(run.db, remediation.id, "applying", "applied", remediation.auto ? { plan: done.plan() as unknown as Record<string, unknown> } : {});
    run.record({ type: "log", text: `${remediation.action === "accept" ? "Accepted" : "Restored"}; the next check closes the report if it finds no drift.` });
  } catch (err) {
    moveRemediation(run.db, remediation.id, "applying", "failed", { error: (err as Error).message.split("\n")[0] });
    throw err;
  }
}

/**
 * A kind's runner of `kind` that also runs the drift remediation an operation is for: a preview
 * previews one, a refresh applies an Accept, an up applies a Restore. Any other up clears what an
 * Accept took as the node's reality (the stack put it back).
 */
export function withDrift(supportOf: () => DriftSupport, kind: "preview" | "refresh" | "up", runner?: Runner): Runner {
  return async (run) => {
    const support = supportOf();
    if (typeof run.op.params.remediationId === "string") return kind === "preview" ? previewRemediation(support, run) : applyRemediation(support, run);
    if (!runner) throw new OperationRefused({ reason: `A ${run.op.stackKind} stack has no ${kind} operation of its own`, action: "Nothing to do.", retryable: false, auth: false });
    await runner(run);
    if (kind === "up" && settingsOf(run.db, run.op.stack)?.accepted) saveSettings(run.db, { stack: run.op.stack }, { accepted: null }, null);
  };
}
