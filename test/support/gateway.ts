// The gateway under test: each test file's gateway (and each backend a test starts) listens on a
// loopback address of its own, leased like the emulated servers' (host-leases.ts), so that its
// fixed ports clash with no other test running at the same time. Requests go to that address
// with the Host header (and TLS server name) of the hostname under test: no DNS involved.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { leaseAddress, releaseAddress } from "../emulators/host-leases.ts";
import { testbedBase } from "../emulators/hosts.ts";

const leases = path.join(testbedBase, "leases");

/** A loopback address nobody else in the test bed uses until `release()`. */
export async function leaseLoopback(): Promise<{ address: string; release(): void }> {
  fs.mkdirSync(leases, { recursive: true, mode: 0o755 });
  const address = await leaseAddress(leases, `gateway-test-${process.pid}`);
  return { address, release: () => releaseAddress(leases, address) };
}

/** Settings for a console whose gateway listens on `address` (ports: the defaults). */
export const gatewayEnv = (address: string, extra: Record<string, string> = {}): Record<string, string> => ({
  HOIST_GATEWAY: "on",
  HOIST_GATEWAY_BIND: address,
  HOIST_GATEWAY_SYNC_INTERVAL: "1",
  ...extra,
});

export const HTTP_PORT = 8080;
export const HTTPS_PORT = 8443;

export interface Answer {
  status: number;
  body: string;
}

export interface RequestOptions {
  path?: string;
  /** Speak TLS (to the HTTPS port) with the hostname as server name… */
  tls?: boolean;
  /** …trusting this CA (implies tls). */
  ca?: string;
  /** Keep-alive connections to reuse; by default every request opens its own (one kept by an old worker would see the old routes). */
  agent?: http.Agent;
  timeoutMs?: number;
}

/** One GET through the gateway at `address` for `hostname`. */
export function viaGateway(address: string, hostname: string, o: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const common = { host: address, path: o.path ?? "/", headers: { host: hostname }, agent: o.agent ?? false, timeout: o.timeoutMs ?? 5000 };
    const onAnswer = (res: http.IncomingMessage) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    };
    const req = o.tls || o.ca ? https.get({ ...common, port: HTTPS_PORT, servername: hostname, ca: o.ca }, onAnswer) : http.get({ ...common, port: HTTP_PORT }, onAnswer);
    req.on("timeout", () => req.destroy(new Error(`no answer from ${hostname} within ${o.timeoutMs ?? 5000} ms`)));
    req.on("error", reject);
  });
}

export interface Backend {
  address: string;
  port: number;
  /** Requests it answered (its health checks not counted). */
  served: number;
  /** Whether /health answers 200 (otherwise 503). */
  healthy: boolean;
  close(): Promise<void>;
}

/**
 * An app copy: answers `greeting` at every path but /health (after `delayMs`, to keep requests
 * in flight), on `address` (port 8000 unless given).
 */
export async function startBackend(address: string, greeting: string, o: { port?: number; delayMs?: number } = {}): Promise<Backend> {
  const state = { served: 0, healthy: true };
  const server = http.createServer((req, res) => {
    if (req.url === "/health") {
      res.writeHead(state.healthy ? 200 : 503).end(state.healthy ? "ok" : "sick");
      return;
    }
    state.served++;
    setTimeout(() => res.end(greeting), o.delayMs ?? 0);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(o.port ?? 8000, address, resolve));
  return {
    address,
    port: (server.address() as AddressInfo).port,
    get served() {
      return state.served;
    },
    get healthy() {
      return state.healthy;
    },
    set healthy(v: boolean) {
      state.healthy = v;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface LoadResult {
  ok: number;
  failed: number;
  /** What the failures were: status codes or error messages, with counts. */
  failures: Record<string, number>;
  /** Each body answered, with counts. */
  bodies: Record<string, number>;
}

/** Sends requests from `workers` loops (keep-alive connections) until `stop()` resolves. */
export function loadLoop(send: (agent: http.Agent) => Promise<Answer>, workers = 4) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: workers });
  const result: LoadResult = { ok: 0, failed: 0, failures: {}, bodies: {} };
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const a = await send(agent);
        if (a.status === 200) {
          result.ok++;
          result.bodies[a.body] = (result.bodies[a.body] ?? 0) + 1;
        } else {
          result.failed++;
          result.failures[String(a.status)] = (result.failures[String(a.status)] ?? 0) + 1;
        }
      } catch (err) {
        result.failed++;
        const why = (err as Error).message;
        result.failures[why] = (result.failures[why] ?? 0) + 1;
      }
    }
  };
  const loops = Array.from({ length: workers }, loop);
  return {
    result,
    async stop(): Promise<LoadResult> {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return result;
    },
  };
}
