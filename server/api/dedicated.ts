// /api/v1 for the dedicated node wizard (the plan, then provisioning) and for a server its region
// refused (the same size elsewhere, and provisioning it there).
import { Hono } from "hono";
import type { Plan } from "../actions/dedicated-plan.ts";
import { planDedicated, planInputOf } from "../actions/dedicated-plan.ts";
import { createDedicatedNode, dedicatedStatusOf, undersizeMessage } from "../actions/dedicated.ts";
import { asObject } from "../actions/input.ts";
import { otherRegions, refusedForRegion, relocateServer } from "../actions/relocate.ts";
import { getServer, getServerRow } from "../actions/servers.ts";
import { fitOf } from "../actions/sizing.ts";
import type { Deps, Env } from "../env.ts";
import { NotFoundError } from "../errors.ts";
import { actorOf } from "../render.ts";
import { jsonBody } from "./auth.ts";
import { operationJson, serverJson } from "./servers.ts";

const sizeJson = (s: NonNullable<Plan["size"]>, plan: Plan) => ({ id: s.id, label: s.label, cpus: s.cpus, memoryGb: s.memoryGb, monthly: plan.region ? (s.prices[plan.region]?.monthly ?? null) : null, fit: fitOf(s, plan.requirement) });

export const planJson = (plan: Plan) => ({
  deployments: plan.chosen.map((c) => {
    const m = plan.measured.find((x) => x.id === c.deployment.id);
    return { id: c.deployment.id, name: c.deployment.name, app: c.deployment.app, nodeId: c.node.id, stateful: c.stateful, measured: m?.missing ? null : { cpus: m?.cpus ?? 0, memoryBytes: m?.memoryBytes ?? 0, at: m?.at?.toISOString() ?? null }, notMeasured: m?.missing ?? null };
  }),
  later: plan.later,
  stateful: plan.chosen.filter((c) => c.stateful).map((c) => c.deployment.id),
  requirement: plan.requirement,
  region: plan.region ?? null,
  image: plan.image ?? null,
  currency: plan.catalog?.currency ?? null,
  catalogError: plan.catalogError ?? null,
  recommended: plan.recommended ? sizeJson(plan.recommended, plan) : null,
  size: plan.size ? sizeJson(plan.size, plan) : null,
  undersized: plan.fit === "undersized",
  undersizeWarning: plan.fit === "undersized" ? undersizeMessage(plan) : null,
  cost: plan.cost ?? null,
  headroom: plan.after ? { after: plan.after, sources: plan.sources.map((s) => ({ nodeId: s.node.id, server: s.serverName, now: s.now ?? null, after: s.after ?? null, emptied: s.emptied })) } : null,
  phases: plan.phases ?? null,
});

export function dedicatedApi(deps: Deps) {
  const api = new Hono<Env>();
  api.post("/dedicated-nodes/plan", async (c) => c.json(planJson(await planDedicated(deps, actorOf(c), planInputOf(asObject(await jsonBody(c)))))));
  api.post("/dedicated-nodes", async (c) => {
    const { server, operation, plan } = await createDedicatedNode(deps, actorOf(c), await jsonBody(c));
    return c.json({ server: serverJson(deps, getServerRow(deps, actorOf(c), server.id)), operation: operationJson(operation), plan: planJson(plan) }, 202);
  });
  api.get("/dedicated-nodes/:id", (c) => {
    const server = getServer(deps, actorOf(c), c.req.param("id"));
    const status = dedicatedStatusOf(deps, server);
    if (!status) throw new NotFoundError("dedicated node");
    return c.json({ serverId: server.id, status: server.status, deployments: status.plan.deploymentIds, later: status.plan.laterIds, basis: status.plan.basis, moveUrl: status.moveUrl });
  });
  api.get("/servers/:id/regions", async (c) => {
    const server = getServer(deps, actorOf(c), c.req.param("id"));
    return c.json({ refusedForRegion: refusedForRegion(server), size: server.size, region: server.region, ...(await otherRegions(deps, actorOf(c), server)) });
  });
  api.post("/servers/:id/relocate", async (c) => c.json({ operation: operationJson(await relocateServer(deps, actorOf(c), c.req.param("id"), await jsonBody(c))) }, 202));
  return api;
}
