// Drift actions shared by the pages and the JSON API: check a server's or a deployment's stack
// now, read its reports, preview a remediation (Accept or Restore) and apply it on confirmation,
// and switch a stack's auto-restore. They validate, record and queue; the engine does the work.
import { enqueueCheck } from "../../engine/drift-runs.ts";
import { findKind } from "../../engine/kinds.ts";
import { activeRemediation, insertRemediation, moveRemediation, remediationById, updateRemediation, type Remediation } from "../../state/drift-remediations.ts";
import { destructiveSteps, type Plan, type PlannedStep } from "../../engine/plan.ts";
import { deploymentById } from "../../state/deployments.ts";
import { requestSweep } from "../../state/drift-sweeps.ts";
import { findReport, saveSettings, type DriftReport, type DriftSubject } from "../../state/drift.ts";
import { serverById } from "../../state/servers.ts";
import { operationsWithStatus, type Operation } from "../../state/operations.ts";
import { can, deploymentMachine, remediationActions, serverMachine, serverPolicy, type RemediationAction } from "../../state/statuses.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "../errors.ts";
import { audit } from "./audit.ts";
import { getDeployment, type Deployment } from "./deployments.ts";
import { requireWriter } from "./guards.ts";
import { asObject } from "./input.ts";
import { requireChangesAllowed } from "./maintenance.ts";
import { getServer, type Server } from "./servers.ts";

/** A server or a deployment, by the id the request names (`serverId` or `deploymentId`). */
export type DriftTarget = { server: Server } | { deployment: Deployment };

export function targetOf(deps: Deps, actor: Actor, raw: unknown): DriftTarget {
  const body = asObject(raw);
  if (typeof body.serverId === "string" && body.serverId) return { server: getServer(deps, actor, body.serverId) };
  if (typeof body.deploymentId === "string" && body.deploymentId) return { deployment: getDeployment(deps, actor, body.deploymentId) };
  throw new InvalidInputError([{ field: "serverId", message: "give serverId or deploymentId: the server or deployment to check" }]);
}

export function subjectOf(t: DriftTarget): DriftSubject {
  if ("server" in t) return { stack: t.server.stack, stackKind: "server", userId: t.server.userId, serverId: t.server.id };
  return { stack: t.deployment.stack, stackKind: "app", userId: t.deployment.userId, deploymentId: t.deployment.id };
}

const nameOf = (t: DriftTarget) => ("server" in t ? t.server.name : t.deployment.name);

/** Whether a check means something now: the server is ready, the deployment running. */
export const checkable = (t: DriftTarget) => ("server" in t ? serverPolicy.canCheckDrift(t.server.status) : t.deployment.status === "running");

/** Queues a drift check of the stack, or answers the one already waiting or running. */
export function checkDrift(deps: Deps, actor: Actor, t: DriftTarget): Operation {
  requireWriter(actor);
  if (!checkable(t)) throw new ConflictError("server" in t ? `Only a ready or stopped server can be checked for drift; this one is ${t.server.status}.` : `Only a running deployment can be checked for drift; this one is ${t.deployment.status}.`);
  const subject = subjectOf(t);
  const under = operationsWithStatus(deps.db, ["queued", "running"]).find((o) => o.stack === subject.stack && o.kind === "drift");
  if (under) return under;
  const op = enqueueCheck(deps.engine.context, subject, actor.user.id);
  audit(deps, actor, "drift.check", "ok", { type: subject.stackKind === "server" ? "server" : "deployment", id: subject.serverId ?? subject.deploymentId! }, nameOf(t));
  return op;
}

/** Auto-restore on or off for the stack: with it on, a check that finds drift restores it at once. */
export function setAutoRestore(deps: Deps, actor: Actor, t: DriftTarget, raw: unknown): boolean {
  requireWriter(actor);
  const v = asObject(raw).autoRestore;
  if (![true, false, "on", "off", "true", "false"].includes(v as never)) throw new InvalidInputError([{ field: "autoRestore", message: "must be true or false" }]);
  const on = v === true || v === "on" || v === "true";
  saveSettings(deps.db, subjectOf(t), { autoRestore: on }, actor.user.email);
  audit(deps, actor, "drift.auto_restore", "ok", { type: "server" in t ? "server" : "deployment", id: "server" in t ? t.server.id : t.deployment.id }, `${nameOf(t)}: ${on ? "on" : "off"}`);
  return on;
}

/** Asks for a sweep of every checkable stack now (admins: it checks everyone's); the scheduler of any console starts it within seconds. */
export function sweepNow(deps: Deps, actor: Actor): void {
  if (actor.user.role !== "admin") throw new ForbiddenError("Only admins can check every stack at once; check yours from their pages.");
  requestSweep(deps.db);
  audit(deps, actor, "drift.sweep", "ok");
}

export function getReport(deps: Deps, actor: Actor, id: string): DriftReport {
  const r = findReport(deps.db, actor.scope, id);
  if (!r) throw new NotFoundError("drift report");
  return r;
}

export function getRemediation(deps: Deps, actor: Actor, id: string): { remediation: Remediation; report: DriftReport } {
  const remediation = remediationById(deps.db, id);
  const report = remediation && findReport(deps.db, actor.scope, remediation.reportId);
  if (!remediation || !report) throw new NotFoundError("remediation");
  return { remediation, report };
}

