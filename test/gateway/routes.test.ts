// App routes through the real HAProxy that Hoist runs on a loopback address of this test's own:
// hostnames reach the right copy over HTTP and HTTPS (the internal CA verifies), a copy failing
// its health check is taken out, a switch under load loses no request (and one to a sick copy is
// rolled back), and a reload lets a request in flight finish.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RouteUnhealthyError } from "../../gateway/routes.ts";
import { setupAdmin, startConsole, type TestConsole } from "../support/console.ts";
import { gatewayEnv, leaseLoopback, loadLoop, startBackend, viaGateway, type Backend } from "../support/gateway.ts";

type Lease = Awaited<ReturnType<typeof leaseLoopback>>;
let gw: Lease;
const leased: Lease[] = [];
const backends: Backend[] = [];
let t: TestConsole;

/** A copy of an app on an address of its own. */
async function copy(greeting: string, o: { delayMs?: number } = {}) {
  const lease = await leaseLoopback();
  leased.push(lease);
  const b = await startBackend(lease.address, greeting, o);
  backends.push(b);
  return b;
}

const routes = () => t.deps.gateway.routes;
const get = (hostname: string, o: Parameters<typeof viaGateway>[2] = {}) => viaGateway(gw.address, hostname, o);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  let last: T | undefined;
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
    last = await probe().catch(() => undefined as T);
    if (last !== undefined && ok(last)) return last;
  }
  throw new Error(`${what}: still ${JSON.stringify(last)} after ${ms} ms`);
}

beforeAll(async () => {
  gw = await leaseLoopback();
  t = startConsole(gatewayEnv(gw.address));
  await t.deps.gateway.start();
});

afterAll(async () => {
  await t?.deps.gateway.stop();
  t?.close();
  await Promise.all(backends.map((b) => b.close()));
  for (const l of [...leased, gw]) l?.release();
});

