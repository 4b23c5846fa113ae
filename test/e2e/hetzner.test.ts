// Hetzner end to end: an inline program with @pulumi/hcloud (SshKey, Firewall, Server) and
// @pulumi/command (remote.Command over SSH) run by the real engine with the stand-in plugins,
// against the Hetzner emulator whose servers are real SSH hosts.
import { hostKeyAt } from "../support/ssh-probe.ts";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import * as command from "@pulumi/command";
import * as hcloud from "@pulumi/hcloud";
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeToken, startHetznerEmulator, type HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { HostPool } from "../emulators/hosts.ts";
import { type ConfigValue, failure, testStack } from "../testbed/pulumi.ts";

let hosts: HostPool;
let emulator: HetznerEmulator;
let keyDir: string;

beforeAll(async () => {
  hosts = await HostPool.create();
  emulator = await startHetznerEmulator({ hosts, actionMs: 150 });
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-e2e-hetzner-"));
});

afterAll(async () => {
  await emulator?.stop();
  await hosts?.close();
  if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
});

function hetznerConfig(token = emulator.token): Record<string, ConfigValue> {
  return {
    "hcloud:endpoint": emulator.url,
    "hcloud:token": { value: token, secret: true },
    "hcloud:pollInterval": "100ms",
    "hcloud:pollFunction": "constant",
  };
}

