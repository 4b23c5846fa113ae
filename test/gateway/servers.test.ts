// Cloud servers through the gateway, on the test bed (Hetzner emulator, servers as real sshd on
// their own loopback addresses) with the real HAProxy Hoist runs: allocations made by Hoist's
// own create path stay unique under 20 concurrent creates and are released on destroy; the
// forwarded SSH port reaches the server with its pinned host key (OpenSSH's own client) and an
// SSH session outlives a reload; the slug hostname reaches the server's port 80 over HTTP and
// HTTPS; the TCP block forwards port for port; a stopped server keeps its entry points, refusing.
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caCertificate } from "../../gateway/tls.ts";
import { allocationOfServer, liveAllocations } from "../../state/gateway-allocations.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { sshPrivateKeyRef } from "../../state/sealed-columns.ts";
import { sshKeyById } from "../../state/ssh-keys.ts";
import { gatewayEnv, leaseLoopback, viaGateway } from "../support/gateway.ts";
import { startBed, waitForStatus, type HetznerBed } from "../support/provisioning.ts";

let bed: HetznerBed;
let gw: Awaited<ReturnType<typeof leaseLoopback>>;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-gateway-ssh-"));
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  gw = await leaseLoopback();
  bed = await startBed(gatewayEnv(gw.address, { HOIST_SERVER_QUOTA: "40", HOIST_SERVER_CHANGE_LIMIT: "200" }));
  await bed.console.deps.gateway.start();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await bed?.close();
  gw?.release();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const gateway = () => bed.console.deps.gateway;
const db = () => bed.console.deps.db;

/**
 * Whether nothing listens there (refused), or something accepts and then ends the connection
 * (closed: the gateway refusing for a server that does not run) or says something (an SSH banner).
 */
function probe(port: number, host = gw.address): Promise<"refused" | "closed" | "answers"> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED" ? "refused" : "closed"));
    s.once("data", () => {
      s.destroy();
      resolve("answers");
    });
    s.once("close", () => resolve("closed"));
    s.setTimeout(3000, () => {
      s.destroy();
      resolve("closed");
    });
  });
}

async function readyServer(name: string) {
  const res = await bed.api.post("/servers", bed.serverRequest(name));
  expect(res.status).toBe(202);
  const id = res.json().server.id as string;
  expect((await waitForStatus(bed, id, ["ready", "failed"])).status).toBe("ready");
  await gateway().sync();
  const json = (await bed.api.get(`/servers/${id}`)).json();
  return { id, json, node: nodeOfServer(db(), id)! };
}

/** Runs OpenSSH's client through the gateway; resolves with its output and exit status. */
function openssh(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("ssh", ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10", ...args], (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 255) : 0, stdout, stderr }),
    );
  });
}

