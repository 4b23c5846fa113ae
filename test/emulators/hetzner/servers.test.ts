// Conformance of the emulator's ssh_keys and servers (with their actions and SSH hosts), with the
// shapes and error bodies of cloud-apis.md §1.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { startHetznerEmulator, type HetznerEmulator } from "./emulator.ts";
import { apiClient, type ApiClient } from "./test-client.ts";

let hosts: HostPool;
let emu: HetznerEmulator;
let api: ApiClient;
let keyDir: string;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startHetznerEmulator({ hosts, actionMs: 50 });
  api = apiClient(emu);
  keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-hetzner-keys-"));
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
  if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
});

let keyCount = 0;
function publicKey(): string {
  const file = path.join(keyDir, `k${keyCount++}`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", file]);
  return fs.readFileSync(`${file}.pub`, "utf8").trim();
}

function listening(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port: 22 });
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
  });
}

describe("ssh_keys", () => {
  it("creates, finds, renames and deletes a key, with Hetzner's MD5 fingerprint", async () => {
    const key = publicKey();
    const res = await api.post("/ssh_keys", { name: "laptop", public_key: key, labels: { team: "ops" } });
    expect(res.status).toBe(201);
    const md5 = execFileSync("ssh-keygen", ["-l", "-E", "md5", "-f", "-"], { input: key }).toString().split(" ")[1]!.replace(/^MD5:/, "");
    expect(res.body.ssh_key).toEqual({ id: expect.any(Number), name: "laptop", fingerprint: md5, public_key: key, labels: { team: "ops" }, created: expect.any(String) });
    const id = res.body.ssh_key.id;

    expect((await api.get("/ssh_keys?name=laptop")).body.ssh_keys.map((k: { id: number }) => k.id)).toEqual([id]);
    expect((await api.get(`/ssh_keys?fingerprint=${md5}`)).body.ssh_keys).toHaveLength(1);
    expect((await api.get("/ssh_keys?label_selector=team=ops")).body.ssh_keys).toHaveLength(1);
    expect((await api.put(`/ssh_keys/${id}`, { name: "desk", labels: {} })).body.ssh_key).toMatchObject({ name: "desk", labels: {} });

    const dup = await api.post("/ssh_keys", { name: "again", public_key: key });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "uniqueness_error", message: "SSH key with the same fingerprint already exists" });
    const sameName = await api.post("/ssh_keys", { name: "desk", public_key: publicKey() });
    expect(sameName.body.error.code).toBe("uniqueness_error");

    expect((await api.del(`/ssh_keys/${id}`)).status).toBe(204);
    expect((await api.get(`/ssh_keys/${id}`)).status).toBe(404);
  });

  it("refuses what is not an OpenSSH public key with invalid_input naming the field", async () => {
    const res = await api.post("/ssh_keys", { name: "bad", public_key: "ssh-ed25519 bm90IGEga2V5" });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: "invalid_input",
      message: "invalid input in field 'public_key'",
      details: { fields: [{ name: "public_key", messages: ["invalid public key"] }] },
    });
  });
});

