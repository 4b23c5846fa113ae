// Actions across the account, newest first, as the provider's WaitForAction polls them.
import { Hono } from "hono";
import type { Deps, Env } from "../api.ts";
import { notFound, paginate } from "../http.ts";
import { renderAction } from "../state.ts";

export function actionRoutes(deps: Deps): Hono<Env> {
  const app = new Hono<Env>();
  app.get("/actions", (c) => c.json(paginate(c, "actions", [...deps.account.actions.values()].reverse().map(renderAction))));
  app.get("/actions/:id", (c) => {
    const action = deps.account.actions.get(Number(c.req.param("id")));
    if (!action) throw notFound();
    return c.json({ action: renderAction(action) });
  });
  return app;
}
