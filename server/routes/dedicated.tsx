// The dedicated node wizard under /nodes/dedicated: the plan worked out from the choices in the
// address (GET, htmx or a reload), a posted form sent to that address, and "Start provisioning".
import { Hono, type Context } from "hono";
import { WizardPage, WizardForm } from "../../views/dedicated-wizard.tsx";
import { createDedicatedNode, suggestedName } from "../actions/dedicated.ts";
import { candidatesFor, planDedicated, planInputOf } from "../actions/dedicated-plan.ts";
import type { Deps, Env } from "../env.ts";
import { fieldMap, InvalidInputError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { actorOf, formOf, pageBase } from "../render.ts";
import { wizardHref, wizardView } from "../dedicated-views.ts";

const one = (v: unknown) => (typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : undefined);

export function dedicatedRoutes(deps: Deps) {
  const app = new Hono<Env>();

  const query = (c: Context<Env>): Record<string, unknown> => {
    const q = c.req.queries();
    return Object.fromEntries(Object.entries(q).map(([k, v]) => [k, k === "deployments" || k === "later" ? v.flatMap((x) => x.split(",")) : v[0]]));
  };

  /** The page for these choices; a choice that is wrong is shown with its error and left out of the plan. */
  async function render(c: Context<Env>, raw: Record<string, unknown>, errors: Record<string, string> = {}) {
    const actor = actorOf(c);
    const input = planInputOf(raw);
    let plan;
    try {
      plan = await planDedicated(deps, actor, input);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      const bad = fieldMap(err);
      Object.assign(errors, bad);
      c.status(422);
      const mine = new Set(candidatesFor(deps, actor).map((d) => d.deployment.id));
      plan = await planDedicated(deps, actor, { ...input, deploymentIds: input.deploymentIds.filter((id) => mine.has(id)), region: bad.region ? undefined : input.region, size: bad.size || bad.region ? undefined : input.size });
    }
    const w = wizardView(deps, actor, plan, { credentialId: input.credentialId, name: one(raw.name) || suggestedName(deps, actor), acknowledged: one(raw.acknowledgeUndersize) === "on" });
    if (c.req.header("hx-request") && !c.req.header("hx-history-restore-request")) return c.html(<WizardForm w={w} errors={errors} csrf={c.get("csrf")} canWrite={actor.user.role !== "viewer"} />);
    return c.html(<WizardPage {...pageBase(c)} canWrite={actor.user.role !== "viewer"} w={w} errors={errors} />);
  }

  app.get("/new", (c) => render(c, query(c)));

  // Without JavaScript, "Update the plan" posts the form; its choices go to the address.
  app.post("/new", async (c) => {
    const form = await formOf(c);
    const input = planInputOf(form);
    return c.redirect(wizardHref({ deployments: input.deploymentIds, later: input.later, credentialId: input.credentialId, region: input.region, size: input.size, image: input.image, name: one(form.name) }), 303);
  });

  app.post("/", async (c) => {
    const form = await formOf(c);
    try {
      const { server } = await createDedicatedNode(deps, actorOf(c), form);
      setFlash(c, "ok", `Provisioning ${server.name} as a dedicated node: once it is ready, move the deployments from its page.`);
      return c.redirect(`/nodes/cloud/${server.id}`, 303);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      c.status(422);
      return render(c, form, fieldMap(err));
    }
  });

  return app;
}
