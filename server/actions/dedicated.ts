// Making a dedicated node from the wizard's plan: a normal server stack with `pool: "dedicated"`,
// the deployments it is for kept beside it, and once it is ready the way to the migration screen.
import { dedicatedPlanOf, insertDedicatedPlan, type DedicatedPlan } from "../../state/dedicated-plans.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { serverNameTaken, type Server } from "../../state/servers.ts";
import type { Operation } from "../../state/operations.ts";
import { serverPolicy } from "../../state/statuses.ts";
import type { Actor, Deps } from "../env.ts";
import { InvalidInputError, type FieldError } from "../errors.ts";
import { audit } from "./audit.ts";
import { planDedicated, planInputOf, type Plan } from "./dedicated-plan.ts";
import { asObject } from "./input.ts";
import { requireWriter } from "./guards.ts";
import { createServer } from "./servers.ts";

const yes = (v: unknown) => v === true || v === "on" || v === "true" || v === "1";

/** A free server name for the operator: dedicated-1, dedicated-2, … */
export function suggestedName(deps: Deps, actor: Actor): string {
  for (let n = 1; ; n++) if (!serverNameTaken(deps.db, actor.user.id, `dedicated-${n}`)) return `dedicated-${n}`;
}

/** What the operator is told when the size is below what the chosen deployments use. */
export function undersizeMessage(plan: Plan): string {
  const m = plan.requirement.measured;
  const rec = plan.recommended ? `; ${plan.recommended.id} is the recommended size` : "";
  return `${plan.size?.id} (${plan.size?.cpus} vCPU, ${plan.size?.memoryGb} GB) is below what the chosen deployments use or declare (${m.cpus} CPU, ${m.memoryMb} MB measured)${rec}: confirm that you want it anyway, or move fewer now`;
}

/**
 * Starts provisioning the dedicated node: the plan is worked out again from the input (so the
 * figures are today's), an undersized choice must be acknowledged, then the server is created as
 * any other and the chosen deployments are kept with it.
 */
export async function createDedicatedNode(deps: Deps, actor: Actor, rawInput: unknown): Promise<{ server: Server; operation: Operation; plan: Plan }> {
  requireWriter(actor);
  const raw = asObject(rawInput);
  const input = planInputOf(raw);
  const errors: FieldError[] = [];
  if (!input.deploymentIds.length) errors.push({ field: "deployments", message: "choose at least one deployment to move" });
  if (!input.credentialId) errors.push({ field: "credentialId", message: "is required" });
  if (errors.length) throw new InvalidInputError(errors);
  const plan = await planDedicated(deps, actor, input);
  if (plan.catalogError) throw new InvalidInputError([{ field: "credentialId", message: plan.catalogError }]);
  if (!plan.size) throw new InvalidInputError([{ field: "size", message: "no size of this provider meets the deployments' needs here: choose one" }]);
  if (plan.fit === "undersized" && !yes(raw.acknowledgeUndersize)) throw new InvalidInputError([{ field: "acknowledgeUndersize", message: undersizeMessage(plan) }]);
  const name = typeof raw.name === "string" && raw.name.trim() ? raw.name : suggestedName(deps, actor);
  const { server, operation } = await createServer(deps, actor, { credentialId: input.credentialId, name, region: plan.region, size: plan.size.id, image: plan.image, pool: "dedicated", sshKeyIds: raw.sshKeyIds });
  insertDedicatedPlan(deps.db, {
    serverId: server.id,
    deploymentIds: plan.chosen.map((c) => c.deployment.id),
    laterIds: plan.later,
    basis: {
      measured: plan.requirement.measured,
      required: plan.requirement.required,
      recommended: plan.recommended?.id ?? null,
      size: plan.size.id,
      undersizeAcknowledged: plan.fit === "undersized",
    },
  });
  audit(deps, actor, "dedicated.create", "ok", { type: "server", id: server.id }, `${server.name} for ${plan.chosen.map((c) => c.deployment.name).join(", ")}${plan.fit === "undersized" ? " (undersize acknowledged)" : ""}`);
  return { server, operation, plan };
}

export interface DedicatedStatus {
  plan: DedicatedPlan;
  /** Where the move starts, once the node is ready. */
  moveUrl: string | null;
}

/** The wizard's record for a server, with the migration screen's address once the node is ready. */
export function dedicatedStatusOf(deps: Deps, server: Server): DedicatedStatus | undefined {
  const plan = dedicatedPlanOf(deps.db, server.id);
  if (!plan) return undefined;
  const node = nodeOfServer(deps.db, server.id);
  const ready = node && serverPolicy.canHost(server.status);
  return { plan, moveUrl: ready ? `/migrations/new?node=${encodeURIComponent(node.id)}&deployments=${plan.deploymentIds.map(encodeURIComponent).join(",")}` : null };
}
