// /api/v1 for the marketplace catalog and app deployments. Secret settings are named, never shown.
import { Hono } from "hono";
import type { AppEntry } from "../../stacks/app-catalog.ts";
import type { AppSpec } from "../../stacks/app.ts";
import { activeItemOf } from "../../state/app-migrations.ts";
import type { DeploymentListRow } from "../../state/deployment-list.ts";
import { findNodeById, type Node } from "../../state/nodes.ts";
import type { RouteInfo } from "../../gateway/routes.ts";
import {
  createDeployment,
  deploymentOperations,
  getDeployment,
  listDeploymentPage,
  removeDeployment,
  restartDeployment,
  retryDeployment,
  type Deployment,
} from "../actions/deployments.ts";
import { applyDeploymentChange, discardDeploymentChange, getChange, proposeDeploymentChange } from "../actions/deployment-changes.ts";
import { ContainerUnavailable, containerLogs, containerUsage, MAX_LOG_LINES } from "../../engine/app-node.ts";
import { InvalidInputError, UpstreamError } from "../errors.ts";
import { changeJson } from "./changes.ts";
import type { Deps, Env } from "../env.ts";
import { actorOf } from "../render.ts";
import { pageJson } from "../lists.ts";
import { jsonBody, optionalJson } from "./auth.ts";
import { driftJson } from "./drift.ts";
import { operationJson } from "./servers.ts";
import { latestDeploymentUsage, latestUsageOfDeployments, usageJson, type Usage } from "../actions/usage.ts";
import { driftFactsOf, stackDriftFacts, type DriftFacts } from "../drift-views.ts";

export const appJson = (a: AppEntry) => ({
  id: a.id,
  name: a.name,
  description: a.description,
  category: a.category,
  icon: a.icon,
  image: `${a.image}:${a.tag}`,
  ports: a.ports.map((p) => ({ name: p.name, label: p.label, default: p.default, protocol: p.protocol, web: p.web })),
  env: a.env.filter((e) => !e.fixed).map((e) => ({ name: e.name, label: e.label, default: e.secret ? undefined : e.default, required: e.required, secret: e.secret, pattern: e.pattern })),
  volumes: a.volumes.map((v) => ({ name: v.name, path: v.path, label: v.label })),
  min: a.min,
});

/** The address of the deployment's web port, when it has one. */
export function urlOf(deps: Deps, d: Deployment): string | null {
  const spec = d.spec as unknown as AppSpec;
  const web = deps.catalog.find((a) => a.id === d.app)?.ports.find((p) => p.web);
  const port = web && spec.ports?.find((p) => p.name === web.name);
  return port ? `http://${spec.address}:${port.host}/` : null;
}

type GatewayUrl = { hostname: string; http: string; https: string } | null;
const gatewayUrl = (route: RouteInfo | undefined): GatewayUrl => (route ? { hostname: route.hostname, http: route.http, https: route.https } : null);

/** The deployment's stable entry point through the gateway, once its route is declared. */
export const gatewayUrlOf = (deps: Deps, d: Deployment): GatewayUrl => gatewayUrl(deps.gateway.enabled ? deps.gateway.routes.info(d.id) : undefined);

/** The entry points of a list's page of deployments, read in one query. */
export function gatewayUrlsOf(deps: Deps, ids: string[]): (deploymentId: string) => GatewayUrl {
  const routes = deps.gateway.enabled ? deps.gateway.routes.infoOf(ids) : new Map<string, RouteInfo>();
  return (id) => gatewayUrl(routes.get(id));
}

/** What a deployment's JSON shows besides its own row: looked up for one, or read for a list's page at once. */
export interface DeploymentJoins {
  node: Node | null;
  gateway: GatewayUrl;
  migrationId: string | null;
  drift: DriftFacts;
  usage: Usage | undefined;
}

const joinsOf = (deps: Deps, d: Deployment): DeploymentJoins => ({
  node: (d.nodeId && findNodeById(deps.db, d.nodeId)) || null,
  gateway: gatewayUrlOf(deps, d),
  migrationId: activeItemOf(deps.db, d.id)?.migrationId ?? null,
  drift: stackDriftFacts(deps, d.stack),
  usage: latestDeploymentUsage(deps, d.id),
});

/** A page of the list as JSON, in the same queries for 50 rows as for 2. */
export function deploymentPageJson(deps: Deps, rows: DeploymentListRow[]) {
  const gateway = gatewayUrlsOf(deps, rows.map((r) => r.deployment.id));
  const drift = driftFactsOf(deps, rows.map((r) => r.deployment.stack));
  const usage = latestUsageOfDeployments(deps, rows.map((r) => r.deployment.id));
  return rows.map(({ deployment: d, node, migrationId }) => deploymentJson(deps, d, { node, migrationId, gateway: gateway(d.id), drift: drift(d.stack), usage: usage(d.id) }));
}

