// The Drift page (/drift) and the drift forms of the server and deployment pages: check now,
// auto-restore, and each report's remediations (preview, apply, discard). Every form answers with
// a redirect and a flash; refused input says which field and why, and changes nothing.
import { Hono, type Context } from "hono";
import { DriftBody, DriftPage, type DriftPageProps } from "../../views/drift.tsx";
import { applyRemediation, checkDrift, discardRemediation, getRemediation, proposeRemediation, setAutoRestore, sweepNow, targetOf } from "../actions/drift.ts";
import { driftPageReports, scheduleText } from "../drift-views.ts";
import type { Deps, Env } from "../env.ts";
import { InvalidInputError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { readOrRefuse } from "../lists.ts";
import { actorOf, formOf, pageBase, safeNext } from "../render.ts";

export function driftRoutes(deps: Deps) {
  const app = new Hono<Env>();

  // A bad limit or cursor: the page with the refusal, answered 422.
  const props = (c: Context<Env>): DriftPageProps => {
    const { list, errors } = readOrRefuse(c, () => driftPageReports(deps, actorOf(c), c.req.query()));
    return {
      ...pageBase(c),
      canWrite: actorOf(c).user.role !== "viewer",
      canSweep: actorOf(c).user.role === "admin",
      schedule: scheduleText(deps),
      ...(list ?? { open: [], closed: [], busy: false, refresh: "/drift/body" }),
      errors,
    };
  };

  app.get("/", (c) => c.html(<DriftPage {...props(c)} />));
  app.get("/body", (c) => c.html(<DriftBody {...props(c)} />));

  /** Runs a form's action and goes back with a flash: its text, or the refusal by field. */
  const act = async (c: Context<Env>, back: (form: Record<string, unknown>) => string, run: (form: Record<string, unknown>) => string) => {
    const form = await formOf(c);
    try {
      setFlash(c, "ok", run(form));
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      setFlash(c, "error", err.fields.map((f) => `${f.field}: ${f.message}`).join("; "));
    }
    return c.redirect(back(form), 303);
  };
  const backTo = (form: Record<string, unknown>) => safeNext(typeof form.back === "string" ? form.back : undefined, "/drift");

  app.post("/sweep", (c) =>
    act(c, () => "/drift", () => {
      sweepNow(deps, actorOf(c));
      return "Checking every ready server and running deployment: the sweep starts within seconds.";
    }),
  );

  app.post("/check", (c) =>
    act(c, backTo, (form) => {
      checkDrift(deps, actorOf(c), targetOf(deps, actorOf(c), form));
      return "Checking for drift: a refresh preview runs now (nothing is changed).";
    }),
  );

  app.post("/settings", (c) =>
    act(c, backTo, (form) => (setAutoRestore(deps, actorOf(c), targetOf(deps, actorOf(c), form), form) ? "Auto-restore is on: drift found is restored at once." : "Auto-restore is off.")),
  );

  for (const action of ["accept", "restore"] as const) {
    app.post(`/:id/${action}`, (c) =>
      act(c, () => `/drift#report-${c.req.param("id")}`, () => {
        proposeRemediation(deps, actorOf(c), c.req.param("id")!, action);
        return `Previewing ${action === "accept" ? "Accept" : "Restore"}: nothing changes until you apply it.`;
      }),
    );
  }

  const reportAnchor = (c: Context<Env>) => `/drift#report-${getRemediation(deps, actorOf(c), c.req.param("id") ?? "").report.id}`;

  app.post("/remediations/:id/apply", (c) =>
    act(c, () => reportAnchor(c), (form) => {
      const { remediation } = applyRemediation(deps, actorOf(c), c.req.param("id"), form);
      return `${remediation.action === "accept" ? "Accepting" : "Restoring"}: the report closes once the next check finds no drift.`;
    }),
  );

  app.post("/remediations/:id/discard", (c) =>
    act(c, () => reportAnchor(c), () => {
      discardRemediation(deps, actorOf(c), c.req.param("id"));
      return "Discarded: nothing was changed.";
    }),
  );

  return app;
}
