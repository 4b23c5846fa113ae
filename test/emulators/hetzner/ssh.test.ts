// An emulated Hetzner server is a real SSH host: a session opens with a key registered for it,
// and is refused with any other key.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sshRun } from "../../support/ssh.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { startHetznerEmulator, type HetznerEmulator } from "./emulator.ts";
import { apiClient } from "./test-client.ts";

let hosts: HostPool;
let emu: HetznerEmulator;
let dir: string;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startHetznerEmulator({ hosts, actionMs: 50 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-hetzner-ssh-"));
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function keyPair(name: string) {
  const file = path.join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file]);
  return { publicKey: fs.readFileSync(`${file}.pub`, "utf8").trim(), privateKey: fs.readFileSync(file) };
}

/** Runs `command` over SSH as root; rejects when the host refuses the key. */
describe("SSH on emulated servers", () => {
  it("opens a session with the key the server was created with, and refuses any other", async () => {
    const api = apiClient(emu);
    const good = keyPair("good");
    const other = keyPair("other");
    const key = await api.post("/ssh_keys", { name: "good", public_key: good.publicKey });
    await api.post("/ssh_keys", { name: "other-registered", public_key: other.publicKey });
    const server = await api.createServer({ name: "ssh-box", server_type: "cx32", image: "debian-12", ssh_keys: [key.body.ssh_key.id] });
    const ip = server.public_net.ipv4.ip as string;
    const host = emu.host(server.id)!;

    const out = await sshRun(ip, good.privateKey, "echo hello > /root/probe && cat /root/probe && grep -c processor /proc/cpuinfo", { hostKey: host.hostPublicKey });
    expect(out.trim().split("\n")).toEqual(["hello", "4"]);
    expect(fs.readFileSync(path.join(host.rootDir, "root/probe"), "utf8")).toBe("hello\n");

    // Registered with the project, but not given to this server: refused, as on the real cloud.
    await expect(sshRun(ip, other.privateKey, "true")).rejects.toThrow(/authentication methods failed/);
  });
});
