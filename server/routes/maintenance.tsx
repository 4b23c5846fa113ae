// /maintenance: the admin's switch that pauses every change.
import { Hono, type Context } from "hono";
import { requireAdmin } from "../actions/guards.ts";
import { setMaintenance } from "../actions/maintenance.ts";
import type { Deps, Env } from "../env.ts";
import { setFlash } from "../flash.ts";
import { actorOf, echo, formOf, handleForm, pageBase } from "../render.ts";
import { MaintenancePage } from "../../views/maintenance.tsx";

export function maintenanceRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const page = (c: Context<Env>, extra: { errors?: Record<string, string>; values?: Record<string, string> } = {}) => {
    requireAdmin(actorOf(c));
    return c.html(<MaintenancePage {...pageBase(c)} pause={deps.paused()} errors={extra.errors ?? {}} values={extra.values ?? {}} />);
  };

  app.get("/", (c) => page(c));

  app.post("/", async (c) => {
    const form = await formOf(c);
    return handleForm(
      c,
      () => setMaintenance(deps, actorOf(c), form),
      (errors) => page(c, { errors, values: echo(form) }),
      (pause) => {
        setFlash(c, "ok", pause ? "Changes are paused." : "Changes are resumed; queued operations start again.");
        return c.redirect("/maintenance", 303);
      },
    );
  });

  return app;
}
