// Conformance of the emulator's account and catalog endpoints, pagination, auth and error
// bodies (cloud-apis.md §2).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { startDigitalOceanEmulator, type DigitalOceanEmulator } from "./emulator.ts";
import { apiClient, type ApiClient } from "./test-client.ts";

let hosts: HostPool;
let emu: DigitalOceanEmulator;
let api: ApiClient;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startDigitalOceanEmulator({ hosts });
  api = apiClient(emu);
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("auth and errors", () => {
  it("answers a missing or unknown token with the real 401 body", async () => {
    for (const token of ["", "dop_v1_not-a-token"]) {
      const res = await apiClient(emu, token).get("/v2/account");
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ id: "Unauthorized", message: "Unable to authenticate you", request_id: expect.stringMatching(UUID) });
      expect(res.headers.get("x-request-id")).toBe(res.body.request_id);
    }
  });

  it("accepts a token added later", async () => {
    const token = "dop_v1_" + "ab".repeat(32);
    expect((await apiClient(emu, token).get("/v2/account")).status).toBe(401);
    emu.addToken(token);
    expect((await apiClient(emu, token).get("/v2/account")).status).toBe(200);
  });

  it("answers unknown resources and paths with not_found", async () => {
    for (const path of ["/v2/droplets/1", "/v2/actions/1", "/v2/account/keys/1", "/v2/firewalls/nope", "/v2/no-such-thing"]) {
      const res = await api.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ id: "not_found", message: "The resource you were accessing could not be found.", request_id: expect.stringMatching(UUID) });
    }
  });

  it("reports the rate limit on every answer", async () => {
    const first = await api.get("/v2/account");
    const second = await api.get("/v2/account");
    expect(first.headers.get("ratelimit-limit")).toBe("5000");
    expect(Number(first.headers.get("ratelimit-remaining")) - Number(second.headers.get("ratelimit-remaining"))).toBe(1);
    expect(Number(second.headers.get("ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
  });

  it("answers a malformed body with bad_request", async () => {
    const res = await fetch(`${emu.url}/v2/droplets`, { method: "POST", headers: { Authorization: `Bearer ${emu.token}` }, body: "{" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ id: "bad_request" });
  });
});

describe("account and catalog", () => {
  it("GET /v2/account", async () => {
    const res = await api.get("/v2/account");
    expect(res.status).toBe(200);
    expect(res.body.account).toMatchObject({ droplet_limit: 25, email: expect.any(String), uuid: expect.any(String), email_verified: true, status: "active" });
  });

  it("GET /v2/regions", async () => {
    const res = await api.get("/v2/regions");
    expect(res.body.regions.map((r: { slug: string }) => r.slug)).toEqual(["nyc1", "nyc3", "ams3", "fra1", "lon1", "sgp1", "sfo3"]);
    expect(res.body.regions[3]).toEqual({ slug: "fra1", name: "Frankfurt 1", sizes: expect.arrayContaining(["s-1vcpu-1gb"]), available: true, features: expect.any(Array) });
    expect(res.body.meta).toEqual({ total: 7 });
    expect(res.body.links).toEqual({});
  });

  it("GET /v2/sizes with specs and prices", async () => {
    const { sizes } = (await api.get("/v2/sizes")).body;
    const slugs = sizes.map((s: { slug: string }) => s.slug);
    expect(slugs).toEqual(expect.arrayContaining(["s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb"]));
    expect(sizes.find((s: { slug: string }) => s.slug === "s-1vcpu-1gb")).toEqual({
      slug: "s-1vcpu-1gb",
      memory: 1024,
      vcpus: 1,
      disk: 25,
      transfer: 1,
      price_monthly: 6,
      price_hourly: 0.00893,
      regions: expect.arrayContaining(["nyc3", "fra1"]),
      available: true,
      description: "Basic",
      disk_info: [{ type: "local", size: { amount: 25, unit: "gib" } }],
    });
    expect(sizes.find((s: { slug: string }) => s.slug === "s-4vcpu-8gb")).toMatchObject({ memory: 8192, vcpus: 4, disk: 160, price_monthly: 48 });
  });

  it("GET /v2/images?type=distribution", async () => {
    const { images } = (await api.get("/v2/images?type=distribution")).body;
    expect(images.map((i: { slug: string }) => i.slug)).toEqual(["ubuntu-24-04-x64", "ubuntu-22-04-x64", "debian-12-x64"]);
    expect(images[0]).toMatchObject({ id: expect.any(Number), distribution: "Ubuntu", public: true, type: "base", status: "available", min_disk_size: expect.any(Number) });
    expect((await api.get("/v2/images/debian-12-x64")).body.image.slug).toBe("debian-12-x64");
    expect((await api.get(`/v2/images/${images[0].id}`)).body.image.slug).toBe("ubuntu-24-04-x64");
  });
});

describe("pagination", () => {
  it("pages with absolute links.pages and meta.total until next is absent", async () => {
    const first = await api.get("/v2/sizes?per_page=3");
    expect(first.body.sizes).toHaveLength(3);
    const total = first.body.meta.total;
    expect(total).toBeGreaterThan(3);
    expect(first.body.links.pages).toEqual({
      next: `${emu.url}/v2/sizes?per_page=3&page=2`,
      last: `${emu.url}/v2/sizes?per_page=3&page=${Math.ceil(total / 3)}`,
    });
    const seen: string[] = [];
    let url: string | undefined = `${emu.url}/v2/sizes?per_page=3`;
    let page: any;
    while (url) {
      page = (await api.get(url.slice(emu.url.length))).body;
      seen.push(...page.sizes.map((s: { slug: string }) => s.slug));
      url = page.links.pages?.next;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(page.links.pages.first).toBe(`${emu.url}/v2/sizes?per_page=3&page=1`);
    expect(page.links.pages.prev).toMatch(/page=\d+/);
  });

  it("keeps other query parameters in the links", async () => {
    const res = await api.get("/v2/images?type=distribution&per_page=1&page=2");
    expect(res.body.images).toHaveLength(1);
    expect(res.body.links.pages.next).toBe(`${emu.url}/v2/images?type=distribution&per_page=1&page=3`);
  });
});
