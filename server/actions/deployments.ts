// App deployment actions shared by the pages and the JSON API: deploy from the marketplace,
// restart, retry, remove. They validate (ports free on the node, settings by the catalog's rules,
// secrets present) before any stack runs, record, and queue; the engine does the work.
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import { accessOf } from "../../engine/nodes.ts";
import { listeningPorts } from "../../engine/node-ports.ts";
import type { AppEntry } from "../../stacks/app-catalog.ts";
import { buildSpec, type AppChoices } from "../../stacks/app-spec.ts";
import { sealJson } from "../../state/secrets.ts";
import { deploymentNameTaken, deploymentsOnNode, findDeployment, insertDeployment, listDeployments as listRows, moveDeployment, slugTaken, type Deployment } from "../../state/deployments.ts";
import { findNode, type Node } from "../../state/nodes.ts";
import { pageDeployments } from "../../state/deployment-list.ts";
import { oneOf, parseListQuery, searchText } from "../lists.ts";
import { deploymentOperations as operationsOfRow, type Operation } from "../../state/operations.ts";
import { deploymentSecretEnvRef } from "../../state/sealed-columns.ts";
import { serverById } from "../../state/servers.ts";
import { can, deploymentMachine, deploymentPolicy, deploymentStatuses, serverPolicy, type OperationKind } from "../../state/statuses.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, InvalidInputError, NotFoundError, type FieldError } from "../errors.ts";
import { audit } from "./audit.ts";
import { requireWriter } from "./guards.ts";
import { asObject } from "./input.ts";
import { requireChangesAllowed } from "./maintenance.ts";

export type { Deployment };

export function listDeployments(deps: Deps, actor: Actor): Deployment[] {
  return listRows(deps.db, actor.scope);
}

const deploymentFilters = (deps: Deps) => {
  const apps = deps.catalog.map((a) => a.id);
  return z.object({ status: oneOf(deploymentStatuses), app: apps.length ? oneOf(apps as [string, ...string[]]) : z.undefined({ error: "no app is in the catalog" }), q: searchText });
};

/** A page of the deployments the actor may see, by the list's query string (filters, limit, cursor). */
export function listDeploymentPage(deps: Deps, actor: Actor, query: Record<string, string | undefined>) {
  const q = parseListQuery(deploymentFilters(deps), query, "number");
  return { query: q, page: pageDeployments(deps.db, actor.scope, q.filter, q.page) };
}

export function getDeployment(deps: Deps, actor: Actor, id: string): Deployment {
  const d = findDeployment(deps.db, actor.scope, id);
  if (!d) throw new NotFoundError("deployment");
  return d;
}

export const deploymentOperations = (deps: Deps, d: Deployment): Operation[] => operationsOfRow(deps.db, d.id);

export function catalogEntry(deps: Deps, id: unknown, field = "app"): AppEntry {
  const entry = deps.catalog.find((a) => a.id === id);
  if (!entry) throw new InvalidInputError([{ field, message: id ? "is not an app of the marketplace" : "is required" }]);
  return entry;
}

/** What a node has left for apps: its CPUs and memory less what its deployments need at least. */
export interface NodeRoom {
  node: Node;
  cpus: number;
  memoryMb: number;
  deployments: number;
  /** Why apps cannot go there now, when they cannot. */
  unavailable?: string;
}

export function roomOn(deps: Deps, node: Node): NodeRoom {
  const facts = (node.facts ?? {}) as { cpus?: number; memoryMb?: number; docker?: string };
  const here = deploymentsOnNode(deps.db, node.id);
  const need = here.map((d) => deps.catalog.find((a) => a.id === d.app)?.min ?? { cpus: 0, memoryMb: 0 });
  const server = node.serverId ? serverById(deps.db, node.serverId) : undefined;
  const unavailable = node.pool === "dedicated"
    ? "it is a dedicated node, reserved for the deployments moved there"
    : !server || !serverPolicy.canHost(server.status)
    ? `its server is ${server?.status ?? "gone"}`
    : node.state !== "online"
      ? `it is ${node.state}${node.stateReason ? `: ${node.stateReason}` : ""}`
      : facts.docker === "missing"
        ? "it has no container runtime (Docker Engine)"
        : undefined;
  return {
    node,
    cpus: Math.round(((facts.cpus ?? 0) - need.reduce((n, m) => n + m.cpus, 0)) * 100) / 100,
    memoryMb: (facts.memoryMb ?? 0) - need.reduce((n, m) => n + m.memoryMb, 0),
    deployments: here.length,
    unavailable,
  };
}

