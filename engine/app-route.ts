// A deployment's gateway route, as the app and migration kinds keep it: the hostname
// `<name>-<slug>.<domain>` routed to the node's address and the app's web port, health-checked
// as its catalog entry says (HTTP path, else a TCP connect). Without a gateway nothing happens.
import type { AppSpec } from "../stacks/app.ts";
import type { Deployment } from "../state/deployments.ts";
import type { RouteSpec, Target } from "../gateway/routes.ts";
import type { KindContext } from "./kind.ts";

/** The port the route sends requests to: the one the HTTP health check asks, else `web`, else the first TCP port. */
export function webPort(spec: AppSpec): number | undefined {
  const named = (name: string) => spec.ports.find((p) => p.name === name && p.protocol === "tcp")?.host;
  if ("http" in spec.health) return named(spec.health.http.port);
  return named("web") ?? spec.ports.find((p) => p.protocol === "tcp")?.host;
}

/** Where the copy described by `spec` answers (its node's address and web port). */
export function targetOf(spec: AppSpec): Target | undefined {
  const port = webPort(spec);
  return port ? { address: spec.address, port } : undefined;
}

/** The hostname's first part: the deployment's name, starting with a letter as hostnames here must. */
const routeName = (name: string) => (/^[a-z]/.test(name) ? name : `app-${name}`).slice(0, 42).replace(/-+$/, "");

export function routeSpecOf(d: Pick<Deployment, "name">, spec: AppSpec): RouteSpec | undefined {
  const target = targetOf(spec);
  if (!target) return undefined;
  return { name: routeName(d.name), target, health: "http" in spec.health ? { type: "http", path: spec.health.http.path } : { type: "tcp" } };
}

/**
 * Declares (or updates) the deployment's route. A gateway pass that fails is logged, not thrown:
 * the route is in the database, and the gateway's next pass applies it.
 */
export async function declareRoute(ctx: KindContext, d: Deployment, spec: AppSpec): Promise<void> {
  const routeSpec = ctx.gateway?.enabled ? routeSpecOf(d, spec) : undefined;
  if (!routeSpec) return;
  await ctx.gateway!.routes.declare(d.id, routeSpec).catch((err: Error) => ctx.log.warn({ deployment: d.id, err }, `gateway: the route of ${d.name} waits for the next pass: ${err.message}`));
}

export async function removeRoute(ctx: KindContext, d: Deployment): Promise<void> {
  if (!ctx.gateway?.enabled) return;
  await ctx.gateway.routes.remove(d.id).catch((err: Error) => ctx.log.warn({ deployment: d.id, err }, `gateway: removing the route of ${d.name} waits for the next pass: ${err.message}`));
}
