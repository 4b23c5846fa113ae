// The Deployments tab under /deployments: the list, the deployment page with its live stream
// (the same machinery as a server's), and its actions: restart, retry, remove after confirming.
// The container's logs and usage are in deployment-container.tsx.
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import { deploymentChanges } from "../../state/changes.ts";
import { driftVersion } from "../../state/drift.ts";
import { findNodeById } from "../../state/nodes.ts";
import { can, deploymentMachine, deploymentPolicy, isBusy, type DeploymentStatus } from "../../state/statuses.ts";
import { DeploymentBody, DeploymentPage, RemoveDeploymentPage, type DeploymentBodyProps, DEPLOYMENT_BODY } from "../../views/deployment-page.tsx";
import { DeploymentsPage, DeploymentsTable } from "../../views/deployments.tsx";
import type { LiveLook } from "../../views/operation-view.tsx";
import { deploymentOperations, getDeployment, listDeploymentPage, removeDeployment, restartDeployment, retryDeployment, type Deployment } from "../actions/deployments.ts";
import { requireWriter } from "../actions/guards.ts";
import type { Deps, Env } from "../env.ts";
import { latestDeploymentUsage, samplesIn } from "../actions/usage.ts";
import { ConflictError } from "../errors.ts";
import { setFlash } from "../flash.ts";
import { liveRoutes, type LiveState, type LiveSubject } from "../live-page.tsx";
import { actorOf, formOf, pageBase } from "../render.ts";
import { openChanges } from "../change-views.ts";
import { driftMarks, driftView } from "../drift-views.ts";
import { givenFilters, listHref, pagerLinks, readOrRefuse } from "../lists.ts";
import { deploymentView } from "../deployment-views.ts";
import { gatewayUrlsOf } from "../api/deployments.ts";
import { operationView, ownersFor } from "../view-models.ts";
import { deploymentChangeRoutes } from "./deployment-changes.tsx";
import { deploymentContainerRoutes } from "./deployment-container.tsx";

/** A status nothing can leave (removed): the page stops polling. */
const isFinal = (s: DeploymentStatus) => Object.keys(deploymentMachine.transitions[s]).length === 0;

const look: LiveLook = { bodyId: DEPLOYMENT_BODY, busy: (s) => isBusy(deploymentMachine, s as DeploymentStatus), statusLabel: "Deployment status" };

