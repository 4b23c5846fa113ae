// The Nodes tab under /nodes: nodes registered from the servers' stacks, and checks on demand.
import { Hono, type Context } from "hono";
import { checkNodeNow, listNodes } from "../actions/nodes.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { actorOf, formOf, pageBase, safeNext } from "../render.ts";
import { nodeView, ownersFor } from "../view-models.ts";
import { NodeRow, NodesPage, NodesTable } from "../../views/node-list.tsx";

export function nodeRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const canWrite = (c: Context<Env>) => actorOf(c).user.role !== "viewer";
  const views = (c: Context<Env>) => {
    const owners = ownersFor(deps, actorOf(c));
    return listNodes(deps, actorOf(c)).map((n) => nodeView(deps, actorOf(c), n, owners));
  };

  app.get("/", (c) => c.html(<NodesPage {...pageBase(c)} canWrite={canWrite(c)} nodes={views(c)} />));

  app.get("/table", (c) => c.html(<NodesTable nodes={views(c)} now={new Date()} canWrite={canWrite(c)} csrf={c.get("csrf")} />));

  app.post("/:id/check", async (c) => {
    const { back } = await formOf(c);
    const node = await checkNodeNow(deps, actorOf(c), c.req.param("id"));
    if (c.req.header("hx-request")) {
      return c.html(<NodeRow n={nodeView(deps, actorOf(c), node, ownersFor(deps, actorOf(c)))} now={new Date()} canWrite csrf={c.get("csrf")} />);
    }
    setFlash(c, node.state === "online" ? "ok" : "error", `${node.name} is ${node.state}${node.stateReason ? `: ${node.stateReason}` : ""}.`);
    return c.redirect(safeNext(typeof back === "string" ? back : undefined, "/nodes"), 303);
  });

  return app;
}