const name = z
  .string({ error: "is required" })
  .trim()
  .min(1, "is required")
  .max(40, "must be at most 40 characters")
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "must be lower-case letters, digits and hyphens, not starting or ending with a hyphen");

/** `{ports: {web: 8080}}` from JSON, or `ports.web=8080` fields from a form, as one shape. */
function choicesOf(raw: Record<string, unknown>): AppChoices {
  const group = (prefix: string) => {
    const nested = raw[prefix] && typeof raw[prefix] === "object" ? (raw[prefix] as Record<string, unknown>) : {};
    const flat = Object.fromEntries(Object.entries(raw).filter(([k]) => k.startsWith(`${prefix}.`)).map(([k, v]) => [k.slice(prefix.length + 1), v]));
    return { ...nested, ...flat };
  };
  return { ports: group("ports"), env: group("env") };
}

/** The ports other deployments hold on the node, and what the node itself listens on now. */
async function heldPorts(deps: Deps, node: Node): Promise<Map<number, string>> {
  const held = new Map<number, string>();
  for (const d of deploymentsOnNode(deps.db, node.id)) for (const p of (d.spec as { ports?: { host: number }[] }).ports ?? []) held.set(p.host, `by the deployment ${d.name}`);
  const access = accessOf(deps, node);
  if (access) {
    const live = await listeningPorts(access, node.address).catch(() => new Set<number>());
    for (const port of live) if (!held.has(port)) held.set(port, "something on the node listens there");
  }
  return held;
}

export interface Deployed {
  deployment: Deployment;
  operation: Operation;
  /** Things worth knowing that do not stop the deploy (the node is short of what the app needs). */
  warnings: string[];
}

export async function createDeployment(deps: Deps, actor: Actor, rawInput: unknown): Promise<Deployed> {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const raw = asObject(rawInput);
  const entry = catalogEntry(deps, raw.app);
  const problems: FieldError[] = [];
  const parsedName = name.safeParse(raw.name);
  if (!parsedName.success) problems.push({ field: "name", message: parsedName.error.issues[0]!.message });
  else if (deploymentNameTaken(deps.db, actor.user.id, parsedName.data)) problems.push({ field: "name", message: `you already have a deployment named "${parsedName.data}"` });
  const node = typeof raw.nodeId === "string" && /^[0-9a-f-]{36}$/.test(raw.nodeId) ? findNode(deps.db, actor.scope, raw.nodeId) : undefined;
  if (!node) throw new InvalidInputError([...problems, { field: "nodeId", message: raw.nodeId ? "is not one of your nodes" : "is required" }]);
  const room = roomOn(deps, node);
  if (room.unavailable) problems.push({ field: "nodeId", message: `${node.name} cannot take apps now: ${room.unavailable}` });
  const id = randomUUID();
  const base = parsedName.success ? parsedName.data : "app";
  let slug = `${base}-${randomBytes(2).toString("hex")}`;
  while (slugTaken(deps.db, slug)) slug = `${base}-${randomBytes(2).toString("hex")}`;
  const built = buildSpec(entry, { deploymentId: id, slug, address: node.address }, choicesOf(raw), { heldPorts: room.unavailable ? undefined : await heldPorts(deps, node) });
  problems.push(...built.problems);
  if (problems.length) throw new InvalidInputError(problems);
  // The port check took a moment: another deploy with the same name may have got here first.
  if (deploymentNameTaken(deps.db, actor.user.id, base)) throw new InvalidInputError([{ field: "name", message: `you already have a deployment named "${base}"` }]);

  const warnings: string[] = [];
  if (room.cpus < entry.min.cpus || room.memoryMb < entry.min.memoryMb) {
    warnings.push(`${node.name} has ${room.cpus} vCPU and ${room.memoryMb} MB left for apps; ${entry.name} wants at least ${entry.min.cpus} vCPU and ${entry.min.memoryMb} MB.`);
  }
  const secret = Object.keys(built.secretEnv).length ? sealJson(deps.keyring, built.secretEnv, deploymentSecretEnvRef(id)) : null;
  const deployment = insertDeployment(deps.db, { id, userId: actor.user.id, nodeId: node.id, app: entry.id, name: base, slug, stack: `app-${slug}`, spec: built.spec as unknown as Record<string, unknown>, secretEnv: secret });
  const operation = enqueueFor(deps, actor, deployment, "up");
  audit(deps, actor, "deployment.create", "ok", { type: "deployment", id }, `${base}: ${entry.id} ${entry.image}:${entry.tag} on ${node.name}`);
  return { deployment, operation, warnings };
}

