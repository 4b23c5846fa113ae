// Each fault the emulator injects produces DigitalOcean's real error (status, body, headers),
// promptly; the control API (`/_emulator/*`) arms faults and changes droplets out of band.
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { startDigitalOceanEmulator, type DigitalOceanEmulator, type EmulatorSnapshot } from "./emulator.ts";
import { apiClient, type ApiClient } from "./test-client.ts";

let hosts: HostPool;
let emu: DigitalOceanEmulator;
let api: ApiClient;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startDigitalOceanEmulator({ hosts, timing: { bootMs: 150, actionMs: 50 } });
  api = apiClient(emu);
});

afterEach(() => emu.faults.clear());

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
});

const DROPLET = { name: "web-1", region: "nyc3", size: "s-1vcpu-1gb", image: "ubuntu-22-04-x64" };

function listening(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port: 22 });
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
  });
}

describe("faults", () => {
  it("reject-token: 401 Unable to authenticate you, for as many calls as armed", async () => {
    emu.faults.set({ kind: "reject-token" }, { times: 2 });
    for (const path of ["/v2/account", "/v2/droplets"]) {
      const res = await api.get(path);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ id: "Unauthorized", message: "Unable to authenticate you" });
    }
    expect((await api.get("/v2/account")).status).toBe(200);
  });

  it("rate-limit: 429 too_many_requests with Retry-After and an exhausted budget", async () => {
    emu.faults.set({ kind: "rate-limit", retryAfterSeconds: 7 }, { times: 1 });
    const res = await api.post("/v2/droplets", DROPLET);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ id: "too_many_requests", message: "API Rate limit exceeded." });
    expect(res.headers.get("retry-after")).toBe("7");
    expect(res.headers.get("ratelimit-remaining")).toBe("0");
    expect(res.headers.get("ratelimit-limit")).toBe("5000");
    expect(emu.state.droplets.size).toBe(0);
    expect((await api.get("/v2/account")).status).toBe(200);
  });

  it("quota: creating a droplet answers 422 with the droplet-limit message", async () => {
    emu.faults.set({ kind: "quota" });
    const res = await api.post("/v2/droplets", DROPLET);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ id: "unprocessable_entity", message: "creating this/these droplet(s) will exceed your droplet limit" });
    expect((await api.get("/v2/sizes")).status).toBe(200);
  });

  it("quota: the account's own droplet limit gives the same answer", async () => {
    const limit = emu.state.dropletLimit;
    emu.state.dropletLimit = emu.state.droplets.size;
    try {
      const res = await api.post("/v2/droplets", DROPLET);
      expect(res.status).toBe(422);
      expect(res.body.message).toBe("creating this/these droplet(s) will exceed your droplet limit");
    } finally {
      emu.state.dropletLimit = limit;
    }
  });

  it("action-fails: the create is accepted, then the droplet flips from new to off and the action errors", async () => {
    emu.faults.set({ kind: "action-fails", message: "no capacity in nyc3" }, { times: 1 });
    const res = await api.post("/v2/droplets", DROPLET);
    expect(res.status).toBe(202);
    expect(res.body.droplet.status).toBe("new");
    const action = await api.settle(res.body.links.actions[0].id);
    expect(action.status).toBe("errored");
    const droplet = (await api.get(`/v2/droplets/${res.body.droplet.id}`)).body.droplet;
    expect(droplet.status).toBe("off");
    expect(droplet.networks.v4).toEqual([]);
    expect(emu.snapshot().actions.find((a) => a.id === action.id)).toMatchObject({ status: "errored", error: "no capacity in nyc3" });
    expect(emu.hostOf(droplet.id)).toBeUndefined();
  });

  it("action-fails with code archive: the droplet flips to archive", async () => {
    emu.faults.set({ kind: "action-fails", code: "archive" }, { times: 1 });
    const res = await api.post("/v2/droplets", DROPLET);
    await api.settle(res.body.links.actions[0].id);
    expect((await api.get(`/v2/droplets/${res.body.droplet.id}`)).body.droplet.status).toBe("archive");
  });

  it("slow-actions: a create stays new until the slow action completes", async () => {
    emu.faults.set({ kind: "slow-actions", ms: 1500 }, { times: 1 });
    const t0 = Date.now();
    const res = await api.post("/v2/droplets", DROPLET);
    await new Promise((r) => setTimeout(r, 500));
    expect((await api.get(`/v2/droplets/${res.body.droplet.id}`)).body.droplet.status).toBe("new");
    await api.until(res.body.droplet.id, "active");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
  });

  it("catalog-down 5xx: regions, sizes and images answer 503; other endpoints work", async () => {
    emu.faults.set({ kind: "catalog-down", mode: "5xx" });
    for (const path of ["/v2/regions", "/v2/sizes", "/v2/images?type=distribution"]) {
      const res = await api.get(path);
      expect(res.status, path).toBe(503);
      expect(res.body).toMatchObject({ id: "service_unavailable", message: expect.any(String), request_id: expect.any(String) });
    }
    expect((await api.get("/v2/account")).status).toBe(200);
  });

  it("catalog-down timeout: the request gets no answer, and stop() still closes its socket", async () => {
    const own = await startDigitalOceanEmulator({ hosts });
    own.faults.set({ kind: "catalog-down", mode: "timeout" });
    let settled = false;
    const pending = apiClient(own)
      .get("/v2/sizes")
      .then(
        (r) => `answered ${r.status}`,
        (e: Error) => `failed: ${e.message}`,
      )
      .finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 1000));
    expect(settled).toBe(false);
    const t0 = Date.now();
    await own.stop();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await pending).toMatch(/^(failed|answered 503)/);
  });
});

