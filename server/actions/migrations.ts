// Migrations of deployments to a dedicated node, for the pages and the JSON API: start one (every
// deployment checked before anything moves), pause, resume, cancel. They validate, record and
// queue; the engine's migration kind does the work (engine/migration-kind.ts).
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { targetOf } from "../../engine/app-route.ts";
import type { AppSpec } from "../../stacks/app.ts";
import { specAt } from "../../stacks/app-spec.ts";
import { deploymentsOnNode, findDeployment, moveDeployment, type Deployment } from "../../state/deployments.ts";
import { activeItemOf, findMigration, insertMigration, itemsOf, listMigrations as listRows, moveMigration, requestPause, updateMigration, type Migration } from "../../state/app-migrations.ts";
import { findNode, type Node } from "../../state/nodes.ts";
import { stackOperations, type Operation } from "../../state/operations.ts";
import { serverById } from "../../state/servers.ts";
import { deploymentPolicy, migrationPolicy, serverPolicy } from "../../state/statuses.ts";
import type { Actor, Deps } from "../env.ts";
import { ConflictError, InvalidInputError, NotFoundError, type FieldError } from "../errors.ts";
import { audit } from "./audit.ts";
import { requireWriter } from "./guards.ts";
import { asObject } from "./input.ts";
import { requireChangesAllowed } from "./maintenance.ts";

export type { Migration };

export const listMigrations = (deps: Deps, actor: Actor) => listRows(deps.db, actor.scope);

export function getMigration(deps: Deps, actor: Actor, id: string): Migration {
  const m = findMigration(deps.db, actor.scope, id);
  if (!m) throw new NotFoundError("migration");
  return m;
}

export const migrationItems = (deps: Deps, m: Migration) => itemsOf(deps.db, m.id);
export const migrationOperations = (deps: Deps, m: Migration): Operation[] => stackOperations(deps.db, m.stack);

const input = z.object({
  nodeId: z.string({ error: "is required" }).min(1, "is required"),
  // A list from JSON, or `a,b` from the form's query string / hidden field.
  deployments: z.union([z.array(z.string()), z.string().transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))], { error: "must be a list of deployment ids" }),
});

/** Why `node` cannot take moved deployments now, if it cannot. */
function unfitTarget(deps: Deps, node: Node): string | undefined {
  const server = node.serverId ? serverById(deps.db, node.serverId) : undefined;
  if (node.pool !== "dedicated") return "it is a shared node; deployments move to a dedicated one";
  if (!server || !serverPolicy.canHost(server.status)) return `its server is ${server?.status ?? "gone"}`;
  if (node.state !== "online") return `it is ${node.state}${node.stateReason ? `: ${node.stateReason}` : ""}`;
  return undefined;
}

/** Why this deployment cannot move now, if it cannot. */
function unfitDeployment(deps: Deps, d: Deployment, node: Node, taken: Map<number, string>): string | undefined {
  const spec = d.spec as unknown as AppSpec;
  if (!deploymentPolicy.canMigrate(d.status)) return `${d.name} is ${d.status}; only a running deployment can move`;
  if (d.nodeId === node.id) return `${d.name} already runs on ${node.name}`;
  if (activeItemOf(deps.db, d.id)) return `${d.name} is in another migration`;
  if (!targetOf(spec)) return `${d.name} has no TCP port the gateway can route`;
  const clash = spec.ports.find((p) => taken.has(p.host));
  if (clash) return `${d.name}'s port ${clash.host} is taken on ${node.name} (${taken.get(clash.host)})`;
  for (const p of spec.ports) taken.set(p.host, `by ${d.name}`);
  return undefined;
}

export interface Started {
  migration: Migration;
  operation: Operation;
}

export interface MigrationPlan {
  node?: Node;
  /** The deployments that can move (those that cannot are in `problems`). */
  deployments: Deployment[];
  problems: FieldError[];
}

/** What a migration would move, and every reason it cannot start now (for the confirmation page, and before starting). */
export function planMigration(deps: Deps, actor: Actor, raw: unknown): MigrationPlan {
  const parsed = input.safeParse(asObject(raw));
  if (!parsed.success) return { deployments: [], problems: parsed.error.issues.map((i) => ({ field: String(i.path[0] ?? "value"), message: i.message })) };
  const problems: FieldError[] = [];
  const node = findNode(deps.db, actor.scope, parsed.data.nodeId);
  if (!node) return { deployments: [], problems: [{ field: "nodeId", message: "is not one of your nodes" }] };
  const unfit = unfitTarget(deps, node);
  if (unfit) problems.push({ field: "nodeId", message: `${node.name} cannot take deployments now: ${unfit}` });
  const ids = [...new Set(parsed.data.deployments)];
  if (ids.length === 0) problems.push({ field: "deployments", message: "pick at least one deployment" });
  const taken = new Map<number, string>();
  for (const d of deploymentsOnNode(deps.db, node.id)) for (const p of (d.spec as unknown as AppSpec).ports ?? []) taken.set(p.host, `by the deployment ${d.name}`);
  const chosen: Deployment[] = [];
  for (const id of ids) {
    const d = findDeployment(deps.db, actor.scope, id);
    const why = d ? unfitDeployment(deps, d, node, taken) : `${id} is not one of your deployments`;
    if (why) problems.push({ field: "deployments", message: why });
    else chosen.push(d!);
  }
  if (!deps.gateway.running) problems.push({ field: "gateway", message: "the gateway is not running: a migration moves each deployment's route through it (HOIST_GATEWAY, HAProxy installed)" });
  return { node, deployments: chosen, problems };
}