const subjectRef = (r: DriftReport) => ({ stackKind: r.stackKind, stack: r.stack, serverId: r.serverId ?? undefined, deploymentId: r.deploymentId ?? undefined });
const target = (r: DriftReport) => ({ type: "drift_report", id: r.id });

/** Previews Accept or Restore of an open report: the preview runs as an operation, its plan kept on the remediation. */
export function proposeRemediation(deps: Deps, actor: Actor, reportId: string, action: unknown): { remediation: Remediation; operation: Operation } {
  requireWriter(actor);
  requireChangesAllowed(deps);
  if (!remediationActions.includes(action as never)) throw new InvalidInputError([{ field: "action", message: "must be accept or restore" }]);
  const report = getReport(deps, actor, reportId);
  if (report.state !== "open") throw new ConflictError(`This report is closed (${report.state}); there is no drift to remediate.`);
  const active = activeRemediation(deps.db, report.id);
  if (active) throw new ConflictError(`A remediation of this report is already ${active.status}: apply or discard it first.`);
  const remediation = insertRemediation(deps.db, { reportId: report.id, userId: actor.user.id, action: action as RemediationAction });
  const operation = deps.engine.enqueue({ kind: "preview", ...subjectRef(report), userId: actor.user.id, params: { remediationId: remediation.id, remediation: action } });
  updateRemediation(deps.db, remediation.id, { previewOperationId: operation.id });
  audit(deps, actor, `drift.${action}.preview`, "ok", target(report), report.stack);
  return { remediation: remediationById(deps.db, remediation.id)!, operation };
}

/** Moves the subject as a Restore's up starts (ready/running → updating); false when it cannot be updated now. */
const queueRestore = (deps: Deps, r: DriftReport) => findKind(r.stackKind).drift?.queueRestore(deps.engine.context, r.serverId ?? r.deploymentId ?? "") ?? false;

/** Servers (every cloud's adapter names its server resource `server`) and volumes hold data: a step replacing or deleting one loses it. */
const holdsData = (step: PlannedStep) => step.name === "server" || step.name === "volumes" || /volume/i.test(step.type);

/** The steps of a remediation's plan that destroy data: shown in red, applied only once the subject's name is typed. */
export const destructiveOf = (m: Remediation) => (m.plan ? destructiveSteps(m.plan as unknown as Plan, holdsData) : []);

/** The name of a report's subject (a server's, a deployment's), as the operator types it to confirm. */
export function subjectName(deps: Deps, r: DriftReport): string {
  if (r.serverId) return serverById(deps.db, r.serverId)?.name ?? r.stack;
  return (r.deploymentId && deploymentById(deps.db, r.deploymentId)?.name) || r.stack;
}

/**
 * Applies a previewed remediation: Accept is a refresh, Restore an up; a check follows, closing
 * the report when it is clean. A plan that destroys data needs the subject's name as `confirm`.
 */
export function applyRemediation(deps: Deps, actor: Actor, id: string, raw: unknown = {}): { remediation: Remediation; operation: Operation; check: Operation } {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const { remediation, report } = getRemediation(deps, actor, id);
  if (remediation.status !== "previewed") {
    throw new ConflictError(remediation.status === "previewing" ? "The preview is still running; apply it once it has finished." : `This remediation is ${remediation.status}; preview it again from the Drift page.`);
  }
  if (report.state !== "open") throw new ConflictError(`This report is closed (${report.state}); there is nothing to remediate.`);
  const destructive = destructiveOf(remediation);
  const name = subjectName(deps, report);
  if (destructive.length && asObject(raw).confirm !== name) {
    throw new InvalidInputError([{ field: "confirm", message: `type ${name} to confirm: this destroys ${destructive.map((s) => s.name).join(", ")} and what it holds` }]);
  }
  if (remediation.action === "restore" && !queueRestore(deps, report)) {
    throw new ConflictError(report.serverId ? "The server is busy or not ready; it cannot be restored now." : "The deployment is busy or not running; it cannot be restored now.");
  }
  if (!moveRemediation(deps.db, remediation.id, "previewed", "applying")) throw new ConflictError("The remediation changed meanwhile; reload and try again.");
  const kind = remediation.action === "accept" ? "refresh" : "up";
  const operation = deps.engine.enqueue({ kind, ...subjectRef(report), userId: actor.user.id, params: { remediationId: remediation.id, remediation: remediation.action } });
  updateRemediation(deps.db, remediation.id, { applyOperationId: operation.id });
  const check = enqueueCheck(deps.engine.context, { ...subjectRef(report), userId: report.userId }, actor.user.id, { waitsFor: [operation.id] });
  audit(deps, actor, `drift.${remediation.action}`, "ok", target(report), report.stack);
  return { remediation: remediationById(deps.db, remediation.id)!, operation, check };
}

export function discardRemediation(deps: Deps, actor: Actor, id: string): void {
  requireWriter(actor);
  const { remediation, report } = getRemediation(deps, actor, id);
  if (!moveRemediation(deps.db, remediation.id, ["previewing", "previewed"], "discarded")) throw new ConflictError(`This remediation is ${remediation.status}; there is nothing to discard.`);
  audit(deps, actor, `drift.${remediation.action}.discard`, "ok", target(report), report.stack);
}

/** Whether the stack's status lets a Restore start (for the pages' buttons). */
export const restorable = (t: DriftTarget) => ("server" in t ? can(serverMachine, t.server.status, "update_started") : can(deploymentMachine, t.deployment.status, "update_requested"));