describe("control API", () => {
  it("arms and clears faults over HTTP", async () => {
    const arm = await fetch(`${emu.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ kind: "quota", times: 1 }) });
    expect(arm.status).toBe(201);
    expect(((await arm.json()) as { faults: unknown[] }).faults).toEqual([{ kind: "quota" }]);
    expect((await api.post("/v2/droplets", DROPLET)).status).toBe(422);
    expect(emu.faults.list()).toEqual([]);

    await fetch(`${emu.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ kind: "reject-token" }) });
    expect((await api.get("/v2/account")).status).toBe(401);
    expect((await fetch(`${emu.url}/_emulator/faults`, { method: "DELETE" })).status).toBe(204);
    expect((await api.get("/v2/account")).status).toBe(200);

    const bad = await fetch(`${emu.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ kind: "meteor" }) });
    expect(bad.status).toBe(400);
  });

  it("dumps the state and kills, resizes, renames and deletes droplets out of band", async () => {
    const res = await api.post("/v2/droplets", { ...DROPLET, name: "oob", user_data: "#cloud-config\n" });
    const id = res.body.droplet.id;
    const active = await api.until(id, "active");
    const address = active.networks.v4[0].ip_address;

    const state = (await (await fetch(`${emu.url}/_emulator/state`)).json()) as EmulatorSnapshot;
    expect(state.droplets.find((d) => d.id === id)).toMatchObject({ name: "oob", status: "active", user_data: "#cloud-config\n" });

    expect((await fetch(`${emu.url}/_emulator/droplets/${id}/kill`, { method: "POST" })).status).toBe(204);
    expect((await api.get(`/v2/droplets/${id}`)).body.droplet.status).toBe("off");
    expect(await listening(address)).toBe(false);

    await fetch(`${emu.url}/_emulator/droplets/${id}/resize`, { method: "POST", body: JSON.stringify({ size: "s-4vcpu-8gb" }) });
    await fetch(`${emu.url}/_emulator/droplets/${id}/rename`, { method: "POST", body: JSON.stringify({ name: "changed" }) });
    expect((await api.get(`/v2/droplets/${id}`)).body.droplet).toMatchObject({ name: "changed", size_slug: "s-4vcpu-8gb", memory: 8192 });

    expect((await fetch(`${emu.url}/_emulator/droplets/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api.get(`/v2/droplets/${id}`)).status).toBe(404);
    expect((await fetch(`${emu.url}/_emulator/droplets/${id}/kill`, { method: "POST" })).status).toBe(400);
  });
});
