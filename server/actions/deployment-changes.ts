// Updating a deployment: a new image tag or settings are proposed, previewed by the engine (each
// resource's planned step and property), and applied only when the operator confirms — and only
// while the stack still plans what the preview showed.
import { z } from "zod";
import { inputsDigest } from "../../engine/app-kind.ts";
import { buildSpec } from "../../stacks/app-spec.ts";
import type { AppSpec } from "../../stacks/app.ts";
import { changeById, insertChange, updateChange, type Change } from "../../state/changes.ts";
import { moveDeployment } from "../../state/deployments.ts";
import { findNodeById } from "../../state/nodes.ts";
import { changeSecretsRef, deploymentSecretEnvRef } from "../../state/sealed-columns.ts";
import { openJson, sealJson } from "../../state/secrets.ts";
import { can, deploymentMachine } from "../../state/statuses.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.ts";
import { audit } from "./audit.ts";
import { discardChange, requireApplicable } from "./changes.ts";
import { catalogEntry, getDeployment, type Deployment } from "./deployments.ts";
import { requireWriter } from "./guards.ts";
import { asObject } from "./input.ts";
import { requireChangesAllowed } from "./maintenance.ts";

export type { Change };

const tag = z.string({ error: "is required" }).trim().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be an image tag (letters, digits, _ . -)");

/** Proposes a new tag and/or settings; the preview runs as an operation, its plan kept on the change. */
export function proposeDeploymentChange(deps: Deps, actor: Actor, id: string, rawInput: unknown): { change: Change; deployment: Deployment } {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const d = getDeployment(deps, actor, id);
  if (!can(deploymentMachine, d.status, "update_requested")) throw new ConflictError(`Only a running deployment can be updated; this one is ${d.status}.`);
  const raw = asObject(rawInput);
  const entry = catalogEntry(deps, d.app);
  const current = d.spec as unknown as AppSpec;
  const node = d.nodeId ? findNodeById(deps.db, d.nodeId) : undefined;
  if (!node) throw new ConflictError("The deployment's node is gone; it can only be removed.");
  const parsedTag = tag.safeParse(raw.tag ?? current.tag);
  const env = raw.env && typeof raw.env === "object" ? (raw.env as Record<string, unknown>) : Object.fromEntries(Object.entries(raw).filter(([k]) => k.startsWith("env.")).map(([k, v]) => [k.slice(4), v]));
  const keepSecrets = d.secretEnv ? openJson(deps.keyring, d.secretEnv, deploymentSecretEnvRef(d.id)).reveal() : {};
  // Unchanged settings keep their current values, not the entry's defaults.
  const choices = { ports: Object.fromEntries(current.ports.map((p) => [p.name, p.host])), env: { ...current.env, ...env } };
  const built = buildSpec({ ...entry, tag: parsedTag.success ? parsedTag.data : current.tag }, { deploymentId: d.id, slug: d.slug, address: current.address }, choices, { keepSecrets });
  const problems = [...(parsedTag.success ? [] : [{ field: "tag", message: parsedTag.error.issues[0]!.message }]), ...built.problems];
  if (problems.length) throw new InvalidInputError(problems);
  const secretsChanged = JSON.stringify(built.secretEnv) !== JSON.stringify(keepSecrets);
  if (JSON.stringify(built.spec) === JSON.stringify(current) && !secretsChanged) throw new InvalidInputError([{ field: "body", message: "changes nothing: give a new tag or new settings" }]);
  const changeId = crypto.randomUUID();
  const change = insertChange(deps.db, {
    id: changeId,
    userId: actor.user.id,
    stackKind: "app",
    deploymentId: d.id,
    proposal: { spec: built.spec as unknown as Record<string, unknown> },
    secrets: secretsChanged ? sealJson(deps.keyring, built.secretEnv, changeSecretsRef(changeId)) : null,
    basedOn: inputsDigest(d),
    summary: { changedSecrets: Object.keys(built.secretEnv).filter((k) => built.secretEnv[k] !== keepSecrets[k]).concat(Object.keys(keepSecrets).filter((k) => !(k in built.secretEnv))) },
  });
  const op = deps.engine.enqueue({ kind: "preview", stackKind: "app", stack: d.stack, deploymentId: d.id, userId: actor.user.id, params: { changeId } });
  updateChange(deps.db, change.id, { previewOperationId: op.id });
  audit(deps, actor, "deployment.change.preview", "ok", { type: "deployment", id: d.id }, `${d.name}: ${describe(current, built.spec)}`);
  return { change: changeById(deps.db, change.id)!, deployment: d };
}

/** The change, when it is one of this deployment's. */
export function getChange(deps: Deps, actor: Actor, deploymentId: string, changeId: string): { change: Change; deployment: Deployment } {
  const deployment = getDeployment(deps, actor, deploymentId);
  const change = changeById(deps.db, changeId);
  if (!change || change.deploymentId !== deployment.id) throw new NotFoundError("change");
  return { change, deployment };
}

/** Applies a previewed change: the deployment updates (the engine re-checks the plan first). */
export function applyDeploymentChange(deps: Deps, actor: Actor, deploymentId: string, changeId: string, raw?: unknown) {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const { change, deployment } = getChange(deps, actor, deploymentId, changeId);
  requireApplicable(change, deployment, raw);
  if (!moveDeployment(deps.db, deployment.id, "update_requested")) throw new ConflictError(`The deployment is ${deployment.status}; it cannot be updated now.`);
  const operation = deps.engine.enqueue({ kind: "up", stackKind: "app", stack: deployment.stack, deploymentId: deployment.id, userId: actor.user.id, params: { changeId } });
  audit(deps, actor, "deployment.change.apply", "ok", { type: "deployment", id: deployment.id }, deployment.name);
  return { operation, change };
}

export function discardDeploymentChange(deps: Deps, actor: Actor, deploymentId: string, changeId: string): void {
  requireWriter(actor);
  const { change, deployment } = getChange(deps, actor, deploymentId, changeId);
  discardChange(deps, change);
  audit(deps, actor, "deployment.change.discard", "ok", { type: "deployment", id: deployment.id }, deployment.name);
}

/** "tag 1 → 2, GREETING" for the audit log: names of what changed, never values of secrets. */
function describe(a: AppSpec, b: AppSpec): string {
  const parts: string[] = [];
  if (a.tag !== b.tag) parts.push(`tag ${a.tag} → ${b.tag}`);
  const names = new Set([...Object.keys(a.env), ...Object.keys(b.env)]);
  const changed = [...names].filter((k) => a.env[k] !== b.env[k]);
  if (changed.length) parts.push(`settings ${changed.join(", ")}`);
  return parts.join("; ") || "secret settings";
}
