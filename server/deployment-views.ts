// Deployments, apps and nodes as the marketplace pages show them: labels from the catalog entry,
// the node named, secret settings by name only.
import type { AppEntry } from "../stacks/app-catalog.ts";
import type { AppSpec } from "../stacks/app.ts";
import { activeItemOf } from "../state/app-migrations.ts";
import { deploymentsOnNode } from "../state/deployments.ts";
import { findNodeById, type Node } from "../state/nodes.ts";
import { deploymentMachine, deploymentPolicy, isBusy } from "../state/statuses.ts";
import type { NodeChoice } from "../views/deploy-form.tsx";
import type { DeploymentView } from "../views/deployments.tsx";
import type { AppCardView } from "../views/marketplace.tsx";
import { roomOn, type Deployment } from "./actions/deployments.ts";
import { gatewayUrlOf, urlOf } from "./api/deployments.ts";
import type { Actor, Deps } from "./env.ts";

export const appCard = (a: AppEntry): AppCardView => ({ id: a.id, name: a.name, description: a.description, category: a.category, icon: a.icon, image: `${a.image}:${a.tag}`, min: a.min });

/** What a list page read for all its rows at once (node, open migration, gateway route), not looked up here. */
export interface JoinedDeployment {
  node: Node | null;
  migrationId: string | null;
  gateway: DeploymentView["gateway"];
}

export function deploymentView(deps: Deps, d: Deployment, owners?: Map<string, string>, joined?: JoinedDeployment): DeploymentView {
  const spec = d.spec as unknown as AppSpec;
  const entry = deps.catalog.find((a) => a.id === d.app);
  const node = joined ? joined.node : d.nodeId ? findNodeById(deps.db, d.nodeId) : undefined;
  const portOf = (name: string) => entry?.ports.find((p) => p.name === name);
  const envOf = new Map((entry?.env ?? []).map((e) => [e.name, e]));
  const plain = spec.env ?? {};
  // The entry's settings in its order (secrets by name only), then any the entry no longer has.
  const settings = [
    ...(entry?.env ?? []).map((e) => ({ name: e.name, label: e.label, value: e.secret ? undefined : plain[e.name], secret: e.secret, required: e.required, fixed: e.fixed })),
    ...Object.entries(plain)
      .filter(([k]) => !envOf.has(k))
      .map(([k, v]) => ({ name: k, label: k, value: v, secret: false, required: false, fixed: false })),
  ];
  return {
    id: d.id,
    name: d.name,
    app: entry ? { id: entry.id, name: entry.name, icon: entry.icon, category: entry.category } : { id: d.app, name: d.app, icon: "▣" },
    image: `${spec.image}:${spec.tag}`,
    stack: d.stack,
    status: d.status,
    busy: isBusy(deploymentMachine, d.status),
    // A removed app answers nowhere: no link to where it was.
    url: deploymentPolicy.occupiesNode(d.status) ? urlOf(deps, d) : null,
    gateway: joined ? joined.gateway : gatewayUrlOf(deps, d),
    migrationId: joined ? joined.migrationId : (activeItemOf(deps.db, d.id)?.migrationId ?? null),
    node: node ? { id: node.id, name: node.name, address: node.address, serverId: node.serverId, state: node.state, stateReason: node.stateReason } : null,
    ports: (spec.ports ?? []).map((p) => ({ name: p.name, label: portOf(p.name)?.label ?? p.name, host: p.host, protocol: p.protocol, web: portOf(p.name)?.web ?? false })),
    settings,
    volumes: (spec.volumes ?? []).map((v) => ({ name: v.name, path: v.path, label: entry?.volumes.find((x) => x.name === v.name)?.label ?? v.name })),
    error: d.errorReason ? { reason: d.errorReason, code: d.errorCode, action: d.errorAction, retryable: d.retryable } : undefined,
    createdAt: d.createdAt,
    owner: owners?.get(d.userId),
  };
}

/** A node as the deploy form offers it: what it has left for apps, and why it cannot take one. */
export function nodeChoice(deps: Deps, node: Node): NodeChoice {
  const room = roomOn(deps, node);
  return { id: node.id, name: node.name, address: node.address, cpus: room.cpus, memoryMb: room.memoryMb, deployments: room.deployments, unavailable: room.unavailable };
}

/** The deployments still on a node that the actor may see, as its server page lists them. */
export const nodeDeploymentViews = (deps: Deps, actor: Actor, nodeId: string, owners?: Map<string, string>) =>
  deploymentsOnNode(deps.db, nodeId)
    .filter((d) => actor.scope.all || d.userId === actor.user.id)
    .map((d) => deploymentView(deps, d, owners));
