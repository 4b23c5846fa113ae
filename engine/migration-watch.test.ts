// Traffic watched during a move, against a real HTTP server on 127.0.0.1 standing in for the
// gateway's port: it holds while answers stay as fast as before, and says why once they get
// slower past the threshold or fail.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measure, TrafficWatch } from "./migration-watch.ts";

const state = { delayMs: 0, status: 200, hosts: new Set<string>() };
let server: http.Server;
let gw: { bind: string; httpPort: number };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  server = http.createServer((req, res) => {
    state.hosts.add(req.headers.host ?? "");
    setTimeout(() => res.writeHead(state.status).end("hi"), state.delayMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  gw = { bind: "127.0.0.1", httpPort: (server.address() as AddressInfo).port };
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("traffic through the gateway during a move", () => {
  it("is measured for the deployment's hostname: the median of its requests' times", async () => {
    state.delayMs = 150;
    expect(await measure(gw, "shop-abc123.gw.localhost", 3)).toBeGreaterThanOrEqual(150);
    state.delayMs = 0;
    expect([...state.hosts]).toEqual(["shop-abc123.gw.localhost"]);
  });

  it("holds while it stays as before, and degrades once answers are slower than before by more than the threshold", async () => {
    const watch = new TrafficWatch(gw, "shop-abc123.gw.localhost", 5, { slowMs: 200, errors: 3 }).start();
    await sleep(1200);
    expect(watch.degraded()).toBeUndefined();
    state.delayMs = 400;
    for (let i = 0; i < 40 && !watch.degraded(); i++) await sleep(100);
    await watch.stop();
    state.delayMs = 0;
    expect(watch.degraded()).toMatch(/^the response time through the gateway rose to \d+ ms \(5 ms before the move\), past the threshold of \+200 ms$/);
  });

  it("degrades once requests fail", async () => {
    const watch = new TrafficWatch(gw, "shop-abc123.gw.localhost", 5, { slowMs: 10_000, errors: 2 }).start();
    state.status = 503;
    for (let i = 0; i < 40 && !watch.degraded(); i++) await sleep(100);
    await watch.stop();
    state.status = 200;
    expect(watch.degraded()).toMatch(/^\d+ of the last \d+ requests through the gateway failed \(HTTP 503\); the threshold is 2$/);
  });
});
