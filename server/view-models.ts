// Rows as the server and node pages show them: labels resolved, owners named, nothing secret.
import { firewallPortsOf } from "../engine/server-kind.ts";
import { cloudLabel, clouds, findCloud } from "../stacks/clouds.ts";
import type { NodeListRow } from "../state/node-list.ts";
import type { Node } from "../state/nodes.ts";
import type { Operation } from "../state/operations.ts";
import type { ServerListRow } from "../state/server-list.ts";
import type { Server } from "../state/servers.ts";
import { serverPolicy } from "../state/statuses.ts";
import { listUsers } from "../state/users.ts";
import type { NodeView } from "../views/node-list.tsx";
import type { OperationView } from "../views/operation-card.tsx";
import type { CredentialPick } from "../views/server-form.tsx";
import type { Facts, ServerNodeView, ServerView } from "../views/servers.tsx";
import { listCredentials } from "./actions/credentials.ts";
import { gatewayEntryOf } from "./actions/gateway.ts";
import type { DriftView } from "../views/drift-badge.tsx";
import { driftView } from "./drift-views.ts";
import { getServerRow, isBusy } from "./actions/servers.ts";
import { nodeNearCapacity, type Usage } from "./actions/usage.ts";
import type { Actor, Deps } from "./env.ts";

/** Owner emails, for admins and viewers who see everyone's objects (their own stay unnamed). */
export function ownersFor(deps: Deps, actor: Actor): Map<string, string> | undefined {
  if (!actor.scope.all) return undefined;
  return new Map(listUsers(deps.db).filter((u) => u.id !== actor.user.id).map((u) => [u.id, u.email]));
}

const factsOf = (raw: unknown): Facts | null => (raw && typeof raw === "object" ? (raw as Facts) : null);

const serverNodeView = (node: Node): ServerNodeView => ({
  id: node.id,
  address: node.address,
  sshPort: node.sshPort,
  sshUser: node.sshUser,
  hostKeyFingerprint: node.hostKeyFingerprint,
  facts: factsOf(node.facts),
  state: node.state,
  stateReason: node.stateReason,
  checkedAt: node.checkedAt,
});

/** The owner's email for readers who see everyone's objects; their own stay unnamed. */
const ownerShown = (actor: Actor, userId: string, email: string) => (actor.scope.all && userId !== actor.user.id ? email : undefined);

/**
 * A server as its list row shows it, with its drift as the list read it for the whole page (the
 * gateway's entry points and the whole drift card are its own page's: serverViewOf).
 */
export function serverView(actor: Actor, row: ServerListRow, drift?: DriftView): ServerView {
  const { server: s, node } = row;
  return {
    id: s.id,
    name: s.name,
    stack: s.stack,
    cloud: s.cloud,
    cloudLabel: cloudLabel(s.cloud),
    region: s.region,
    size: s.size,
    image: s.image,
    firewallPorts: firewallPortsOf(s),
    status: s.status,
    busy: isBusy(s),
    priceMonthly: s.priceMonthly,
    currency: typeof s.spec.currency === "string" ? s.spec.currency : undefined,
    createdAt: s.createdAt,
    owner: ownerShown(actor, s.userId, row.ownerEmail),
    error: s.errorReason ? { reason: s.errorReason, code: s.errorCode, action: s.errorAction, retryable: s.retryable } : undefined,
    credential: s.credentialId ? { id: s.credentialId, name: row.credentialName ?? "(not visible to you)" } : null,
    node: node ? serverNodeView(node) : undefined,
    drift,
  };
}

/** One server's view, for its own pages. */
export function serverViewOf(deps: Deps, actor: Actor, s: Server): ServerView {
  const row = getServerRow(deps, actor, s.id);
  return { ...serverView(actor, row, driftView(deps, { server: s })), gateway: gatewayEntryOf(deps, s, row.node ?? undefined) };
}

/**
 * A node as the Nodes list shows it, with its server's drift and its latest use as the list read
 * them for the whole page.
 */
export function nodeView(actor: Actor, row: NodeListRow, drift?: DriftView, usage?: Usage): NodeView {
  const n = row.node;
  return {
    id: n.id,
    name: n.name,
    serverId: n.serverId,
    address: n.address,
    sshPort: n.sshPort,
    sshUser: n.sshUser,
    cloudLabel: n.cloud ? cloudLabel(n.cloud) : null,
    region: n.region,
    size: n.size,
    facts: factsOf(n.facts),
    state: n.state,
    stateReason: n.stateReason,
    checkedAt: n.checkedAt,
    checkable: row.serverStatus ? serverPolicy.nodeCheckable(row.serverStatus) : false,
    owner: ownerShown(actor, n.userId, row.ownerEmail),
    deployments: row.deployments,
    drift,
    driftedApps: row.driftedApps,
    pool: n.pool,
    usage,
    near: nodeNearCapacity(n, usage),
  };
}

export const operationView = (o: Operation): OperationView => ({
  id: o.id,
  kind: o.kind,
  params: o.params,
  status: o.status,
  createdAt: o.createdAt,
  startedAt: o.startedAt,
  finishedAt: o.finishedAt,
  error: o.error,
});

/**
 * The actor's credentials that can create servers (others' are named by owner), and the clouds
 * of those that cannot yet.
 */
/** The clouds where Hoist can create servers, by label ("A", "A or B"). */
export const serverCloudsLabel = () => listOr(clouds.filter((c) => c.servers).map((c) => c.label));
const listOr = (xs: string[]) => (xs.length < 2 ? xs.join("") : `${xs.slice(0, -1).join(", ")} or ${xs.at(-1)}`);

export function credentialPicks(deps: Deps, actor: Actor): { picks: CredentialPick[]; otherClouds: string[] } {
  const all = listCredentials(deps, actor);
  const owners = ownersFor(deps, actor);
  const canCreate = (cloud: string) => findCloud(cloud)?.servers !== undefined;
  const picks = all
    .filter((c) => canCreate(c.cloud))
    .map((c) => ({
      id: c.id,
      name: owners?.get(c.userId) ? `${c.name} (${owners.get(c.userId)})` : c.name,
      cloud: c.cloud,
      cloudLabel: cloudLabel(c.cloud),
      validity: c.validity,
      validityReason: c.validityReason,
    }));
  const otherClouds = [...new Set(all.filter((c) => !canCreate(c.cloud)).map((c) => cloudLabel(c.cloud)))];
  return { picks, otherClouds };
}

/** Credentials of the server's cloud, for when its own was deleted. */
export function sameCloudCredentials(deps: Deps, actor: Actor, server: ServerView) {
  return server.credential ? [] : listCredentials(deps, actor).filter((c) => c.cloud === server.cloud).map((c) => ({ id: c.id, name: c.name }));
}
