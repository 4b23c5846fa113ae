// /actions: how clients follow asynchronous changes. hcloud-go ≥ 2.8 polls
// `GET /actions?id=…&id=…&page=1&sort=status&sort=id`; older clients `GET /actions/{id}`.
import { Hono } from "hono";
import { actionJson } from "../actions.ts";
import { invalidInput, notFound, paginated, pathId, sortBy } from "../http.ts";
import type { EmulatorContext } from "../machines.ts";

export function actionRoutes(ctx: EmulatorContext) {
  const app = new Hono();
  app.get("/", (c) => {
    const ids = c.req.queries("id") ?? [];
    if (ids.some((id) => !/^\d+$/.test(id))) throw invalidInput("id", "must be an integer");
    const statuses = c.req.queries("status");
    const list = [...ctx.state.actions.values()].filter(
      (a) => (!ids.length || ids.includes(String(a.id))) && (!statuses?.length || statuses.includes(a.status)),
    );
    const sorted = sortBy(list, c.req.queries("sort") ?? ["id"], (a, f) => (a as unknown as Record<string, unknown>)[f]);
    return paginated(c, "actions", sorted.map(actionJson));
  });
  app.get("/:id", (c) => {
    const id = pathId(c);
    const action = ctx.state.actions.get(id);
    if (!action) throw notFound("action", id);
    return c.json({ action: actionJson(action) });
  });
  return app;
}
