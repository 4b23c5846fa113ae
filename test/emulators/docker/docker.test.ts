// Emulated servers with a container runtime: what a deployment does over SSH (docker run with
// host networking, an app on the server's own address) really runs, each server sees only its
// own containers, powering a server off stops them, and the daemon makes no bridge.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshExec } from "../../support/ssh.ts";
import { HostPool, type Host } from "../hosts.ts";
import type { DockerDaemon } from "./daemon.ts";
import { HOST_LABEL } from "./scope.ts";

let pool: HostPool;
let daemon: DockerDaemon;
let a: Host;
let b: Host;
let scratch: string;
let key: Buffer;
const interfacesBefore = JSON.stringify(os.networkInterfaces());

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-docker-test-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "docker-test", "-f", path.join(scratch, "id")]);
  key = fs.readFileSync(path.join(scratch, "id"));
  const publicKey = fs.readFileSync(path.join(scratch, "id.pub"), "utf8");
  pool = await HostPool.create();
  [a, b] = await Promise.all([pool.start("docker-a", [publicKey], { docker: true }), pool.start("docker-b", [publicKey], { docker: true, loginUser: "ubuntu" })]);
  daemon = await pool.docker();
});

afterAll(async () => {
  const dir = pool?.dir;
  const pid = daemon?.pid;
  await pool?.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  // The daemon is gone with the pool, and left no mount behind.
  if (pid) expect(() => process.kill(pid, 0)).toThrow();
  if (dir) expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dir);
});

/** Runs a command over SSH as the host's login user; rejects on a non-zero exit. */
async function on(host: Host, command: string): Promise<string> {
  const r = await sshExec(host.address, key, command, { user: host.loginUser, hostKey: host.hostPublicKey });
  if (r.code !== 0) throw new Error(`${command}: exit ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

async function page(address: string, port: number): Promise<string | Error> {
  return fetch(`http://${address}:${port}/`, { signal: AbortSignal.timeout(3000) }).then((r) => r.text(), (err: Error) => err);
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function echo(address: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: address, port }, () => sock.write(text));
    let got = "";
    sock.on("data", (d) => {
      got += d.toString();
      if (got.length >= text.length) (sock.end(), resolve(got));
    });
    sock.once("error", reject);
  });
}

const httpd = (host: Host, greeting: string) =>
  `docker run -d --name web --network host --restart unless-stopped -e HOST=${host.address} -e PORT=8080 -e GREETING=${greeting} hoist-test/httpd:1`;

describe("a server with docker", () => {
  it("runs a container over SSH that serves on the server's own address, and sees only its own containers", async () => {
    const id = (await on(a, httpd(a, "hi"))).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await until(() => page(a.address, 8080), (p) => typeof p === "string")).toContain("<p>hi</p>");
    expect(await on(a, "docker ps --format '{{.Names}} {{.Image}} {{.Status}}'")).toMatch(/^web hoist-test\/httpd:1 Up/);

    // Another server of the same pool may use the same name and port on its own address.
    expect(await on(b, "sudo -n docker ps -a --format '{{.Names}}'")).toBe("");
    await on(b, `sudo -n ${httpd(b, "there")}`);
    expect(await until(() => page(b.address, 8080), (p) => typeof p === "string")).toContain("<p>there</p>");
    expect(await page(a.address, 8080)).toContain("<p>hi</p>");
    expect(await on(a, "docker inspect --format '{{.Name}} {{index .Config.Labels \"" + HOST_LABEL + "\"}}' web")).toBe("/web docker-a\n");
    // Behind the scenes: one daemon, each container labelled with its server.
    const all = await daemon.cli(["ps", "--format", `{{.Names}} {{.Label "${HOST_LABEL}"}}`]);
    expect(all.split("\n").filter(Boolean).sort()).toEqual(["docker-a.web docker-a", "docker-b.web docker-b"]);
  });

  it("lets only root and sudo use the socket, as on a real server", async () => {
    const denied = await sshExec(b.address, key, "docker ps", { user: "ubuntu" });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain("permission denied");
    expect(await on(b, "sudo -n docker ps --format '{{.Names}}'")).toBe("web\n");
  });

  it("mounts a bind source from the server's own filesystem, and runs the echo image", async () => {
    await on(a, "mkdir -p /srv/app && echo from-server > /srv/app/in");
    const out = await on(a, "docker run --rm --network host -v /srv/app:/data hoist-test/httpd:1 sh -c 'cat /data/in; echo from-container > /data/out'");
    expect(out).toBe("from-server\n");
    expect(fs.readFileSync(path.join(a.rootDir, "srv/app/out"), "utf8")).toBe("from-container\n");
    expect(fs.existsSync("/srv/app/out")).toBe(false);

    await on(a, `docker run -d --name echo --network host -e HOST=${a.address} -e PORT=7007 hoist-test/echo:1`);
    expect(await until(() => echo(a.address, 7007, "ping\n").catch(() => ""), (v) => v === "ping\n")).toBe("ping\n");
    await on(a, "docker rm -f echo");
  });

  it("refuses a bridge network with the reason, and the daemon made no interface", async () => {
    const bridged = await sshExec(a.address, key, "docker run --rm hoist-test/httpd:1 true");
    expect(bridged.code).not.toBe(0);
    expect(bridged.stderr).toContain("run containers with --network host and let the app listen on the server's own address");
    const network = await sshExec(a.address, key, "docker network create apps");
    expect(network.stderr).toContain("host networking only");
    expect(fs.existsSync("/sys/class/net/docker0")).toBe(false);
    expect(JSON.stringify(os.networkInterfaces())).toBe(interfacesBefore);
  });

  it("stops a server's containers when it is powered off, not the daemon, and starts them with it", async () => {
    await pool.stop(a.id);
    expect(process.kill(daemon.pid, 0)).toBe(true);
    expect(await page(a.address, 8080)).toBeInstanceOf(Error);
    expect(await page(b.address, 8080)).toContain("<p>there</p>");
    expect(await daemon.cli(["ps", "--format", "{{.Names}}", "--filter", `label=${HOST_LABEL}=docker-a`])).toBe("");

    await pool.resume(a.id);
    expect(await until(() => page(a.address, 8080), (p) => typeof p === "string")).toContain("<p>hi</p>");
  });

  it("removes a deleted server's containers and volumes", async () => {
    await on(b, "sudo -n docker volume create data >/dev/null");
    await pool.remove(b.id);
    expect(await daemon.cli(["ps", "-a", "-q", "--filter", `label=${HOST_LABEL}=docker-b`])).toBe("");
    expect(await daemon.cli(["volume", "ls", "-q", "--filter", `label=${HOST_LABEL}=docker-b`])).toBe("");
    expect(await page(b.address, 8080)).toBeInstanceOf(Error);
  });
});
