// Updating a deployment under /deployments/:id: the form (image tag and settings), which proposes
// a change, and the change's pages (server/change-routes.tsx), as for a server.
import { Hono, type Context } from "hono";
import type { AppSpec } from "../../stacks/app.ts";
import { can, deploymentMachine } from "../../state/statuses.ts";
import { DeploymentUpdatePage, DeploymentUpdateShell, type DeploymentUpdateValues } from "../../views/deployment-update-form.tsx";
import { applyDeploymentChange, discardDeploymentChange, getChange, proposeDeploymentChange } from "../actions/deployment-changes.ts";
import { catalogEntry, getDeployment, type Deployment } from "../actions/deployments.ts";
import { requireWriter } from "../actions/guards.ts";
import { changeRoutes } from "../change-routes.tsx";
import { deploymentChangeView } from "../change-views.ts";
import { deploymentView } from "../deployment-views.ts";
import type { Deps, Env } from "../env.ts";
import { ConflictError, fieldMap, InvalidInputError } from "../errors.ts";
import { actorOf, formOf, pageBase } from "../render.ts";
import { ownersFor } from "../view-models.ts";

export function deploymentChangeRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const viewOf = (c: Context<Env>, d: Deployment) => deploymentView(deps, d, ownersFor(deps, actorOf(c)));

  const formPage = (c: Context<Env>, d: Deployment, values: DeploymentUpdateValues, errors: Record<string, string>) => {
    const entry = catalogEntry(deps, d.app);
    const tag = (d.spec as unknown as AppSpec).tag;
    return c.html(<DeploymentUpdatePage {...pageBase(c)} canWrite deployment={viewOf(c, d)} entry={entry} tag={tag} values={values} errors={errors} refused={Object.keys(errors).length > 0} />);
  };

  const updatable = (d: Deployment) => {
    if (!can(deploymentMachine, d.status, "update_requested")) throw new ConflictError(`The deployment is ${d.status}; it can be updated once it is running.`);
  };

  app.get("/:id/update", (c) => {
    requireWriter(actorOf(c));
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    updatable(d);
    return formPage(c, d, { env: {} }, {});
  });

  app.post("/:id/update", async (c) => {
    const id = c.req.param("id");
    const form = await formOf(c);
    const d = getDeployment(deps, actorOf(c), id);
    const input = Object.fromEntries(Object.entries(form).filter(([k]) => k === "tag" || k.startsWith("env.")));
    try {
      const { change } = proposeDeploymentChange(deps, actorOf(c), id, input);
      return c.redirect(`/deployments/${id}/changes/${change.id}`, 303);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      // Typed values come back, except secrets, which are never sent back to the browser.
      const secrets = new Set(catalogEntry(deps, d.app).env.filter((e) => e.secret).map((e) => e.name));
      const env = Object.fromEntries(Object.entries(input).filter(([k]) => k.startsWith("env.") && !secrets.has(k.slice(4))).map(([k, v]) => [k.slice(4), String(v)]));
      c.status(422);
      return formPage(c, d, { tag: String(form.tag ?? ""), env }, fieldMap(err));
    }
  });

  changeRoutes<Deployment>(app, deps, {
    base: (id) => `/deployments/${id}`,
    get: (c, id, changeId) => {
      const { change, deployment } = getChange(deps, actorOf(c), id, changeId);
      return { change, subject: deployment };
    },
    view: deploymentChangeView,
    apply: (c, id, changeId, form) => void applyDeploymentChange(deps, actorOf(c), id, changeId, form),
    discard: (c, id, changeId) => discardDeploymentChange(deps, actorOf(c), id, changeId),
    page: (c, d, body) => c.html(<DeploymentUpdateShell {...pageBase(c)} canWrite deployment={viewOf(c, d)}>{body}</DeploymentUpdateShell>),
  });
  return app;
}
