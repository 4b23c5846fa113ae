// Each fault the emulator can inject, as the Hetzner API would really answer it, asserted on status
// and message; and the control API that arms them by hand.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { startHetznerEmulator, type HetznerEmulator } from "./emulator.ts";
import { apiClient, type ApiClient } from "./test-client.ts";

let hosts: HostPool;
let emu: HetznerEmulator;
let api: ApiClient;
let control: string;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startHetznerEmulator({ hosts, actionMs: 50 });
  api = apiClient(emu);
  control = emu.url.replace(/\/v1$/, "/_emulator");
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
});

const server = (name: string) => ({ name, server_type: "cx22", image: "ubuntu-24.04", location: "fsn1" });

describe("faults", () => {
  it("reject-token: a valid token gets the 401 body, for as many calls as armed", async () => {
    emu.faults.set({ kind: "reject-token" }, { times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await api.get("/servers");
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: "unauthorized", message: "unable to authenticate", details: null } });
    }
    expect((await api.get("/servers")).status).toBe(200);
  });

  it("rate-limit: 429 rate_limit_exceeded with RateLimit headers", async () => {
    emu.faults.set({ kind: "rate-limit", retryAfterSeconds: 30 }, { times: 1 });
    const res = await api.get("/locations");
    expect(res.status).toBe(429);
    expect(res.body.error).toEqual({ code: "rate_limit_exceeded", message: "limit of 3600 requests per hour reached", details: null });
    expect(res.headers.get("ratelimit-limit")).toBe("3600");
    expect(res.headers.get("ratelimit-remaining")).toBe("0");
    expect(res.headers.get("x-correlation-id")).toMatch(/^[0-9a-f]{16}$/);
    const reset = Number(res.headers.get("ratelimit-reset"));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 29);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 31);
    expect((await api.get("/locations")).status).toBe(200);
  });

  it("quota: POST /servers is refused with resource_limit_exceeded and creates nothing", async () => {
    emu.faults.set({ kind: "quota" });
    try {
      const before = emu.state.servers().length;
      const res = await api.post("/servers", server("over-quota"));
      expect(res.status).toBe(403);
      expect(res.body.error).toEqual({ code: "resource_limit_exceeded", message: "server limit exceeded", details: null });
      expect(emu.state.servers()).toHaveLength(before);
      expect((await api.get("/locations")).status).toBe(200);
    } finally {
      emu.faults.clear("quota");
    }
  });

  it("action-fails: the create is accepted, its action ends in error, and the server stays deletable", async () => {
    emu.faults.set({ kind: "action-fails", message: "error during placement", code: "resource_unavailable" }, { times: 1 });
    const res = await api.post("/servers", server("placement-fails"));
    expect(res.status).toBe(201);
    expect(res.body.action.status).toBe("running");
    const action = await api.settle(res.body.action.id);
    expect(action).toMatchObject({ status: "error", progress: 100, error: { code: "resource_unavailable", message: "error during placement" } });
    expect((await api.settle(res.body.next_actions[0].id)).status).toBe("error");
    const left = (await api.get(`/servers/${res.body.server.id}`)).body.server;
    expect(left.status).toBe("off");
    const del = await api.del(`/servers/${left.id}`);
    expect((await api.settle(del.body.action.id)).status).toBe("success");
    expect((await api.get(`/servers/${left.id}`)).status).toBe(404);
  });

  it("action-fails without details uses a generic action error", async () => {
    emu.faults.set({ kind: "action-fails" }, { times: 1 });
    const res = await api.post("/servers", server("generic-fail"));
    expect((await api.settle(res.body.action.id)).error).toEqual({ code: "action_failed", message: "Action failed" });
    await api.settle((await api.del(`/servers/${res.body.server.id}`)).body.action.id);
  });

  it("slow-actions: actions keep running, with growing progress, for the given time", async () => {
    emu.faults.set({ kind: "slow-actions", ms: 1500 }, { times: 1 });
    const t0 = Date.now();
    const res = await api.post("/servers", server("slow-one"));
    await new Promise((r) => setTimeout(r, 700));
    const mid = (await api.get(`/actions/${res.body.action.id}`)).body.action;
    expect(mid.status).toBe("running");
    expect(mid.progress).toBeGreaterThan(20);
    expect(mid.progress).toBeLessThan(100);
    const done = await api.settle(res.body.action.id);
    expect(done.status).toBe("success");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    await api.settle(res.body.next_actions[0].id);
    await api.settle((await api.del(`/servers/${res.body.server.id}`)).body.action.id);
  });

  it("catalog-down 5xx: catalog endpoints answer 503 service_error, the rest works", async () => {
    emu.faults.set({ kind: "catalog-down", mode: "5xx" });
    try {
      for (const path of ["/locations", "/datacenters", "/server_types?name=cx22", "/images?name=debian-12", "/pricing", "/server_types/104"]) {
        const res = await api.get(path);
        expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 503, code: "service_error" });
      }
      expect((await api.get("/servers")).status).toBe(200);
    } finally {
      emu.faults.clear("catalog-down");
    }
  });

  it("catalog-down timeout: no answer until the client gives up, and stop() still closes the socket", async () => {
    const own = await startHetznerEmulator({ hosts });
    own.faults.set({ kind: "catalog-down", mode: "timeout" });
    const t0 = Date.now();
    const err = await fetch(`${own.url}/server_types`, { headers: { Authorization: `Bearer ${own.token}` }, signal: AbortSignal.timeout(500) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).toBe("TimeoutError");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);

    // A raw client that never gives up: stop() must not wait for it.
    const port = Number(new URL(own.url).port);
    const sock = net.connect({ host: "127.0.0.1", port });
    await new Promise((r) => sock.once("connect", r));
    sock.write(`GET /v1/locations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${own.token}\r\n\r\n`);
    const closed = new Promise((r) => sock.once("close", r));
    await new Promise((r) => setTimeout(r, 100));
    const t1 = Date.now();
    await own.stop();
    await closed;
    expect(Date.now() - t1).toBeLessThan(3000);
  });
});

