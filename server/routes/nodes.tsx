// The Nodes tab under /nodes: nodes registered from the servers' stacks, a page at a time, and
// checks on demand.
import { Hono, type Context } from "hono";
import { checkNodeNow, getNodeRow, listNodes } from "../actions/nodes.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { actorOf, formOf, pageBase, safeNext } from "../render.ts";
import { cloudOptions, cursorOf, givenFilters, listHref, pagerLinks, readOrRefuse } from "../lists.ts";
import { nodeView } from "../view-models.ts";
import { driftMarks } from "../drift-views.ts";
import { latestNodeUsage, latestUsageOfNodes } from "../actions/usage.ts";
import { NodeRow, NodesPage, NodesTable } from "../../views/node-list.tsx";

export function nodeRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const canWrite = (c: Context<Env>) => actorOf(c).user.role !== "viewer";

  /** This request's page of the list: its rows, page controls and refresh link. */
  const list = (c: Context<Env>) => {
    const actor = actorOf(c);
    const { query, page } = listNodes(deps, actor, c.req.query());
    const links = pagerLinks("/nodes", query, page, "/nodes/table");
    const mark = driftMarks(deps, page.rows.map((r) => r.serverStack));
    const usage = latestUsageOfNodes(deps, page.rows.map((r) => r.node.id));
    return { nodes: page.rows.map((r) => nodeView(actor, r, mark(r.serverStack), usage(r.node.id))), pager: links, refresh: links.selfHref, back: listHref("/nodes", query.params, cursorOf(query)) };
  };

  app.get("/", (c) => {
    const { list: shown, errors } = readOrRefuse(c, () => list(c));
    return c.html(<NodesPage {...pageBase(c)} canWrite={canWrite(c)} list={shown} filters={givenFilters(c, ["state", "cloud", "q"])} errors={errors} cloudOptions={cloudOptions()} />);
  });

  app.get("/table", (c) => c.html(<NodesTable {...list(c)} now={new Date()} canWrite={canWrite(c)} csrf={c.get("csrf")} />));

  app.post("/:id/check", async (c) => {
    const { back } = await formOf(c);
    const node = await checkNodeNow(deps, actorOf(c), c.req.param("id"));
    if (c.req.header("hx-request")) {
      const row = getNodeRow(deps, actorOf(c), node.id);
      return c.html(<NodeRow n={nodeView(actorOf(c), row, driftMarks(deps, [row.serverStack])(row.serverStack), latestNodeUsage(deps, row.node.id))} now={new Date()} canWrite csrf={c.get("csrf")} back={typeof back === "string" ? safeNext(back) : undefined} />);
    }
    setFlash(c, node.state === "online" ? "ok" : "error", `${node.name} is ${node.state}${node.stateReason ? `: ${node.stateReason}` : ""}.`);
    return c.redirect(safeNext(typeof back === "string" ? back : undefined, "/nodes"), 303);
  });

  return app;
}