export function deploymentRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const canWrite = (c: Context<Env>) => actorOf(c).user.role !== "viewer";

  /** This request's page of the list: its rows (node and owner joined), page controls and refresh link. */
  const list = (c: Context<Env>) => {
    const actor = actorOf(c);
    const { query, page } = listDeploymentPage(deps, actor, c.req.query());
    // The owner's email is shown to an admin for others' deployments, as ownersFor gives it.
    const owners = new Map(actor.scope.all ? page.rows.flatMap((r) => (r.ownerEmail && r.deployment.userId !== actor.user.id ? [[r.deployment.userId, r.ownerEmail] as const] : [])) : []);
    const links = pagerLinks("/deployments", query, page, "/deployments/table");
    const gatewayOf = gatewayUrlsOf(deps, page.rows.map((r) => r.deployment.id));
    const mark = driftMarks(deps, page.rows.map((r) => r.deployment.stack));
    const deployments = page.rows.map((r) => ({ ...deploymentView(deps, r.deployment, owners, { ...r, gateway: gatewayOf(r.deployment.id) }), drift: mark(r.deployment.stack) }));
    const removed = { count: page.removedHidden, href: listHref("/deployments", { ...query.params, status: "removed" }) };
    return { deployments, pager: links, refresh: links.selfHref, removed };
  };

  app.get("/", (c) => {
    const { list: shown, errors } = readOrRefuse(c, () => list(c));
    return c.html(<DeploymentsPage {...pageBase(c)} canWrite={canWrite(c)} list={shown} filters={givenFilters(c, ["status", "app", "q"])} errors={errors} appOptions={deps.catalog.map((a) => ({ value: a.id, label: a.name }))} />);
  });
  app.get("/table", (c) => c.html(<DeploymentsTable {...list(c)} now={new Date()} />));

  app.route("/", deploymentContainerRoutes(deps));
  app.route("/", deploymentChangeRoutes(deps));

  // ---- one deployment ----

  const versionOf = (d: Deployment) => {
    const n = d.nodeId ? findNodeById(deps.db, d.nodeId) : undefined;
    return createHash("sha256")
      .update(JSON.stringify([d.status, d.updatedAt?.getTime(), d.errorReason, n?.state, n?.stateReason, driftVersion(deps.db, d.stack)]))
      .digest("base64url")
      .slice(0, 12);
  };

  function bodyProps(c: Context<Env>, d: Deployment, state: LiveState): DeploymentBodyProps {
    const actor = actorOf(c);
    const lastRemoval = state.history.find((o) => o.kind === "destroy");
    return {
      deployment: deploymentView(deps, d, ownersFor(deps, actor)),
      op: state.op && operationView(state.op),
      live: state.live,
      history: state.history.map(operationView),
      actions: {
        restart: can(deploymentMachine, d.status, "restart_requested"),
        update: can(deploymentMachine, d.status, "update_requested"),
        remove: can(deploymentMachine, d.status, "remove_requested"),
        retry: deploymentPolicy.canRetry(d.status),
      },
      canWrite: actor.user.role !== "viewer",
      csrf: c.get("csrf"),
      now: new Date(),
      final: isFinal(d.status),
      keptData: lastRemoval?.params.keepData === true,
      streamUrl: state.streamUrl,
      pollUrl: state.pollUrl,
      pollSeconds: state.pollSeconds,
      drift: driftView(deps, { deployment: d }),
      usageHistory: { points: samplesIn(deps, { deploymentId: d.id }, "24h"), latest: latestDeploymentUsage(deps, d.id), window: "24h", intervalSeconds: deps.monitor.intervalSeconds },
    };
  }

  const subject: LiveSubject<Deployment> = {
    base: (id) => `/deployments/${id}`,
    load: (c, id) => getDeployment(deps, actorOf(c), id),
    id: (d) => d.id,
    operations: (d) => deploymentOperations(deps, d),
    owns: (d, op) => op.deploymentId === d.id,
    version: versionOf,
    busy: (d) => isBusy(deploymentMachine, d.status),
    final: (d) => isFinal(d.status),
    look,
    page: (c, d, state) => <DeploymentPage {...pageBase(c)} {...bodyProps(c, d, state)} openChanges={openChanges(deploymentChanges(deps.db, d.id))} />,
    body: (c, d, state) => <DeploymentBody {...bodyProps(c, d, state)} />,
  };
  liveRoutes(app, deps, subject);

  // ---- actions: each answers with the deployment page (303) or the confirmation page ----

  const back = (c: Context<Env>, id: string, text: string) => {
    setFlash(c, "ok", text);
    return c.redirect(`/deployments/${id}`, 303);
  };

  app.post("/:id/restart", (c) => {
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    restartDeployment(deps, actorOf(c), d.id);
    return back(c, d.id, `Restarting ${d.name}: its container restarts, then Hoist checks that it answers.`);
  });

  app.post("/:id/retry", (c) => {
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    retryDeployment(deps, actorOf(c), d.id);
    return back(c, d.id, `Retrying ${d.name}: the operation is queued again.`);
  });

  app.get("/:id/remove", (c) => {
    requireWriter(actorOf(c));
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    if (!can(deploymentMachine, d.status, "remove_requested")) throw new ConflictError(`The deployment is ${d.status}; it cannot be removed now.`);
    return c.html(<RemoveDeploymentPage {...pageBase(c)} canWrite deployment={deploymentView(deps, d, ownersFor(deps, actorOf(c)))} busy={isBusy(deploymentMachine, d.status)} />);
  });

  app.post("/:id/remove", async (c) => {
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    const form = await formOf(c);
    const op = removeDeployment(deps, actorOf(c), d.id, { keepData: form.keepData ?? "" });
    const kept = op.params.keepData === true;
    return back(c, d.id, `Removing ${d.name}: its container is being deleted from the node${kept ? "; its volumes stay there" : (d.spec as { volumes?: unknown[] }).volumes?.length ? ", and its volumes with it" : ""}.`);
  });

  return app;
}