describe("control API", () => {
  it("arms and clears faults over HTTP, without auth", async () => {
    const armed = await fetch(`${control}/faults`, { method: "POST", body: JSON.stringify({ kind: "quota", times: 1 }) });
    expect(armed.status).toBe(200);
    expect(((await armed.json()) as { faults: unknown[] }).faults).toEqual([{ kind: "quota" }]);
    expect((await api.post("/servers", server("ctl-quota"))).status).toBe(403);
    expect((await api.post("/ssh_keys", { name: "x", public_key: "nope" })).status).toBe(400);

    await fetch(`${control}/faults`, { method: "POST", body: JSON.stringify({ kind: "catalog-down", mode: "5xx" }) });
    expect((await api.get("/locations")).status).toBe(503);
    const cleared = await fetch(`${control}/faults`, { method: "DELETE" });
    expect(((await cleared.json()) as { faults: unknown[] }).faults).toEqual([]);
    expect((await api.get("/locations")).status).toBe(200);

    const bad = await fetch(`${control}/faults`, { method: "POST", body: JSON.stringify({ kind: "meteor" }) });
    expect(bad.status).toBe(400);
  });

  it("shows the state and kills a server out of band", async () => {
    const { id } = await api.createServer({ name: "ctl-kill" });
    const state = (await (await fetch(`${control}/state`)).json()) as { servers: { id: number }[] };
    expect(state.servers.map((s: { id: number }) => s.id)).toContain(id);
    expect(state).toHaveProperty("faults");

    expect((await fetch(`${control}/servers/${id}/kill`, { method: "POST" })).status).toBe(204);
    expect((await api.get(`/servers/${id}`)).body.server.status).toBe("off");
    expect(emu.host(id)?.running).toBe(false);
    expect((await fetch(`${control}/servers/999999/kill`, { method: "POST" })).status).toBe(404);
  });

  it("applies the other out-of-band changes", async () => {
    const res = await api.post("/servers", server("oob"));
    const id = res.body.server.id;
    emu.outOfBand.changeType(id, "cx42");
    emu.outOfBand.rename(id, "oob-renamed");
    expect((await api.get(`/servers/${id}`)).body.server).toMatchObject({ name: "oob-renamed", server_type: { name: "cx42" } });
    await emu.outOfBand.delete(id);
    expect((await api.get(`/servers/${id}`)).status).toBe(404);
  });
});
