import { describe, expect, it } from "vitest";
import { loadConfig } from "../server/config.ts";
import { openDb } from "../state/db.ts";
import { routeOfDeployment } from "../state/gateway-routes.ts";
import { GatewayOffError, GatewayRoutes, RouteSpecError, type RouteSpec } from "./routes.ts";

/** Routes over a real database, with a gateway that is not running (each sync is counted). */
function routes() {
  const db = openDb(":memory:");
  const host = { running: false, settings: loadConfig({}, "/srv").gateway, files: { apiSocket: "/nonexistent" }, syncs: 0, sync: async () => void host.syncs++ };
  return { db, host, routes: new GatewayRoutes(host, db) };
}

const shop: RouteSpec = { name: "shop", target: { address: "127.0.6.1", port: 8000 }, health: { type: "http", path: "/health" } };

describe("app routes", () => {
  it("store a hostname that stays across updates, and ask the gateway to follow", async () => {
    const { db, host, routes: r } = routes();
    const made = await r.declare("dep-1", shop);
    expect(made).toMatchObject({ deploymentId: "dep-1", target: { address: "127.0.6.1", port: 8000 }, health: { type: "http", path: "/health" } });
    expect(made.hostname).toMatch(/^shop-[a-z][a-z0-9]{5}\.gw\.localhost$/);
    expect(made.https).toBe(`https://${made.hostname}:8443`);
    const moved = await r.declare("dep-1", { ...shop, target: { address: "127.0.6.2", port: 9000 }, health: { type: "tcp" } });
    expect(moved.hostname).toBe(made.hostname);
    expect(routeOfDeployment(db, "dep-1")!.backends).toEqual({ a: { address: "127.0.6.2", port: 9000, weight: 100 } });
    await r.remove("dep-1");
    expect(r.info("dep-1")).toBeUndefined();
    expect(host.syncs).toBe(3);
  });

  it("refuse names, targets and health paths that could not be routed safely, naming the field", async () => {
    const { routes: r } = routes();
    const refused = async (spec: unknown) => {
      try {
        await r.declare("dep-x", spec as RouteSpec);
      } catch (err) {
        expect(err).toBeInstanceOf(RouteSpecError);
        return (err as RouteSpecError).fields.map((f) => f.field);
      }
      throw new Error("accepted");
    };
    expect(await refused({ ...shop, name: "Shop Front" })).toEqual(["name"]);
    expect(await refused({ ...shop, name: "a".repeat(43) })).toEqual(["name"]);
    expect(await refused({ ...shop, target: { address: "db.internal", port: 8000 } })).toEqual(["target.address"]);
    expect(await refused({ ...shop, target: { address: "127.0.6.1", port: 70000 } })).toEqual(["target.port"]);
    expect(await refused({ ...shop, health: { type: "http", path: "/health\n  server evil 1.2.3.4:80" } })).toEqual(["health.path"]);
    expect(await refused({ ...shop, health: { type: "http", path: "/a b" } })).toEqual(["health.path"]);
    expect(await refused({ ...shop, health: { type: "udp" } })).toEqual(["health.type"]);
  });

  it("switch only through a running gateway (health checks and draining need it)", async () => {
    const { routes: r } = routes();
    await r.declare("dep-1", shop);
    await expect(r.switch("dep-1", { address: "127.0.6.2", port: 8000 })).rejects.toThrow(GatewayOffError);
  });
});
