// A real domain's certificate (HOIST_GATEWAY_CERT/_KEY) is served instead of the internal CA's,
// a renewed one is picked up by the next pass, and a key that does not match is refused while
// the certificate already served stays.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, expect, it } from "vitest";
import { leafConfig } from "../../gateway/tls.ts";
import { setupAdmin, startConsole, type TestConsole } from "../support/console.ts";
import { gatewayEnv, HTTPS_PORT, leaseLoopback, startBackend, viaGateway, type Backend } from "../support/gateway.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-gw-cert-"));
const file = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
let gw: Awaited<ReturnType<typeof leaseLoopback>>;
let app: Awaited<ReturnType<typeof leaseLoopback>>;
let backend: Backend;
let t: TestConsole;

/** A certificate for *.gw.example.test from "the operator's CA", as a real CA would give one. */
function issue(certFile: string, keyFile: string) {
  fs.writeFileSync(file("leaf.cnf"), leafConfig("gw.example.test"));
  openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile, "-out", "leaf.csr", "-config", "leaf.cnf");
  openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", `0x${Date.now().toString(16)}`, "-days", "90", "-extfile", "leaf.cnf", "-extensions", "leaf", "-out", certFile);
}

/** The serial number of the certificate the gateway presents. */
function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: gw.address, port: HTTPS_PORT, servername: "x.gw.example.test", ca: fs.readFileSync(file("ca.crt")) }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.end();
    });
    s.on("error", reject);
  });
}

beforeAll(async () => {
  openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=Operator test CA");
  issue(file("cert.pem"), file("key.pem"));
  [gw, app] = [await leaseLoopback(), await leaseLoopback()];
  backend = await startBackend(app.address, "on a real domain");
  t = startConsole(gatewayEnv(gw.address, { HOIST_GATEWAY_DOMAIN: "gw.example.test", HOIST_GATEWAY_CERT: file("cert.pem"), HOIST_GATEWAY_KEY: file("key.pem") }));
  await t.deps.gateway.start();
});

afterAll(async () => {
  await t?.deps.gateway.stop();
  t?.close();
  await backend?.close();
  gw?.release();
  app?.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

it("serves the configured certificate, picks up a renewed one, and refuses a key that is not its own", async () => {
  const route = await t.deps.gateway.routes.declare("dep-real", { name: "real", target: backend, health: { type: "tcp" } });
  expect(route.https).toMatch(/^https:\/\/real-[a-z][a-z0-9]{5}\.gw\.example\.test:8443$/);
  const ca = fs.readFileSync(file("ca.crt"), "utf8");
  expect(await viaGateway(gw.address, route.hostname, { ca })).toEqual({ status: 200, body: "on a real domain" });
  const first = await servedSerial();
  // There is no internal CA to download.
  const admin = await setupAdmin(t);
  expect((await admin.get("/gateway/ca.crt")).status).toBe(404);

  // Renewed in place (as certbot does): the next pass serves it. (The serial is the time in ms.)
  await new Promise((r) => setTimeout(r, 5));
  issue(file("cert.pem"), file("key.pem"));
  await t.deps.gateway.sync();
  const renewed = await servedSerial();
  expect(renewed).not.toBe(first);

  // A key of another certificate: the pass fails naming both settings, and the proxy keeps serving.
  issue(file("other.pem"), file("key.pem"));
  await expect(t.deps.gateway.sync()).rejects.toThrow(/HOIST_GATEWAY_CERT and HOIST_GATEWAY_KEY do not make a certificate with its key/);
  expect(await servedSerial()).toBe(renewed);
  expect(await viaGateway(gw.address, route.hostname, { ca })).toEqual({ status: 200, body: "on a real domain" });
});
