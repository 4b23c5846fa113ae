// Conformance of the emulator's catalog and conventions: shapes per cloud-apis.md §1, pagination,
// rate-limit headers, the bearer auth and the error body.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { makeToken, startHetznerEmulator, type HetznerEmulator } from "./emulator.ts";
import { apiClient, type ApiClient } from "./test-client.ts";

let hosts: HostPool;
let emu: HetznerEmulator;
let api: ApiClient;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startHetznerEmulator({ hosts, actionMs: 50 });
  api = apiClient(emu);
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
});

const PRICE = { net: expect.stringMatching(/^\d+\.\d{10}$/), gross: expect.stringMatching(/^\d+\.\d{10}$/) };

describe("auth and conventions", () => {
  it("serves /v1 on 127.0.0.1 with a 64-character token", () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(emu.token).toMatch(/^[A-Za-z0-9]{64}$/);
  });

  it("answers a wrong or missing token with Hetzner's 401 body", async () => {
    for (const headers of [{ Authorization: `Bearer ${makeToken()}` }, {} as Record<string, string>]) {
      const res = await fetch(`${emu.url}/servers`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "unable to authenticate", details: null } });
    }
  });

  it("accepts tokens added later", async () => {
    const token = makeToken();
    expect((await apiClient(emu, token).get("/locations")).status).toBe(401);
    emu.addToken(token);
    expect((await apiClient(emu, token).get("/locations")).status).toBe(200);
  });

  it("sends a fresh X-Correlation-Id with every answer, errors included", async () => {
    const ok = await api.get("/locations");
    const refused = await apiClient(emu, makeToken()).get("/locations");
    expect(refused.status).toBe(401);
    const ids = [ok, refused].map((r) => r.headers.get("x-correlation-id"));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("sends rate-limit headers that count down", async () => {
    const a = await api.get("/locations");
    const b = await api.get("/locations");
    expect(a.headers.get("ratelimit-limit")).toBe("3600");
    expect(Number(a.headers.get("ratelimit-remaining"))).toBeLessThan(3600);
    // The bucket also refills (one request a second), so two quick calls never gain.
    expect(Number(b.headers.get("ratelimit-remaining"))).toBeLessThanOrEqual(Number(a.headers.get("ratelimit-remaining")));
    expect(Number(a.headers.get("ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
  });

  it("answers unknown paths and ids with not_found", async () => {
    expect(await api.get("/nothing-here")).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    expect(await api.get("/servers/424242")).toMatchObject({
      status: 404,
      body: { error: { code: "not_found", message: "server with ID '424242' not found", details: null } },
    });
  });

  it("answers a body that is not JSON with json_error", async () => {
    const res = await api.call("POST", "/ssh_keys", undefined, { body: "{nope", headers: { Authorization: `Bearer ${emu.token}`, "Content-Type": "application/json" } });
    expect(res).toMatchObject({ status: 400, body: { error: { code: "json_error" } } });
  });
});

describe("pagination", () => {
  it("pages with page/per_page and reports meta.pagination", async () => {
    const first = await api.get("/server_types?per_page=4");
    expect(first.body.server_types).toHaveLength(4);
    expect(first.body.meta.pagination).toEqual({ page: 1, per_page: 4, previous_page: null, next_page: 2, last_page: 3, total_entries: 11 });
    const last = await api.get("/server_types?per_page=4&page=3");
    expect(last.body.server_types).toHaveLength(3);
    expect(last.body.meta.pagination).toMatchObject({ page: 3, previous_page: 2, next_page: null });
  });

  it("defaults to 25 per page and caps per_page at 50", async () => {
    expect((await api.get("/locations")).body.meta.pagination.per_page).toBe(25);
    expect((await api.get("/locations?per_page=500")).body.meta.pagination.per_page).toBe(50);
  });
});

describe("catalog", () => {
  it("lists the locations with their network zones", async () => {
    const { body } = await api.get("/locations");
    expect(body.locations.map((l: { name: string }) => l.name)).toEqual(["fsn1", "nbg1", "hel1", "ash", "hil", "sin"]);
    expect(body.locations[0]).toEqual({
      id: 1,
      name: "fsn1",
      description: "Falkenstein DC Park 1",
      country: "DE",
      city: "Falkenstein",
      latitude: expect.any(Number),
      longitude: expect.any(Number),
      network_zone: "eu-central",
    });
    expect((await api.get("/locations?name=ash")).body.locations.map((l: { id: number }) => l.id)).toEqual([4]);
    expect((await api.get("/locations/6")).body.location.name).toBe("sin");
  });

  it("lists datacenters with their location and server types", async () => {
    const { body } = await api.get("/datacenters?name=fsn1-dc14");
    expect(body.datacenters).toHaveLength(1);
    const dc = body.datacenters[0];
    expect(dc.location.name).toBe("fsn1");
    expect(dc.server_types.available).toContain(104);
    expect((await api.get(`/datacenters/${dc.id}`)).body.datacenter.name).toBe("fsn1-dc14");
  });

  it("describes server types with cores, memory, disk and per-location prices as decimal strings", async () => {
    const { body } = await api.get("/server_types?name=cx22");
    const cx22 = body.server_types[0];
    expect(cx22).toMatchObject({ name: "cx22", cores: 2, memory: 4, disk: 40, architecture: "x86", cpu_type: "shared", storage_type: "local", deprecation: null });
    expect(cx22.prices.map((p: { location: string }) => p.location)).toEqual(["fsn1", "nbg1", "hel1"]);
    expect(cx22.prices[0]).toEqual({ location: "fsn1", price_hourly: PRICE, price_monthly: PRICE, included_traffic: expect.any(Number), price_per_tb_traffic: PRICE });
    expect(cx22.prices[0].price_monthly.net).toBe("3.7900000000");
    expect(Number(cx22.prices[0].price_monthly.gross)).toBeCloseTo(3.79 * 1.19, 6);
    expect(cx22.locations[0]).toEqual({ id: 1, name: "fsn1", deprecation: null, available: true, recommended: true });

    const names = (await api.get("/server_types")).body.server_types.map((t: { name: string }) => t.name);
    expect(names).toEqual(expect.arrayContaining(["cx22", "cx32", "cx42", "cpx11", "cpx21", "cax11"]));
    const cpx11 = (await api.get("/server_types?name=cpx11")).body.server_types[0];
    const ash = cpx11.prices.find((p: { location: string }) => p.location === "ash");
    const fsn = cpx11.prices.find((p: { location: string }) => p.location === "fsn1");
    expect(Number(ash.price_monthly.net)).toBeGreaterThan(Number(fsn.price_monthly.net));
    expect((await api.get(`/server_types/${cx22.id}`)).body.server_type.name).toBe("cx22");
  });

  it("keeps a retired plan listed, flagged and unavailable", async () => {
    const cx11 = (await api.get("/server_types?name=cx11")).body.server_types[0];
    expect(cx11).toMatchObject({ deprecated: true, deprecation: { unavailable_after: expect.any(String) } });
    expect(cx11.locations.every((l: { available: boolean }) => !l.available)).toBe(true);
    const fsn = (await api.get("/datacenters?name=fsn1-dc14")).body.datacenters[0].server_types;
    expect(fsn.supported).toContain(cx11.id);
    expect(fsn.available).not.toContain(cx11.id);
    const res = await api.post("/servers", { name: "retro", server_type: "cx11", image: "debian-12", location: "fsn1" });
    expect(res.body.error).toMatchObject({ code: "invalid_input", message: "unsupported location for server type" });
  });

  it("finds system images by name and architecture, hiding deprecated ones unless asked", async () => {
    const x86 = await api.get("/images?architecture=x86&include_deprecated=true&name=ubuntu-24.04");
    expect(x86.body.images).toHaveLength(1);
    expect(x86.body.images[0]).toMatchObject({ type: "system", status: "available", name: "ubuntu-24.04", architecture: "x86", os_flavor: "ubuntu", deprecated: null });
    const arm = await api.get("/images?architecture=arm&name=debian-12");
    expect(arm.body.images.map((i: { architecture: string }) => i.architecture)).toEqual(["arm"]);
    const all = (await api.get("/images?type=system")).body.images.map((i: { name: string }) => i.name);
    expect(all).toEqual(expect.arrayContaining(["ubuntu-24.04", "ubuntu-22.04", "debian-12"]));
    expect(all).not.toContain("ubuntu-20.04");
    const withOld = (await api.get("/images?include_deprecated=true")).body.images.map((i: { name: string }) => i.name);
    expect(withOld).toContain("ubuntu-20.04");
    expect((await api.get(`/images/${x86.body.images[0].id}`)).body.image.name).toBe("ubuntu-24.04");
  });

  it("serves the price list", async () => {
    const { body } = await api.get("/pricing");
    expect(body.pricing.currency).toBe("EUR");
    expect(body.pricing.server_types.find((t: { name: string }) => t.name === "cx22").prices[0].price_monthly).toEqual(PRICE);
  });
});
