// The stand-in's API client against the Hetzner emulator: the requests hcloud-go sends, its retries,
// its error wording and its action polling.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../../emulators/hosts.ts";
import { makeToken, startHetznerEmulator, type HetznerEmulator } from "../../emulators/hetzner/emulator.ts";
import { HcloudClient, encodeQuery } from "./client.ts";
import { constantBackoff, readConfig } from "./config.ts";
import { ActionFailedError, HcloudError, HcloudStatusError } from "./errors.ts";

let hosts: HostPool;
let emu: HetznerEmulator;
let client: HcloudClient;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startHetznerEmulator({ hosts, actionMs: 100 });
  client = new HcloudClient(readConfig({ token: emu.token, endpoint: emu.url, pollInterval: "20ms", pollFunction: "constant" }, {}));
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
});

const since = (n: number) => emu.requests().slice(n).map((r) => `${r.method} ${r.path}`);

describe("requests", () => {
  it("encodes queries like Go's url.Values: keys sorted, repeated keys in order", () => {
    expect(encodeQuery({ sort: ["status", "id"], page: 1, id: [3, 1] })).toBe("id=3&id=1&page=1&sort=status&sort=id");
    expect(encodeQuery({ name: "ubuntu-24.04", include_deprecated: true, architecture: "x86" })).toBe(
      "architecture=x86&include_deprecated=true&name=ubuntu-24.04",
    );
  });

  it("looks numeric keys up by id and falls back to the name on not_found", async () => {
    const n = emu.requests().length;
    expect(await client.get("servers", "server", "4242")).toBeUndefined();
    expect(since(n)).toEqual(["GET /servers/4242", "GET /servers?name=4242"]);
    const cx22 = await client.get<{ id: number }>("server_types", "server_type", "cx22");
    expect(cx22?.id).toBe(104);
    expect(since(n).at(-1)).toBe("GET /server_types?name=cx22");
  });

  it("follows next_page through a whole list, 50 a page", async () => {
    const blob = () => Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from("ssh-ed25519"), Buffer.from([0, 0, 0, 32]), randomBytes(32)]);
    for (let i = 0; i < 55; i++) await client.request("POST", "/ssh_keys", { body: { name: `bulk-${i}`, public_key: `ssh-ed25519 ${blob().toString("base64")}` } });
    const n = emu.requests().length;
    const keys = await client.all<{ name: string }>("ssh_keys");
    expect(keys.filter((k) => k.name.startsWith("bulk-"))).toHaveLength(55);
    expect(since(n)).toEqual(["GET /ssh_keys?page=1&per_page=50", "GET /ssh_keys?page=2&per_page=50"]);
  });
});

describe("errors and retries", () => {
  it("words API errors `<message> (<code>)`", async () => {
    const bad = new HcloudClient(readConfig({ token: makeToken(), endpoint: emu.url }, {}));
    const err = await bad.request("GET", "/servers").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HcloudError);
    // hcloud-go quotes the answer's X-Correlation-Id.
    expect((err as Error).message).toMatch(/^unable to authenticate \(unauthorized, [0-9a-f]{16}\)$/);
  });

  it("reports a non-JSON error by its status only, retrying gateway errors", async () => {
    const hits: string[] = [];
    const proxy = http.createServer((req, res) => {
      hits.push(req.url!);
      res.writeHead(req.url === "/v1/gateway" ? 502 : 500, { "Content-Type": "text/html" }).end("<html>oops</html>");
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    try {
      const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/v1`;
      const wrong = new HcloudClient(readConfig({ token: emu.token, endpoint }, {}), constantBackoff(5));
      const err = await wrong.request("GET", "/broken").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HcloudStatusError);
      expect((err as Error).message).toBe("hcloud: server responded with status code 500");
      expect(hits).toEqual(["/v1/broken"]);
      const gateway = await wrong.request("GET", "/gateway").catch((e: unknown) => e);
      expect((gateway as Error).message).toBe("hcloud: server responded with status code 502");
      expect(hits.filter((h) => h === "/v1/gateway")).toHaveLength(6);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it("retries rate_limit_exceeded with backoff, then succeeds", async () => {
    emu.faults.set({ kind: "rate-limit" }, { times: 2 });
    const n = emu.requests().length;
    const quick = new HcloudClient(readConfig({ token: emu.token, endpoint: emu.url }, {}), constantBackoff(10));
    const res = await quick.request("GET", "/locations");
    expect(res.locations).toHaveLength(6);
    expect(emu.requests().slice(n).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it("gives up after five retries with the API's message", async () => {
    emu.faults.set({ kind: "rate-limit" });
    try {
      const quick = new HcloudClient(readConfig({ token: emu.token, endpoint: emu.url }, {}), constantBackoff(5));
      const n = emu.requests().length;
      const err = await quick.request("GET", "/locations").catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/^limit of 3600 requests per hour reached \(rate_limit_exceeded, [0-9a-f]{16}\)$/);
      expect(emu.requests().length - n).toBe(6);
    } finally {
      emu.faults.clear("rate-limit");
    }
  });

  it("does not retry other errors", async () => {
    emu.faults.set({ kind: "quota" }, { times: 1 });
    const n = emu.requests().length;
    const err = await client.request("POST", "/servers", { body: { name: "q", server_type: "cx22", image: "debian-12" } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^server limit exceeded \(resource_limit_exceeded, [0-9a-f]{16}\)$/);
    expect(emu.requests().length - n).toBe(1);
  });
});

describe("waitFor", () => {
  it("does not poll finished actions", async () => {
    const n = emu.requests().length;
    await client.waitFor({ id: 1, command: "x", status: "success", progress: 100, error: null });
    expect(since(n)).toEqual([]);
  });

  it("polls running actions with GET /actions?id=…&page=1&sort=status&sort=id until they finish", async () => {
    const res = await client.request("POST", "/servers", { body: { name: "poll-me", server_type: "cx22", image: "debian-12" } });
    const n = emu.requests().length;
    await client.waitFor(res.action, ...res.next_actions);
    const polls = since(n);
    expect(polls.length).toBeGreaterThan(1);
    const ids = [res.action.id, res.next_actions[0].id];
    expect(polls[0]).toBe(`GET /actions?id=${ids[0]}&id=${ids[1]}&page=1&sort=status&sort=id`);
    expect(polls.every((p) => p.startsWith("GET /actions?id="))).toBe(true);
    expect((await client.get<{ status: string }>("servers", "server", String(res.server.id)))?.status).toBe("running");
  });

  it("throws a failed action as `<message> (<code>, <action id>)`", async () => {
    emu.faults.set({ kind: "action-fails", message: "error during placement", code: "resource_unavailable" }, { times: 1 });
    const res = await client.request("POST", "/servers", { body: { name: "fail-me", server_type: "cx22", image: "debian-12" } });
    const err = await client.waitFor(res.action).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionFailedError);
    expect((err as Error).message).toBe(`error during placement (resource_unavailable, ${res.action.id})`);
  });

  it("reports actions the API does not know", async () => {
    const err = await client.waitFor({ id: 99999999, command: "x", status: "running", progress: 0, error: null }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("actions not found: [99999999]");
  });
});
