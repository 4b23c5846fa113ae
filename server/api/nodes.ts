// /api/v1/nodes: the nodes registered from the servers' stacks, a page at a time, and a check on
// demand, as the Nodes tab offers them.
import { Hono } from "hono";
import type { NodeListRow } from "../../state/node-list.ts";
import { checkNodeNow, getNodeRow, listNodes } from "../actions/nodes.ts";
import type { Deps, Env } from "../env.ts";
import { pageJson } from "../lists.ts";
import { usageJsonOf } from "./usage.ts";
import { latestNodeUsage, latestUsageOfNodes, type Usage } from "../actions/usage.ts";
import { actorOf } from "../render.ts";

export const nodeJson = (deps: Deps, row: NodeListRow) => nodeJsonOf(row, latestNodeUsage(deps, row.node.id));

/** A node as the API shows it, from its use already read (a list's page reads its nodes' at once). */
const nodeJsonOf = ({ node: n, serverStatus }: NodeListRow, usage: Usage | undefined) => ({
  id: n.id,
  name: n.name,
  serverId: n.serverId,
  serverStatus,
  address: n.address,
  sshPort: n.sshPort,
  sshUser: n.sshUser,
  hostKeyFingerprint: n.hostKeyFingerprint,
  provider: n.cloud,
  region: n.region,
  size: n.size,
  facts: n.facts ?? null,
  state: n.state,
  stateReason: n.stateReason,
  ...usageJsonOf(n, usage),
  checkedAt: n.checkedAt?.toISOString() ?? null,
  createdAt: n.createdAt.toISOString(),
});

export function nodeApi(deps: Deps) {
  const api = new Hono<Env>();
  // `?state=&cloud=&q=&limit=&cursor=`, `next` being the cursor of the next page.
  api.get("/nodes", (c) => {
    const { page } = listNodes(deps, actorOf(c), c.req.query());
    const usage = latestUsageOfNodes(deps, page.rows.map((r) => r.node.id));
    return c.json({ nodes: page.rows.map((r) => nodeJsonOf(r, usage(r.node.id))), ...pageJson(page) });
  });
  api.get("/nodes/:id", (c) => c.json(nodeJson(deps, getNodeRow(deps, actorOf(c), c.req.param("id")))));
  api.post("/nodes/:id/check", async (c) => {
    const node = await checkNodeNow(deps, actorOf(c), c.req.param("id"));
    return c.json(nodeJson(deps, getNodeRow(deps, actorOf(c), node.id)));
  });
  return api;
}