describe("app routes", () => {
  it("route each hostname to its own copy by Host header, and answer 404 for others", async () => {
    const [shop, blog] = [await copy("shop"), await copy("blog")];
    const a = await routes().declare("dep-shop", { name: "shop", target: shop, health: { type: "http", path: "/health" } });
    const b = await routes().declare("dep-blog", { name: "blog", target: blog, health: { type: "tcp" } });
    expect(a.hostname).toMatch(/^shop-[a-z][a-z0-9]{5}\.gw\.localhost$/);
    expect(b.hostname).toMatch(/^blog-[a-z][a-z0-9]{5}\.gw\.localhost$/);
    expect(a.http).toBe(`http://${a.hostname}:8080`);
    expect(await get(a.hostname)).toEqual({ status: 200, body: "shop" });
    expect(await get(b.hostname.toUpperCase())).toEqual({ status: 200, body: "blog" });
    expect(await get(`${a.hostname}:8080`, { path: "/cart" })).toEqual({ status: 200, body: "shop" });
    expect((await get("nobody.gw.localhost")).status).toBe(404);
    expect((await get("gw.localhost")).status).toBe(404);

    // Declaring again keeps the hostname; a new target takes over at once.
    const moved = await copy("shop, moved");
    const again = await routes().declare("dep-shop", { name: "shop", target: moved, health: { type: "http", path: "/health" } });
    expect(again.hostname).toBe(a.hostname);
    expect(await get(a.hostname)).toEqual({ status: 200, body: "shop, moved" });

    await routes().remove("dep-blog");
    expect((await get(b.hostname)).status).toBe(404);
    expect(routes().info("dep-blog")).toBeUndefined();
  });

  it("serve HTTPS with a certificate of Hoist's own CA, which operators download", async () => {
    const app = await copy("secure");
    const r = await routes().declare("dep-secure", { name: "secure", target: app, health: { type: "http", path: "/health" } });
    const admin = await setupAdmin(t);
    const download = await admin.get("/gateway/ca.crt");
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toContain("hoist-gateway-ca.crt");
    expect(new X509Certificate(download.text).ca).toBe(true);
    expect(download.text).not.toContain("PRIVATE KEY");
    // Name-constrained: trusting it trusts nothing outside the gateway domain.
    const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: download.text, encoding: "utf8" });
    expect(text).toMatch(/Name Constraints: critical\s+Permitted:\s+DNS:gw\.localhost/);

    expect(await get(r.hostname, { ca: download.text })).toEqual({ status: 200, body: "secure" });
    expect(r.https).toBe(`https://${r.hostname}:8443`);
    // Without the CA the certificate is not trusted; with it, a name outside the certificate is refused.
    await expect(get(r.hostname, { tls: true })).rejects.toThrow(/certificate/i);
    await expect(get("example.com", { ca: download.text })).rejects.toThrow(/altnames/i);
    // The PEM HAProxy serves holds its private key: readable by Hoist's user only. The CA's key is
    // on no disk: sealed in the database.
    const files = t.deps.gateway.files;
    expect(fs.statSync(files.servedPem).mode & 0o077).toBe(0);
    const keyed = fs.readdirSync(files.dir, { recursive: true, encoding: "utf8" }).filter((f) => {
      const full = path.join(files.dir, f);
      return fs.statSync(full).isFile() && fs.readFileSync(full, "utf8").includes("PRIVATE KEY");
    });
    expect(keyed).toEqual([path.relative(files.dir, files.servedPem)]);
    expect(t.databaseBytes().includes("PRIVATE KEY")).toBe(false);
  });

  it("take a copy that fails its health check out, and back in once it passes", async () => {
    const app = await copy("flaky");
    const r = await routes().declare("dep-flaky", { name: "flaky", target: app, health: { type: "http", path: "/health" } });
    await until("the copy passes its check", () => routes().backends("dep-flaky"), (b) => b[0]?.health === "up");
    expect(await get(r.hostname)).toEqual({ status: 200, body: "flaky" });

    app.healthy = false;
    await until("the copy is down", () => routes().backends("dep-flaky"), (b) => b[0]?.health === "down");
    const served = app.served;
    const answer = await get(r.hostname);
    expect(answer.status).toBe(503);
    expect(app.served).toBe(served);

    app.healthy = true;
    await until("the copy is back", () => get(r.hostname), (a) => a.status === 200);
  });

  it("switch a route to a new copy under load without losing a request", async () => {
    const [old, fresh] = [await copy("old", { delayMs: 20 }), await copy("new", { delayMs: 20 })];
    const r = await routes().declare("dep-move", { name: "move", target: old, health: { type: "http", path: "/health" } });
    const load = loadLoop((agent) => get(r.hostname, { agent }));
    await sleep(500);
    const logged = t.logs.length;
    const switched = await routes().switch("dep-move", fresh);
    // The new copy joined and the old one left by reloads; the traffic moved through the runtime API.
    const during = t.logs.slice(logged).map((l) => JSON.parse(l).msg as string);
    expect(during.filter((m) => m === "gateway: configuration loaded")).toHaveLength(2);
    expect(during).toContain("gateway: backends changed through the runtime API");
    expect(switched.target).toEqual({ address: fresh.address, port: fresh.port });
    // The old copy is out of the route: it gets nothing more, and can go.
    const oldServed = old.served;
    await sleep(500);
    expect(old.served).toBe(oldServed);
    await old.close();
    await sleep(500);
    const result = await load.stop();
    expect(result.failed, JSON.stringify(result.failures)).toBe(0);
    expect(result.bodies.old).toBeGreaterThan(0);
    expect(result.bodies.new).toBeGreaterThan(0);
    expect((await routes().backends("dep-move")).map((b) => [b.address, b.weight])).toEqual([[fresh.address, 100]]);
  });

  it("roll a switch back when the new copy never passes its health check, losing nothing", async () => {
    const [good, sick] = [await copy("good"), await copy("sick")];
    sick.healthy = false;
    const r = await routes().declare("dep-stay", { name: "stay", target: good, health: { type: "http", path: "/health" } });
    const load = loadLoop((agent) => get(r.hostname, { agent }));
    await expect(routes().switch("dep-stay", sick, { healthTimeoutMs: 3000 })).rejects.toThrow(RouteUnhealthyError);
    await sleep(300);
    const result = await load.stop();
    expect(result.failed, JSON.stringify(result.failures)).toBe(0);
    expect(Object.keys(result.bodies)).toEqual(["good"]);
    expect(sick.served).toBe(0);
    expect(routes().info("dep-stay")!.target).toEqual({ address: good.address, port: good.port });
  });

  it("let a request in flight finish across a configuration reload", async () => {
    const slow = await copy("slow but sure", { delayMs: 2000 });
    const r = await routes().declare("dep-slow", { name: "slow", target: slow, health: { type: "tcp" } });
    const pid = t.deps.gateway.pid;
    const inFlight = get(r.hostname, { timeoutMs: 10_000 });
    await sleep(300);
    // A new hostname is a new configuration: the proxy reloads (same master, a new worker).
    await routes().declare("dep-other", { name: "other", target: await copy("other"), health: { type: "tcp" } });
    expect(t.deps.gateway.pid).toBe(pid);
    expect(await inFlight).toEqual({ status: 200, body: "slow but sure" });
  });

  it("keep an idle TCP connection to the gateway open across a reload", async () => {
    const conn = net.connect(8080, gw.address);
    await new Promise((r) => conn.once("connect", r));
    await routes().declare("dep-third", { name: "third", target: await copy("third"), health: { type: "tcp" } });
    const r = routes().info("dep-shop")!;
    // Still the old worker's connection: it answers, then closes as a soft-stopped worker does.
    const answer = await new Promise<string>((resolve, reject) => {
      let text = "";
      conn.on("data", (d) => (text += d.toString()));
      conn.on("end", () => resolve(text));
      conn.on("error", reject);
      conn.write(`GET / HTTP/1.1\r\nHost: ${r.hostname}\r\n\r\n`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toMatch(/\r\n\r\nshop, moved$/);
  });
});
