// /api/v1 for proposed changes: a server's (size, image, firewall ports) here, and the JSON of any
// change, whatever it changes. Each step of the kept plan says whether it loses data.
import { Hono } from "hono";
import type { AppSpec } from "../../stacks/app.ts";
import type { Change } from "../../state/changes.ts";
import { dataLosses, planOf } from "../actions/changes.ts";
import { applyServerChange, discardServerChange, getServerChange, listServerChanges, proposeServerChange } from "../actions/server-changes.ts";
import type { Deps, Env } from "../env.ts";
import { actorOf } from "../render.ts";
import { jsonBody, optionalJson } from "./auth.ts";
import { operationJson } from "./servers.ts";

/** What the change proposes, as its kind declares it (secret settings never among them). */
function proposalJson(c: Change) {
  if (c.stackKind === "app") {
    const spec = c.proposal.spec as AppSpec;
    return { image: `${spec.image}:${spec.tag}`, env: spec.env };
  }
  const { size, image, firewallPorts, priceMonthly } = c.proposal as Record<string, unknown>;
  return { size, image, firewallPorts, priceMonthly };
}

export function changeJson(c: Change) {
  const losses = new Set(dataLosses(c).map((s) => s.urn));
  const plan = planOf(c);
  const summary = (c.summary ?? {}) as Record<string, unknown>;
  return {
    id: c.id,
    kind: c.stackKind,
    status: c.status,
    proposal: proposalJson(c),
    changedSecrets: (summary.changedSecrets as string[] | undefined) ?? [],
    ...(c.stackKind === "server" ? { rebuild: summary.rebuild === true, cost: summary.cost ?? null } : {}),
    plan: plan ? { steps: plan.steps.map((s) => ({ ...s, losesData: losses.has(s.urn) })) } : null,
    losesData: losses.size > 0,
    error: c.error,
    previewOperationId: c.previewOperationId,
    applyOperationId: c.applyOperationId,
    createdAt: c.createdAt.toISOString(),
  };
}

export function serverChangeApi(deps: Deps) {
  const api = new Hono<Env>();
  api.get("/servers/:id/changes", (c) => c.json({ changes: listServerChanges(deps, actorOf(c), c.req.param("id")).map(changeJson) }));
  api.post("/servers/:id/changes", async (c) => {
    const { change } = await proposeServerChange(deps, actorOf(c), c.req.param("id"), await jsonBody(c));
    return c.json(changeJson(change), 202);
  });
  api.get("/servers/:id/changes/:change", (c) => c.json(changeJson(getServerChange(deps, actorOf(c), c.req.param("id"), c.req.param("change")).change)));
  api.post("/servers/:id/changes/:change/apply", async (c) => {
    const { operation } = applyServerChange(deps, actorOf(c), c.req.param("id"), c.req.param("change"), await optionalJson(c));
    return c.json({ operation: operationJson(operation) }, 202);
  });
  api.delete("/servers/:id/changes/:change", (c) => {
    discardServerChange(deps, actorOf(c), c.req.param("id"), c.req.param("change"));
    return c.body(null, 204);
  });
  return api;
}