function enqueueFor(deps: Deps, actor: Actor, d: Deployment, kind: OperationKind, params?: Record<string, unknown>): Operation {
  return deps.engine.enqueue({ kind, stackKind: "app", stack: d.stack, deploymentId: d.id, userId: actor.user.id, params });
}

export function restartDeployment(deps: Deps, actor: Actor, id: string): Operation {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const d = getDeployment(deps, actor, id);
  if (!moveDeployment(deps.db, d.id, "restart_requested")) throw new ConflictError(`Only a running deployment can be restarted; this one is ${d.status}.`);
  const op = enqueueFor(deps, actor, d, "restart");
  audit(deps, actor, "deployment.restart", "ok", { type: "deployment", id }, d.name);
  return op;
}

/** Runs the failed operation again: the removal if a removal failed, otherwise the deploy. */
export function retryDeployment(deps: Deps, actor: Actor, id: string): Operation {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const d = getDeployment(deps, actor, id);
  if (!deploymentPolicy.canRetry(d.status)) throw new ConflictError(`Only a failed deployment can be retried; this one is ${d.status}.`);
  const last = operationsOfRow(deps.db, d.id, 1)[0];
  const kind = last?.kind === "destroy" ? "destroy" : "up";
  if (!moveDeployment(deps.db, d.id, kind === "destroy" ? "remove_requested" : "queued", { errorReason: null, errorCode: null, errorAction: null, retryable: null })) {
    throw new ConflictError("The deployment changed meanwhile; reload and try again.");
  }
  const op = enqueueFor(deps, actor, d, kind, kind === "destroy" ? last?.params : undefined);
  audit(deps, actor, "deployment.retry", "ok", { type: "deployment", id }, `${d.name}: ${kind}`);
  return op;
}

const removal = z.object({ keepData: z.union([z.boolean(), z.enum(["on", "true", "false", ""])]).optional() });

/** Removes the deployment: its queued or running operations are cancelled, and the removal runs after them. */
export function removeDeployment(deps: Deps, actor: Actor, id: string, raw?: unknown): Operation {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const d = getDeployment(deps, actor, id);
  const parsed = removal.safeParse(raw === undefined ? {} : asObject(raw));
  if (!parsed.success) throw new InvalidInputError([{ field: "keepData", message: "must be true or false" }]);
  const keepData = parsed.data.keepData === true || parsed.data.keepData === "on" || parsed.data.keepData === "true";
  return removeOne(deps, actor, d, keepData);
}

/** Removes one deployment. */
function removeOne(deps: Deps, actor: Actor, d: Deployment, keepData: boolean, params: Record<string, unknown> = {}): Operation {
  if (!can(deploymentMachine, d.status, "remove_requested") || !moveDeployment(deps.db, d.id, "remove_requested")) {
    throw new ConflictError(`The deployment ${d.name} is ${d.status}; it cannot be removed now.`);
  }
  deps.engine.cancelStack(d.stack, "destroy", `removal requested by ${actor.user.email}`);
  const op = enqueueFor(deps, actor, d, "destroy", { keepData, ...params });
  audit(deps, actor, "deployment.remove", "ok", { type: "deployment", id: d.id }, `${d.name}${keepData ? " (data kept)" : ""}`);
  return op;
}

/**
 * Removes a deployment because its node's server is being destroyed: its container goes over SSH
 * while the node answers, and only its stack when it does not (the server takes the rest along).
 */
export function removeWithServer(deps: Deps, actor: Actor, d: Deployment): Operation {
  // One already being removed: the server waits for that removal.
  const under = operationsOfRow(deps.db, d.id).find((o) => o.kind === "destroy" && (o.status === "queued" || o.status === "running"));
  return under ?? removeOne(deps, actor, d, false, { withServer: true });
}