describe("servers", () => {
  it("creates a server with an action and next_actions, then runs its SSH host on a loopback address", async () => {
    const key = await api.post("/ssh_keys", { name: "srv-key", public_key: publicKey() });
    const res = await api.post("/servers", { name: "web-a1b2c3d", server_type: "cx22", image: "ubuntu-24.04", location: "nbg1", ssh_keys: [key.body.ssh_key.id], labels: { role: "web" } });
    expect(res.status).toBe(201);
    const { server, action, next_actions, root_password } = res.body;
    expect(root_password).toBeNull();
    expect(action).toMatchObject({ command: "create_server", status: "running", finished: null, error: null, resources: [{ id: server.id, type: "server" }] });
    expect(action.progress).toBeGreaterThanOrEqual(0);
    expect(action.progress).toBeLessThan(100);
    expect(next_actions.map((a: { command: string }) => a.command)).toEqual(["start_server"]);
    expect(server).toMatchObject({
      name: "web-a1b2c3d",
      status: "initializing",
      labels: { role: "web" },
      locked: false,
      rescue_enabled: false,
      backup_window: null,
      iso: null,
      private_net: [],
      protection: { delete: false, rebuild: false },
      primary_disk_size: 40,
      placement_group: null,
      volumes: [],
      load_balancers: [],
      server_type: { name: "cx22", cores: 2 },
      image: { name: "ubuntu-24.04", architecture: "x86" },
      location: { name: "nbg1", network_zone: "eu-central" },
      datacenter: { name: "nbg1-dc3", location: { name: "nbg1" } },
    });
    expect(server.public_net.ipv4).toMatchObject({ id: expect.any(Number), ip: expect.stringMatching(/^127\./), blocked: false });
    expect(server.public_net.ipv6.ip).toMatch(/^2001:db8:[0-9a-f]*::\/64$/);
    expect(await listening(server.public_net.ipv4.ip)).toBe(false);

    const done = await api.settle(action.id);
    expect(done).toMatchObject({ status: "success", progress: 100, finished: expect.any(String) });
    await api.settle(next_actions[0].id);
    const running = (await api.get(`/servers/${server.id}`)).body.server;
    expect(running.status).toBe("running");
    expect(await listening(server.public_net.ipv4.ip)).toBe(true);
    expect(emu.host(server.id)).toMatchObject({ address: server.public_net.ipv4.ip, running: true });

    expect((await api.get("/servers?name=web-a1b2c3d")).body.servers.map((s: { id: number }) => s.id)).toEqual([server.id]);
    expect((await api.get("/servers?label_selector=role=web")).body.servers).toHaveLength(1);
    expect((await api.get("/servers?label_selector=role=db")).body.servers).toHaveLength(0);
  });

  it("gives a root password to a server created without keys", async () => {
    const res = await api.post("/servers", { name: "no-keys", server_type: "cpx11", image: 161547269, location: "ash" });
    expect(res.status).toBe(201);
    expect(res.body.root_password).toEqual(expect.any(String));
    expect(res.body.server.location.name).toBe("ash");
  });

  it("validates creation with the API's own errors", async () => {
    const base = { name: "valid-name", server_type: "cx22", image: "ubuntu-24.04" };
    const cases: [Record<string, unknown>, number, string, string][] = [
      [{ location: "xyz" }, 400, "invalid_input", "location 'xyz' not found"],
      [{ location: "ash" }, 400, "invalid_input", "unsupported location for server type"],
      [{ server_type: "cx99" }, 400, "invalid_input", "server type 'cx99' not found"],
      [{ image: "windows-11" }, 400, "invalid_input", "image 'windows-11' not found"],
      [{ name: "not a hostname!" }, 400, "invalid_input", "invalid input in field 'name'"],
      [{ name: "web-a1b2c3d" }, 409, "uniqueness_error", "server name is already used"],
      [{ ssh_keys: [99999] }, 400, "invalid_input", "ssh key '99999' not found"],
    ];
    for (const [patch, status, code, message] of cases) {
      const res = await api.post("/servers", { ...base, ...patch });
      expect({ status: res.status, code: res.body.error.code, message: res.body.error.message }).toEqual({ status, code, message });
      if (code === "invalid_input") expect(res.body.error.details.fields[0].messages).toEqual(expect.any(Array));
    }
  });

  it("renames and relabels with PUT", async () => {
    const s = await api.createServer({ name: "to-rename" });
    const res = await api.put(`/servers/${s.id}`, { name: "renamed", labels: { env: "prod" } });
    expect(res.status).toBe(200);
    expect(res.body.server).toMatchObject({ name: "renamed", labels: { env: "prod" } });
  });

  it("powers off and on, stopping and starting the sshd", async () => {
    const s = await api.createServer({ name: "power" });
    const ip = s.public_net.ipv4.ip;
    expect(await listening(ip)).toBe(true);
    expect(await api.serverAction(s.id, "poweroff")).toMatchObject({ command: "stop_server", status: "success" });
    expect((await api.get(`/servers/${s.id}`)).body.server.status).toBe("off");
    expect(await listening(ip)).toBe(false);
    expect(await api.serverAction(s.id, "poweron")).toMatchObject({ command: "start_server", status: "success" });
    expect((await api.get(`/servers/${s.id}`)).body.server.status).toBe("running");
    expect(await listening(ip)).toBe(true);
    expect(await api.serverAction(s.id, "shutdown")).toMatchObject({ command: "shutdown_server", status: "success" });
    expect(await listening(ip)).toBe(false);
    await api.serverAction(s.id, "poweron");
    expect(await api.serverAction(s.id, "reboot")).toMatchObject({ command: "reboot_server", status: "success" });
    expect(await api.serverAction(s.id, "reset")).toMatchObject({ command: "reset_server", status: "success" });
    expect(await listening(ip)).toBe(true);
  });

  it("changes the type only when off, and rebuilds from another image", async () => {
    const s = await api.createServer({ name: "resize" });
    const refused = await api.post(`/servers/${s.id}/actions/change_type`, { server_type: "cx32", upgrade_disk: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("server_not_stopped");

    await api.serverAction(s.id, "poweroff");
    expect(await api.serverAction(s.id, "change_type", { server_type: "cx32", upgrade_disk: true })).toMatchObject({ command: "change_server_type", status: "success" });
    const resized = (await api.get(`/servers/${s.id}`)).body.server;
    expect(resized).toMatchObject({ status: "off", server_type: { name: "cx32" }, primary_disk_size: 80 });
    const shrink = await api.post(`/servers/${s.id}/actions/change_type`, { server_type: "cx22", upgrade_disk: false });
    expect(shrink.body.error.code).toBe("invalid_server_type");

    await api.serverAction(s.id, "poweron");
    const rebuild = await api.post(`/servers/${s.id}/actions/rebuild`, { image: "debian-12" });
    expect(rebuild.status).toBe(201);
    expect(rebuild.body).toMatchObject({ action: { command: "rebuild_server" }, root_password: null });
    expect((await api.get(`/servers/${s.id}`)).body.server.status).toBe("rebuilding");
    await api.settle(rebuild.body.action.id);
    expect((await api.get(`/servers/${s.id}`)).body.server).toMatchObject({ status: "running", image: { name: "debian-12" } });
  });

  it("refuses to delete a protected server, and deletes it with its host once unprotected", async () => {
    const s = await api.createServer({ name: "doomed" });
    await api.serverAction(s.id, "change_protection", { delete: true, rebuild: true });
    const refused = await api.del(`/servers/${s.id}`);
    expect(refused.status).toBe(423);
    expect(refused.body.error.code).toBe("protected");
    await api.serverAction(s.id, "change_protection", { delete: false });

    const hostId = emu.host(s.id)!.id;
    const res = await api.del(`/servers/${s.id}`);
    expect(res.status).toBe(200);
    expect(res.body.action).toMatchObject({ command: "delete_server", status: "running" });
    await api.settle(res.body.action.id);
    expect((await api.get(`/servers/${s.id}`)).status).toBe(404);
    expect(hosts.get(hostId)).toBeUndefined();
    expect(await listening(s.public_net.ipv4.ip)).toBe(false);
  });

  it("enables and disables backups", async () => {
    const s = await api.createServer({ name: "backed-up" });
    await api.serverAction(s.id, "enable_backup");
    expect((await api.get(`/servers/${s.id}`)).body.server.backup_window).toEqual(expect.any(String));
    await api.serverAction(s.id, "disable_backup");
    expect((await api.get(`/servers/${s.id}`)).body.server.backup_window).toBeNull();
  });
});

describe("addresses", () => {
  it("never hands out an address outside 127.0.0.0/8", async () => {
    const listed = [];
    for (let page = 1; page; ) {
      const res = await api.get(`/servers?page=${page}`);
      listed.push(...res.body.servers);
      page = res.body.meta.pagination.next_page;
    }
    expect(listed.length).toBeGreaterThan(3);
    for (const s of [...listed, ...emu.state.servers()]) {
      if (s.public_net.ipv4) expect(s.public_net.ipv4.ip).toMatch(/^127\.\d+\.\d+\.\d+$/);
      if (s.public_net.ipv6) expect(s.public_net.ipv6.ip).toMatch(/^2001:db8:/);
    }
  });
});
