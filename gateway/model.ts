// What the proxy should do, as data: computed from the database rows by a pure function, then
// rendered into HAProxy's configuration (haproxy-config.ts). A server's entry points exist for as
// long as its allocation does (its ports stay bound, so nothing else can take them); they forward
// to its node only while the server runs.
import net from "node:net";
import type { Allocation } from "../state/gateway-allocations.ts";
import { TCP_BLOCK } from "../state/gateway-allocations.ts";
import type { RouteHealth, RouteRow } from "../state/gateway-routes.ts";
import { SLOTS } from "../state/gateway-routes.ts";
import type { Node } from "../state/nodes.ts";
import type { Server } from "../state/servers.ts";
import type { ServerStatus } from "../state/statuses.ts";

/** A server answers through the gateway in these statuses (an update keeps it running). */
export const routedStatuses: readonly ServerStatus[] = ["ready", "updating"];

/** HTTP(S) requests for a server's slug hostname go to this port of its node. */
export const SERVER_HTTP_PORT = 80;

/** A backend's active copy gets this weight; a copy being checked or drained gets 0. */
export const ACTIVE_WEIGHT = 100;

export interface Target {
  address: string;
  /** Absent: the port the client connected to (a forwarded TCP block). */
  port?: number;
}

/** A TCP listener (one port or a block) forwarded to one target, or refusing while there is none. */
export interface TcpEntry {
  name: string;
  ports: { first: number; last: number };
  target?: Target;
}

export interface BackendServer {
  name: string;
  address: string;
  port: number;
  weight: number;
}

/** Where requests for some hostnames go: servers (health-checked when `health` is set), or a refusal. */
export interface HttpBackend {
  name: string;
  /** The hostname health checks send. */
  hostname: string;
  servers: BackendServer[];
  health?: RouteHealth;
  /** When there is no server: 503 and why. */
  unavailable?: string;
}

export interface ProxyModel {
  tcp: TcpEntry[];
  backends: HttpBackend[];
  /** Full hostname → backend name. */
  hosts: [string, string][];
}

export interface ModelInput {
  domain: string;
  allocations: Allocation[];
  servers: Map<string, Server>;
  /** Nodes by server id. */
  nodes: Map<string, Node>;
  routes: RouteRow[];
}

/** Whether the gateway forwards to the server's node now. */
export function isRouted(server: Pick<Server, "status"> | undefined, node: Pick<Node, "address"> | undefined): boolean {
  return !!server && !!node && routedStatuses.includes(server.status) && net.isIPv4(node.address);
}

export function desiredModel(input: ModelInput): ProxyModel {
  const model: ProxyModel = { tcp: [], backends: [], hosts: [] };
  // Sorted, so that the same rows always render the same configuration.
  for (const a of [...input.allocations].sort((x, y) => x.sshPort - y.sshPort)) {
    const server = input.servers.get(a.serverId);
    const node = input.nodes.get(a.serverId);
    const routed = isRouted(server, node);
    model.tcp.push({ name: `ssh_${a.slug}`, ports: { first: a.sshPort, last: a.sshPort }, target: routed ? { address: node!.address, port: node!.sshPort } : undefined });
    model.tcp.push({ name: `tcp_${a.slug}`, ports: { first: a.tcpFirst, last: a.tcpFirst + TCP_BLOCK - 1 }, target: routed ? { address: node!.address } : undefined });
    const hostname = `${a.slug}.${input.domain}`;
    model.backends.push({
      name: `srv_${a.slug}`,
      hostname,
      servers: routed ? [{ name: "node", address: node!.address, port: SERVER_HTTP_PORT, weight: ACTIVE_WEIGHT }] : [],
      unavailable: routed ? undefined : `This server is ${server?.status ?? "gone"}; the gateway forwards to it while it runs.`,
    });
    model.hosts.push([hostname, `srv_${a.slug}`]);
  }
  for (const r of [...input.routes].sort((x, y) => x.hostname.localeCompare(y.hostname))) {
    const hostname = `${r.hostname}.${input.domain}`;
    const servers = SLOTS.flatMap((slot) => {
      const b = r.backends[slot];
      return b && net.isIPv4(b.address) ? [{ name: slot, address: b.address, port: b.port, weight: b.weight }] : [];
    });
    model.backends.push({ name: `app_${r.hostname}`, hostname, servers, health: r.health, unavailable: servers.length ? undefined : "No copy of this app is running." });
    model.hosts.push([hostname, `app_${r.hostname}`]);
  }
  return model;
}

/**
 * The model without what the runtime API can change in place (servers' addresses, ports and
 * weights): when two models have the same shape, no reload is needed to go from one to the other.
 */
export function shapeOf(model: ProxyModel): string {
  return JSON.stringify({
    tcp: model.tcp.map((t) => ({ ...t, target: t.target ? { port: t.target.port === undefined ? "client" : "fixed" } : undefined })),
    backends: model.backends.map((b) => ({ ...b, servers: b.servers.map((s) => s.name) })),
    hosts: model.hosts,
  });
}

/** A runtime change: one server's address, port and weight. */
export interface ServerChange {
  backend: string;
  server: string;
  address: string;
  port?: number;
  weight?: number;
}

/**
 * The runtime changes that turn `from` into `to`, two models of the same shape: weights raised
 * first and lowered last, so that a switch never leaves a backend without a server taking traffic.
 */
export function runtimeChanges(from: ProxyModel, to: ProxyModel): ServerChange[] {
  const changes: ServerChange[] = [];
  to.tcp.forEach((t, i) => {
    const before = from.tcp[i]?.target;
    if (t.target && (before?.address !== t.target.address || before?.port !== t.target.port)) changes.push({ backend: t.name, server: "node", address: t.target.address, port: t.target.port });
  });
  to.backends.forEach((b, i) => {
    for (const s of b.servers) {
      const before = from.backends[i]?.servers.find((x) => x.name === s.name);
      if (before?.address === s.address && before?.port === s.port && before?.weight === s.weight) continue;
      changes.push({ backend: b.name, server: s.name, address: s.address, port: s.port, weight: s.weight });
    }
  });
  return changes.sort((x, y) => (y.weight ?? 0) - (x.weight ?? 0));
}