/** A fresh ed25519 key pair per test: Hetzner refuses a second key with the same fingerprint. */
function keyPair(): { publicKey: string; privateKey: string } {
  const file = path.join(keyDir, `id-${randomBytes(4).toString("hex")}`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hoist-e2e", "-f", file]);
  return { publicKey: fs.readFileSync(`${file}.pub`, "utf8").trim(), privateKey: fs.readFileSync(file, "utf8") };
}

/** SshKey + Server (the provisioning core), plus whatever `extra` adds around the server. */
function serverProgram(publicKey: string, extra?: (server: hcloud.Server) => Record<string, unknown>): PulumiFn {
  return async () => {
    const key = new hcloud.SshKey("key", { publicKey });
    const server = new hcloud.Server("web", { serverType: "cx22", image: "ubuntu-24.04", location: "fsn1", sshKeys: [key.id] });
    return { id: server.id, ip: server.ipv4Address, ...extra?.(server) };
  };
}


/** After a failed assertion, what the test made must still go, or it leaks into the next test. */
async function destroyQuietly(stack: Stack): Promise<void> {
  await stack.destroy().catch(() => undefined);
}

describe("hcloud through the real engine", () => {
  it("provisions a server, configures it over SSH, sees drift, resizes and destroys it", async () => {
    const marker = `hoist-${randomBytes(6).toString("hex")}`;
    const { publicKey, privateKey } = keyPair();
    const program = serverProgram(publicKey, (server) => {
      const fw = new hcloud.Firewall("fw", {
        rules: [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0", "::/0"] }],
        applyTos: [{ server: server.id.apply(Number) }],
      });
      const hello = new command.remote.Command("hello", {
        connection: { host: server.ipv4Address, user: "root", privateKey },
        create: `echo ${marker} > /root/hello.txt && cat /root/hello.txt`,
      });
      return { stdout: hello.stdout, firewall: fw.id, serverType: server.serverType, status: server.status };
    });
    const { stack, cleanup } = await testStack({ program, config: hetznerConfig(), stackName: "e2e-up" });
    try {
      const up = await stack.up();
      expect(up.summary.result).toBe("succeeded");
      expect(up.outputs.stdout!.value).toBe(marker);
      expect(up.outputs.status!.value).toBe("running");
      const id = Number(up.outputs.id!.value);
      const ip = up.outputs.ip!.value as string;
      expect(ip).toMatch(/^127\./);
      const hostKey = await hostKeyAt(ip);
      expect(hostKey).toMatch(/^ssh-ed25519 /);

      // The file landed on that server's root filesystem, and on no other host of the pool.
      const host = emulator.host(id)!;
      expect(host.address).toBe(ip);
      expect(fs.readFileSync(path.join(host.rootDir, "root/hello.txt"), "utf8").trim()).toBe(marker);
      for (const other of hosts.list().filter((h) => h.id !== host.id)) {
        expect(fs.existsSync(path.join(other.rootDir, "root/hello.txt"))).toBe(false);
      }
      const [apiServer] = emulator.state.servers();
      expect(apiServer!.public_net.firewalls.map((f) => f.id)).toEqual([Number(up.outputs.firewall!.value)]);

      // What the provider asked: sorted query keys, action polling by id, a final read.
      const asked = emulator.requests().map((r) => `${r.method} ${r.path}`);
      expect(asked).toContain("GET /server_types?name=cx22");
      expect(asked).toContain("GET /images?architecture=x86&include_deprecated=true&name=ubuntu-24.04");
      expect(asked.some((r) => /^GET \/actions\?id=\d+&page=1&sort=status&sort=id$/.test(r))).toBe(true);
      expect(asked).toContain(`GET /servers/${id}`);

      const clean = await stack.previewRefresh();
      expect(clean.changeSummary.update ?? 0).toBe(0);
      expect(clean.changeSummary.delete ?? 0).toBe(0);

      emulator.outOfBand.changeType(id, "cx32");
      const drift = await stack.previewRefresh();
      expect(drift.changeSummary.update).toBe(1);

      // Refresh takes the drift into state; the next up puts the type back the provider's way:
      // power off, change_type, and no power on.
      await stack.refresh();
      const back = await stack.up();
      expect(back.summary.resourceChanges?.update).toBe(1);
      expect(emulator.state.servers()[0]!.server_type.name).toBe("cx22");
      expect(emulator.state.servers()[0]!.status).toBe("off");
      // Another test may take the address at once: gone means this server no longer answers there.
      expect(await hostKeyAt(ip)).not.toBe(hostKey);

      await stack.destroy();
      expect(emulator.state.servers()).toEqual([]);
      expect(emulator.state.sshKeys()).toEqual([]);
      expect(emulator.state.firewalls()).toEqual([]);
      expect(emulator.host(id)).toBeUndefined();
      expect(hosts.get(host.id)).toBeUndefined();
    } finally {
      await destroyQuietly(stack);
      await cleanup();
    }
  });

  it("shows a server killed out of band in the refreshed outputs, and one deleted out of band leaves the state", async () => {
    const { publicKey } = keyPair();
    const { stack, cleanup } = await testStack({ program: serverProgram(publicKey), config: hetznerConfig(), stackName: "e2e-drift" });
    try {
      const up = await stack.up();
      const id = Number(up.outputs.id!.value);
      const ip = up.outputs.ip!.value as string;
      const hostKey = await hostKeyAt(ip);
      expect(hostKey).toMatch(/^ssh-ed25519 /);

      await emulator.outOfBand.kill(id);
      expect(await hostKeyAt(ip)).not.toBe(hostKey);
      // `status` is an output only, so the engine's diff-based refresh summary does not count it
      // (as with the official plugin); the refresh events carry it.
      const seen: { old?: string; new?: string }[] = [];
      await stack.previewRefresh({
        onEvent: (e) => {
          const m = e.resOutputsEvent?.metadata;
          if (m?.type === "hcloud:index/server:Server") seen.push({ old: m.old?.outputs?.status, new: m.new?.outputs?.status });
        },
      });
      expect(seen).toContainEqual({ old: "running", new: "off" });

      await emulator.outOfBand.delete(id);
      const gone = await stack.previewRefresh();
      expect(gone.changeSummary.delete).toBe(1);
      await stack.refresh();
      const resources = (await stack.exportStack()).deployment.resources as { type: string }[];
      expect(resources.some((r) => r.type === "hcloud:index/server:Server")).toBe(false);
      await stack.destroy();
      expect(emulator.state.sshKeys().filter((k) => k.public_key === publicKey)).toEqual([]);
    } finally {
      await destroyQuietly(stack);
      await cleanup();
    }
  });
});

describe("faults through the engine", () => {
  it("a token Hetzner rejects fails up with the provider's authentication error", async () => {
    const { stack, cleanup } = await testStack({ program: serverProgram(keyPair().publicKey), config: hetznerConfig(makeToken()), stackName: "e2e-badtoken" });
    try {
      const t0 = Date.now();
      const message = await failure(stack.up());
      expect(message).toMatch(/unable to authenticate \(unauthorized, [0-9a-f]{16}\)/);
      expect(Date.now() - t0).toBeLessThan(60_000);
    } finally {
      await cleanup();
    }
  });

  it("a token of the wrong length is refused before any request", async () => {
    const before = emulator.requests().length;
    const { stack, cleanup } = await testStack({ program: serverProgram(keyPair().publicKey), config: hetznerConfig("too-short"), stackName: "e2e-shorttoken" });
    try {
      const message = await failure(stack.up());
      expect(message).toContain("entered token is invalid (must be exactly 64 characters long)");
      expect(emulator.requests().length).toBe(before);
    } finally {
      await cleanup();
    }
  });

  it("a server quota fails up with resource_limit_exceeded, and destroy cleans up the rest", async () => {
    const { publicKey } = keyPair();
    const { stack, cleanup } = await testStack({ program: serverProgram(publicKey), config: hetznerConfig(), stackName: "e2e-quota" });
    try {
      emulator.faults.set({ kind: "quota" }, { times: 1 });
      const message = await failure(stack.up());
      expect(message).toMatch(/server limit exceeded \(resource_limit_exceeded, [0-9a-f]{16}\)/);
      await stack.destroy();
      expect(emulator.state.sshKeys().filter((k) => k.public_key === publicKey)).toEqual([]);
    } finally {
      emulator.faults.clear("quota");
      await destroyQuietly(stack);
      await cleanup();
    }
  });

  it("a create action that fails leaves the server in state, and destroy deletes it", async () => {
    const { stack, cleanup } = await testStack({ program: serverProgram(keyPair().publicKey), config: hetznerConfig(), stackName: "e2e-actionfail" });
    try {
      emulator.faults.set({ kind: "action-fails", message: "error during placement", code: "resource_unavailable" }, { times: 1 });
      const message = await failure(stack.up());
      expect(message).toMatch(/error during placement \(resource_unavailable, \d+\)/);
      const resources = (await stack.exportStack()).deployment.resources as { type: string; id?: string }[];
      const inState = resources.find((r) => r.type === "hcloud:index/server:Server");
      expect(inState?.id).toMatch(/^\d+$/);
      expect(emulator.state.servers().map((s) => String(s.id))).toContain(inState!.id);

      await stack.destroy();
      expect(emulator.state.servers().map((s) => String(s.id))).not.toContain(inState!.id);
      expect(emulator.host(Number(inState!.id))).toBeUndefined();
    } finally {
      emulator.faults.clear("action-fails");
      await destroyQuietly(stack);
      await cleanup();
    }
  });
});