/** Starts moving `deployments` to the dedicated node `nodeId`: all of them are checked first, and none moves if one cannot. */
export function createMigration(deps: Deps, actor: Actor, raw: unknown): Started {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const { node, deployments: chosen, problems } = planMigration(deps, actor, raw);
  if (problems.some((p) => p.field === "gateway")) throw new ConflictError("The gateway is not running: a migration moves each deployment's route through it. Start it (HOIST_GATEWAY, HAProxy installed), then try again.");
  if (problems.length || !node) throw new InvalidInputError(problems);

  const migration = deps.db.transaction(() => {
    const items = chosen.map((d) => {
      const spec = d.spec as unknown as AppSpec;
      const copySpec = specAt(deps.catalog.find((a) => a.id === d.app), spec, node.address);
      return {
        deploymentId: d.id,
        stateful: spec.volumes.length > 0,
        fromNodeId: d.nodeId,
        fromStack: d.stack,
        copyStack: `app-${d.slug}-${randomBytes(2).toString("hex")}`,
        fromTarget: targetOf(spec) ?? null,
        copyTarget: targetOf(copySpec) ?? null,
        copySpec: copySpec as unknown as Record<string, unknown>,
      };
    });
    const m = insertMigration(deps.db, { userId: actor.user.id, nodeId: node.id, settings: deps.config.migration, items });
    // Taken now: nothing else (an update, a restart, a removal) happens to them until the migration is done with them.
    for (const d of chosen) if (!moveDeployment(deps.db, d.id, "migrate_started")) throw new ConflictError(`The deployment ${d.name} changed meanwhile; reload and try again.`);
    return m;
  });
  const operation = enqueue(deps, actor, migration);
  audit(deps, actor, "migration.create", "ok", { type: "migration", id: migration.id }, `${chosen.map((d) => d.name).join(", ")} to ${node.name}`);
  return { migration, operation };
}

const enqueue = (deps: Deps, actor: Actor, m: Migration) =>
  deps.engine.enqueue({ kind: "migrate", stackKind: "migration", stack: m.stack, userId: actor.user.id, params: { migrationId: m.id } });

/** Asks the migration to stop after the step under way (the gateway stays where it is). */
export function pauseMigration(deps: Deps, actor: Actor, id: string): void {
  requireWriter(actor);
  const m = getMigration(deps, actor, id);
  if (!migrationPolicy.canPause(m.status) || !requestPause(deps.db, m.id, `Paused by ${actor.user.email}.`)) throw new ConflictError(`The migration is ${m.status}${m.pauseRequested ? " (a pause is already asked for)" : ""}; it cannot be paused now.`);
  audit(deps, actor, "migration.pause", "ok", { type: "migration", id });
}

/** Goes on from the step each deployment reached (a paused migration, or one whose run failed). */
export function resumeMigration(deps: Deps, actor: Actor, id: string): Operation {
  requireWriter(actor);
  requireChangesAllowed(deps);
  const m = getMigration(deps, actor, id);
  if (!migrationPolicy.canResume(m.status) || !moveMigration(deps.db, m.id, "resumed", { pauseRequested: false, pauseReason: null, errorReason: null, errorCode: null, errorAction: null, retryable: null })) {
    throw new ConflictError(`The migration is ${m.status}; only a paused or failed one can be resumed.`);
  }
  const op = enqueue(deps, actor, m);
  audit(deps, actor, "migration.resume", "ok", { type: "migration", id });
  return op;
}

/** Cancels: the deployment in flight is rolled back, the others stay where they run. */
export function cancelMigration(deps: Deps, actor: Actor, id: string): void {
  requireWriter(actor);
  const m = getMigration(deps, actor, id);
  if (!migrationPolicy.canCancel(m.status)) throw new ConflictError(`The migration is ${m.status}; it cannot be cancelled.`);
  updateMigration(deps.db, m.id, { cancelRequested: true });
  // A paused one has no run to see the request: one is queued to roll back.
  if (m.status === "paused" && moveMigration(deps.db, m.id, "resumed", { pauseRequested: false })) enqueue(deps, actor, m);
  audit(deps, actor, "migration.cancel", "ok", { type: "migration", id });
}
