// /api/v1 for what the monitor measured: a node's pool and latest use (in every node JSON), and the
// samples of a node or of a deployment's container over a window (`?window=1h|6h|24h|7d`).
import { Hono } from "hono";
import type { Node } from "../../state/nodes.ts";
import { getDeployment } from "../actions/deployments.ts";
import { getNode } from "../actions/nodes.ts";
import { nodeNearCapacity, samplesIn, usageJson, windowOf, type Usage } from "../actions/usage.ts";
import type { Deps, Env } from "../env.ts";
import { actorOf } from "../render.ts";

/** A node's pool and what the monitor measured last (read by the caller: once for a whole page), for every JSON that shows a node. */
export function usageJsonOf(node: Node, usage: Usage | undefined) {
  return {
    pool: node.pool,
    usage: usageJson(usage),
    // Resources of a shared node at or above the near-capacity mark.
    nearCapacity: nodeNearCapacity(node, usage),
  };
}

const samplesJson = (window: string, rows: Usage[]) => ({ window, samples: rows.map((u) => usageJson(u)!) });

export function usageApi(deps: Deps) {
  const api = new Hono<Env>();
  api.get("/nodes/:id/samples", (c) => {
    const node = getNode(deps, actorOf(c), c.req.param("id"));
    const window = windowOf(c.req.query("window"));
    return c.json(samplesJson(window, samplesIn(deps, { nodeId: node.id }, window)));
  });
  api.get("/deployments/:id/samples", (c) => {
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    const window = windowOf(c.req.query("window"));
    return c.json(samplesJson(window, samplesIn(deps, { deploymentId: d.id }, window)));
  });
  return api;
}