describe("gateway entry points of cloud servers", () => {
  it("gateway allocations stay unique under 20 concurrent creates and are released on destroy", async () => {
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => bed.api.post("/servers", bed.serverRequest(`crowd-${i + 1}`))));
    expect(created.map((r) => r.status)).toEqual(Array(20).fill(202));
    const entries = created.map((r) => r.json().server.gateway);
    for (const g of entries) expect(g).toMatchObject({ hostname: expect.stringMatching(/^[a-z][a-z0-9]{5}\.gw\.localhost$/), forwarding: false });
    expect(new Set(entries.map((g) => g.hostname)).size).toBe(20);
    expect(new Set(entries.map((g) => g.sshPort)).size).toBe(20);
    const blocks = entries.map((g) => g.tcpPorts.first as number).sort((a, b) => a - b);
    for (const [i, first] of blocks.entries()) {
      expect(first % 10).toBe(0);
      if (i > 0) expect(first).toBeGreaterThanOrEqual(blocks[i - 1]! + 10);
    }
    for (const g of entries) expect(g.tcpPorts.last).toBe(g.tcpPorts.first + 9);
    expect(liveAllocations(db())).toHaveLength(20);

    // Reserved while the servers exist: the gateway holds each SSH port (and refuses until the server runs).
    await gateway().sync();
    expect(await probe(entries[0].sshPort)).not.toBe("refused");

    const ids = created.map((r) => r.json().server.id as string);
    const destroyed = await Promise.all(ids.map((id) => bed.api.delete(`/servers/${id}`)));
    expect(destroyed.map((r) => r.status)).toEqual(Array(20).fill(202));
    for (const id of ids) expect((await waitForStatus(bed, id, ["destroyed", "failed"], 170_000)).status).toBe("destroyed");
    await gateway().sync();
    expect(liveAllocations(db())).toEqual([]);
    for (const id of ids) expect(allocationOfServer(db(), id)).toBeUndefined();
    expect(await probe(entries[0].sshPort)).toBe("refused");
    expect((await viaGateway(gw.address, entries[0].hostname)).status).toBe(404);
    // The ports go back to the pool; the slugs are never given again.
    const next = await bed.api.post("/servers", bed.serverRequest("after-crowd"));
    const g = next.json().server.gateway;
    expect(g.sshPort).toBe(Math.min(...entries.map((e) => e.sshPort as number)));
    expect(entries.map((e) => e.hostname)).not.toContain(g.hostname);
    await bed.api.delete(`/servers/${next.json().server.id}`);
    await waitForStatus(bed, next.json().server.id, ["destroyed"]);
  }, 180_000);

  it("forward SSH to the server, which shows its own pinned host key, and keep a session open across a reload", async () => {
    const { id, json, node } = await readyServer("via-ssh");
    const g = json.gateway;
    expect(g).toMatchObject({ forwarding: true, ssh: `ssh -p ${g.sshPort} root@${g.hostname}` });
    const host = bed.hetzner.host(Number(json.outputs.providerId))!;
    expect(node.hostKeyFingerprint).toBe(host.hostKeyFingerprint);

    const key = sshKeyById(db(), node.sshKeyId!)!;
    const keyFile = path.join(scratch, "id");
    fs.writeFileSync(keyFile, bed.console.deps.keyring.open(key.privateKey, sshPrivateKeyRef(key.id)).reveal(), { mode: 0o600 });
    const knownHosts = path.join(scratch, "known_hosts");
    fs.writeFileSync(knownHosts, `[${g.hostname}]:${g.sshPort} ${host.hostPublicKey}\n`);
    // The command the page shows, with the gateway's address standing in for DNS.
    const args = ["-i", keyFile, "-o", `UserKnownHostsFile=${knownHosts}`, "-o", `HostKeyAlias=[${g.hostname}]:${g.sshPort}`, "-o", `HostName=${gw.address}`, "-p", String(g.sshPort), `root@${g.hostname}`];
    const shell = await openssh([...args, "cat /etc/ssh/ssh_host_ed25519_key.pub; uname -n"]);
    expect(shell.stderr).toBe("");
    expect(shell.code).toBe(0);
    expect(shell.stdout.split("\n")[0]).toBe(host.hostPublicKey);
    // Another host key under that name is refused: what answers is the server itself.
    fs.writeFileSync(knownHosts, `[${g.hostname}]:${g.sshPort} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG\n`);
    const impostor = await openssh([...args, "true"]);
    expect(impostor.code).toBe(255);
    expect(impostor.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);

    // A session open through the gateway survives a reload (another server's entry points).
    const privateKey = fs.readFileSync(keyFile);
    const session = new Promise<string>((resolve, reject) => {
      const conn = new ssh2.Client();
      conn
        .on("ready", () =>
          conn.exec("sleep 3; echo still here", (err, stream) => {
            if (err) return reject(err);
            let out = "";
            stream.on("data", (d: Buffer) => (out += d.toString()));
            stream.on("close", () => {
              conn.end();
              resolve(out.trim());
            });
          }),
        )
        .on("error", reject)
        .connect({ host: gw.address, port: g.sshPort, username: "root", privateKey, hostVerifier: (k: Buffer) => k.equals(Buffer.from(host.hostPublicKey.split(" ")[1]!, "base64")) });
    });
    await new Promise((r) => setTimeout(r, 800));
    const pid = gateway().pid;
    const other = await bed.api.post("/servers", bed.serverRequest("reload-trigger"));
    await gateway().sync();
    expect(gateway().pid).toBe(pid);
    expect(await session).toBe("still here");
    await bed.api.delete(`/servers/${other.json().server.id}`);
    await bed.api.delete(`/servers/${id}`);
    await waitForStatus(bed, id, ["destroyed"]);
  });

  it("route the slug hostname to the server's port 80 over HTTP and HTTPS, and its TCP block port for port", async () => {
    const { id, json, node } = await readyServer("via-web");
    const g = json.gateway;
    // What the server would run: a site on its own address, and a service in its TCP block.
    const site = http.createServer((req, res) => res.end(`site of ${node.name}, ${req.headers["x-forwarded-proto"]}`));
    await new Promise<void>((r) => site.listen(80, node.address, r));
    const echo = net.createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(g.tcpPorts.first + 3, node.address, r));
    closers.push(
      () => new Promise((r) => site.close(() => r())),
      () => new Promise((r) => echo.close(() => r())),
    );

    expect(await viaGateway(gw.address, g.hostname)).toEqual({ status: 200, body: "site of via-web, http" });
    const ca = caCertificate(gateway().files)!;
    expect(await viaGateway(gw.address, g.hostname, { ca })).toEqual({ status: 200, body: "site of via-web, https" });
    expect(g.https).toBe(`https://${g.hostname}:8443`);

    const echoed = await new Promise<string>((resolve, reject) => {
      const s = net.connect(g.tcpPorts.first + 3, gw.address, () => s.end("ping through the block"));
      let out = "";
      s.on("data", (d) => (out += d.toString()));
      s.on("end", () => resolve(out));
      s.on("error", reject);
    });
    expect(echoed).toBe("ping through the block");
    // A port of the block with nothing behind it: the gateway accepts, the server refuses, the connection ends.
    expect(await probe(g.tcpPorts.first + 4)).toBe("closed");

    // The server page shows the entry points.
    const page = await bed.admin.get(`/nodes/cloud/${id}`);
    expect(page.text).toContain(`ssh -p ${g.sshPort} root@${g.hostname}`);
    expect(page.text).toContain(`${g.tcpPorts.first}–${g.tcpPorts.last}`);
    expect(page.text).toContain('href="/gateway/ca.crt"');
    expect(page.text).toContain("forwarding");
  });

  it("keep a stopped server's entry points, refusing, and forward again once it is started", async () => {
    const { id, json } = await readyServer("sleepy");
    const g = json.gateway;
    expect(await probe(g.sshPort)).toBe("answers");
    expect((await bed.api.post(`/servers/${id}/stop`)).status).toBe(202);
    await waitForStatus(bed, id, ["stopped"]);
    await gateway().sync();
    const stopped = await viaGateway(gw.address, g.hostname);
    expect(stopped).toEqual({ status: 503, body: "This server is stopped; the gateway forwards to it while it runs." });
    expect(await probe(g.sshPort)).toBe("closed");
    expect((await bed.api.get(`/servers/${id}`)).json().gateway).toMatchObject({ sshPort: g.sshPort, hostname: g.hostname, forwarding: false });

    expect((await bed.api.post(`/servers/${id}/start`)).status).toBe(202);
    await waitForStatus(bed, id, ["ready"]);
    await gateway().sync();
    expect(await probe(g.sshPort)).toBe("answers");

    await bed.api.delete(`/servers/${id}`);
    await waitForStatus(bed, id, ["destroyed"]);
    await gateway().sync();
    expect(await probe(g.sshPort)).toBe("refused");
    expect((await bed.api.get(`/servers/${id}`)).json().gateway).toBeNull();
  });
});
