import { describe, expect, it } from "vitest";
import type { Allocation } from "../state/gateway-allocations.ts";
import type { RouteRow } from "../state/gateway-routes.ts";
import type { Node } from "../state/nodes.ts";
import type { Server } from "../state/servers.ts";
import type { ServerStatus } from "../state/statuses.ts";
import { desiredModel, runtimeChanges, shapeOf, type ModelInput } from "./model.ts";

const allocation = (serverId: string, slug: string, sshPort: number, tcpFirst: number) => ({ id: `a-${serverId}`, serverId, slug, sshPort, tcpFirst, createdAt: new Date(0), releasedAt: null }) as Allocation;
const server = (id: string, status: ServerStatus) => ({ id, status }) as Server;
const node = (address: string) => ({ address, sshPort: 22 }) as Node;
const route = (hostname: string, backends: RouteRow["backends"]): RouteRow => ({ id: hostname, deploymentId: `d-${hostname}`, hostname, health: { type: "http", path: "/health" }, backends, createdAt: new Date(0), updatedAt: null });

function input(status: ServerStatus, address = "127.0.5.5", routes: RouteRow[] = []): ModelInput {
  return {
    domain: "gw.example.com",
    allocations: [allocation("s1", "abc123", 20001, 30010)],
    servers: new Map([["s1", server("s1", status)]]),
    nodes: new Map([["s1", node(address)]]),
    routes,
  };
}

describe("the gateway's model", () => {
  it("forward a running server's SSH port, TCP block and hostname to its node", () => {
    const m = desiredModel(input("ready"));
    expect(m.tcp).toEqual([
      { name: "ssh_abc123", ports: { first: 20001, last: 20001 }, target: { address: "127.0.5.5", port: 22 } },
      { name: "tcp_abc123", ports: { first: 30010, last: 30019 }, target: { address: "127.0.5.5" } },
    ]);
    expect(m.backends).toEqual([{ name: "srv_abc123", hostname: "abc123.gw.example.com", servers: [{ name: "node", address: "127.0.5.5", port: 80, weight: 100 }], unavailable: undefined }]);
    expect(m.hosts).toEqual([["abc123.gw.example.com", "srv_abc123"]]);
  });

  it("keep a server's entry points, refusing, while it does not run (stopped, failed, being made)", () => {
    for (const status of ["pending", "creating", "configuring", "stopping", "stopped", "starting", "failed", "destroying"] as const) {
      const m = desiredModel(input(status));
      expect(m.tcp.map((t) => [t.name, t.target])).toEqual([
        ["ssh_abc123", undefined],
        ["tcp_abc123", undefined],
      ]);
      expect(m.backends[0]).toMatchObject({ servers: [], unavailable: `This server is ${status}; the gateway forwards to it while it runs.` });
    }
    expect(desiredModel(input("updating")).tcp[0]!.target).toBeDefined();
  });

  it("never forward to an address that is not IPv4", () => {
    expect(desiredModel(input("ready", "evil\n  server x 1.2.3.4:22")).tcp[0]!.target).toBeUndefined();
  });

  it("route an app's hostname to its copies with their weights", () => {
    const m = desiredModel(input("ready", "127.0.5.5", [route("shop-x1y2z3", { a: { address: "127.0.6.1", port: 8000, weight: 100 }, b: { address: "127.0.6.2", port: 8000, weight: 0 } })]));
    expect(m.backends[1]).toEqual({
      name: "app_shop-x1y2z3",
      hostname: "shop-x1y2z3.gw.example.com",
      servers: [
        { name: "a", address: "127.0.6.1", port: 8000, weight: 100 },
        { name: "b", address: "127.0.6.2", port: 8000, weight: 0 },
      ],
      health: { type: "http", path: "/health" },
      unavailable: undefined,
    });
    expect(m.hosts[1]).toEqual(["shop-x1y2z3.gw.example.com", "app_shop-x1y2z3"]);
  });

  it("tell in-place changes (addresses, weights) from ones that need a reload", () => {
    const one = route("shop-x1y2z3", { a: { address: "127.0.6.1", port: 8000, weight: 100 }, b: { address: "127.0.6.2", port: 8000, weight: 0 } });
    const swapped = route("shop-x1y2z3", { a: { address: "127.0.6.1", port: 8000, weight: 0 }, b: { address: "127.0.6.2", port: 8000, weight: 100 } });
    const [before, after] = [desiredModel(input("ready", "127.0.5.5", [one])), desiredModel(input("ready", "127.0.5.5", [swapped]))];
    expect(shapeOf(after)).toBe(shapeOf(before));
    // The new copy is raised before the old one is lowered.
    expect(runtimeChanges(before, after)).toEqual([
      { backend: "app_shop-x1y2z3", server: "b", address: "127.0.6.2", port: 8000, weight: 100 },
      { backend: "app_shop-x1y2z3", server: "a", address: "127.0.6.1", port: 8000, weight: 0 },
    ]);
    // A node that moved is changed in place too.
    const moved = desiredModel(input("ready", "127.0.5.9"));
    expect(shapeOf(moved)).toBe(shapeOf(desiredModel(input("ready"))));
    expect(runtimeChanges(desiredModel(input("ready")), moved).map((c) => [c.backend, c.address, c.port])).toEqual([
      ["srv_abc123", "127.0.5.9", 80],
      ["ssh_abc123", "127.0.5.9", 22],
      ["tcp_abc123", "127.0.5.9", undefined],
    ]);
    // A server that stops, or a copy that leaves, needs a reload.
    expect(shapeOf(desiredModel(input("stopped")))).not.toBe(shapeOf(desiredModel(input("ready"))));
    expect(shapeOf(desiredModel(input("ready", "127.0.5.5", [route("shop-x1y2z3", { b: swapped.backends.b })])))).not.toBe(shapeOf(after));
    expect(runtimeChanges(after, after)).toEqual([]);
  });
});