export function deploymentJson(deps: Deps, d: Deployment, joins = joinsOf(deps, d)) {
  const spec = d.spec as unknown as AppSpec;
  const { node } = joins;
  const entry = deps.catalog.find((a) => a.id === d.app);
  return {
    id: d.id,
    name: d.name,
    app: d.app,
    stack: d.stack,
    status: d.status,
    image: `${spec.image}:${spec.tag}`,
    node: node ? { id: node.id, name: node.name, address: node.address } : null,
    url: urlOf(deps, d),
    gateway: joins.gateway,
    migration: joins.migrationId,
    ports: Object.fromEntries((spec.ports ?? []).map((p) => [p.name, p.host])),
    env: spec.env ?? {},
    // Which secret settings are set, by name only.
    secrets: (entry?.env ?? []).filter((e) => e.secret).map((e) => e.name),
    error: d.errorReason ? { reason: d.errorReason, code: d.errorCode, action: d.errorAction, retryable: d.retryable } : null,
    drift: driftJson(deps, { deployment: d }, joins.drift),
    // The container's latest sample from the monitor (null before the first).
    usage: usageJson(joins.usage),
    createdAt: d.createdAt.toISOString(),
  };
}

export function deploymentApi(deps: Deps) {
  const api = new Hono<Env>();
  api.get("/catalog", (c) => c.json({ apps: deps.catalog.map(appJson) }));
  // `?status=&app=&q=&limit=&cursor=`, `next` being the cursor of the next page.
  api.get("/deployments", (c) => {
    const { page } = listDeploymentPage(deps, actorOf(c), c.req.query());
    return c.json({ deployments: deploymentPageJson(deps, page.rows), ...pageJson(page), removedHidden: page.removedHidden });
  });
  api.post("/deployments", async (c) => {
    const { deployment, operation, warnings } = await createDeployment(deps, actorOf(c), await jsonBody(c));
    return c.json({ deployment: deploymentJson(deps, deployment), operation: operationJson(operation), warnings }, 202);
  });
  api.get("/deployments/:id", (c) => {
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    return c.json({ ...deploymentJson(deps, d), operations: deploymentOperations(deps, d).map(operationJson) });
  });
  api.post("/deployments/:id/restart", (c) => c.json({ operation: operationJson(restartDeployment(deps, actorOf(c), c.req.param("id"))) }, 202));
  api.post("/deployments/:id/retry", (c) => c.json({ operation: operationJson(retryDeployment(deps, actorOf(c), c.req.param("id"))) }, 202));
  api.delete("/deployments/:id", async (c) => {
    const body = (await c.req.text()).trim() ? await jsonBody(c) : undefined;
    return c.json({ operation: operationJson(removeDeployment(deps, actorOf(c), c.req.param("id"), body)) }, 202);
  });
  // The container, read from its node over SSH on demand; 502 with the reason when it cannot be reached.
  const fromNode = <T,>(read: Promise<T>) =>
    read.catch((err: unknown) => {
      throw err instanceof ContainerUnavailable ? new UpstreamError(err.message) : err;
    });
  api.get("/deployments/:id/usage", async (c) => {
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    return c.json({ usage: await fromNode(containerUsage(deps, d)), at: new Date().toISOString() });
  });
  api.get("/deployments/:id/logs", async (c) => {
    const d = getDeployment(deps, actorOf(c), c.req.param("id"));
    const raw = c.req.query("lines") ?? "100";
    const lines = Number(raw);
    if (!/^\d+$/.test(raw) || lines < 1 || lines > MAX_LOG_LINES) throw new InvalidInputError([{ field: "lines", message: `must be a whole number from 1 to ${MAX_LOG_LINES}` }]);
    return c.json({ lines, text: await fromNode(containerLogs(deps, d, { lines })), at: new Date().toISOString() });
  });
  api.post("/deployments/:id/changes", async (c) => {
    const { change } = proposeDeploymentChange(deps, actorOf(c), c.req.param("id"), await jsonBody(c));
    return c.json(changeJson(change), 202);
  });
  api.get("/deployments/:id/changes/:change", (c) => c.json(changeJson(getChange(deps, actorOf(c), c.req.param("id"), c.req.param("change")).change)));
  api.post("/deployments/:id/changes/:change/apply", async (c) => {
    const body = await optionalJson(c);
    const { operation } = applyDeploymentChange(deps, actorOf(c), c.req.param("id"), c.req.param("change"), body);
    return c.json({ operation: operationJson(operation) }, 202);
  });
  api.delete("/deployments/:id/changes/:change", (c) => {
    discardDeploymentChange(deps, actorOf(c), c.req.param("id"), c.req.param("change"));
    return c.body(null, 204);
  });
  return api;
}
