// A deployment's gateway route from its spec: the port its HTTP health check asks (else its web
// port, else its first TCP port), checked as its entry says, named for the deployment.
import { describe, expect, it } from "vitest";
import type { AppSpec } from "../stacks/app.ts";
import { routeSpecOf, targetOf } from "./app-route.ts";

const base: AppSpec = {
  deploymentId: "d1",
  slug: "shop-1a2b",
  image: "nginx",
  tag: "1",
  network: "bridge",
  address: "10.0.0.5",
  ports: [
    { name: "metrics", container: 9100, host: 9100, protocol: "tcp" },
    { name: "web", container: 80, host: 8080, protocol: "tcp" },
  ],
  env: {},
  command: [],
  volumes: [],
  health: { http: { port: "web", path: "/healthz" } },
};

describe("a deployment's route", () => {
  it("goes to the node's address and the port the HTTP health check asks, checked on its path", () => {
    expect(routeSpecOf({ name: "shop" }, base)).toEqual({ name: "shop", target: { address: "10.0.0.5", port: 8080 }, health: { type: "http", path: "/healthz" } });
  });

  it("with a TCP health check, goes to the web port (else the first TCP one), checked by a connect", () => {
    expect(routeSpecOf({ name: "shop" }, { ...base, health: { tcp: { port: "metrics" } } })).toEqual({ name: "shop", target: { address: "10.0.0.5", port: 8080 }, health: { type: "tcp" } });
    const noWeb = { ...base, ports: [{ name: "echo", container: 7, host: 7007, protocol: "tcp" as const }], health: { tcp: { port: "echo" } } };
    expect(targetOf(noWeb)).toEqual({ address: "10.0.0.5", port: 7007 });
  });

  it("has none without a TCP port, and names a deployment starting with a digit so the hostname starts with a letter", () => {
    expect(routeSpecOf({ name: "dns" }, { ...base, ports: [{ name: "dns", container: 53, host: 53, protocol: "udp" }], health: { tcp: { port: "dns" } } })).toBeUndefined();
    expect(routeSpecOf({ name: "2048" }, base)!.name).toBe("app-2048");
  });
});
