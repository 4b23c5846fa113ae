// The stand-in's resource handlers driven directly (no engine) against the Hetzner emulator: the
// state they produce, the requests they send, and the errors they report.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../../emulators/hosts.ts";
import { startHetznerEmulator, type HetznerEmulator } from "../../emulators/hetzner/emulator.ts";
import { ResourceInitError } from "../serve.ts";
import { HcloudStandIn } from "./provider.ts";

let hosts: HostPool;
let emu: HetznerEmulator;
let provider: HcloudStandIn;
let dir: string;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startHetznerEmulator({ hosts, actionMs: 50 });
  provider = new HcloudStandIn();
  await provider.configure({ token: emu.token, endpoint: emu.url, pollInterval: "20ms", pollFunction: "constant" });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-hcloud-provider-"));
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const urn = (type: string, name: string) => `urn:pulumi:dev::hoist::${type}::${name}`;
const SERVER = "hcloud:index/server:Server";
const KEY = "hcloud:index/sshKey:SshKey";
const FIREWALL = "hcloud:index/firewall:Firewall";
const since = (n: number) => emu.requests().slice(n).map((r) => `${r.method} ${r.path}`);
/** `s` as a regular expression that matches only itself. */
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

let keys = 0;
function publicKey(): string {
  const file = path.join(dir, `k${keys++}`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file]);
  return fs.readFileSync(`${file}.pub`, "utf8").trim();
}

async function checked(type: string, name: string, news: Record<string, unknown>) {
  const { inputs, failures } = await provider.check(urn(type, name), {}, news);
  expect(failures ?? []).toEqual([]);
  return inputs;
}

async function newKey(name: string) {
  const u = urn(KEY, name);
  return provider.create(u, await checked(KEY, name, { publicKey: publicKey() }));
}

describe("Server", () => {
  it("creates with the official provider's requests and state", async () => {
    const key = await newKey("srv");
    const u = urn(SERVER, "web");
    const inputs = await checked(SERVER, "web", { serverType: "cx22", image: "ubuntu-24.04", location: "fsn1", sshKeys: [key.id], userData: "#cloud-config\n" });
    const n = emu.requests().length;
    const { id, outs } = await provider.create(u, inputs);
    const asked = since(n);
    expect(asked.slice(0, 4)).toEqual([
      "GET /server_types?name=cx22",
      "GET /images?architecture=x86&include_deprecated=true&name=ubuntu-24.04",
      `GET /ssh_keys/${key.id}`,
      "POST /servers",
    ]);
    expect(asked.slice(4, -1).every((r) => /^GET \/actions\?id=\d+&page=1&sort=status&sort=id$/.test(r))).toBe(true);
    expect(asked.at(-1)).toBe(`GET /servers/${id}`);

    expect(outs).toMatchObject({
      name: inputs.name,
      serverType: "cx22",
      image: "ubuntu-24.04",
      location: "fsn1",
      datacenter: "fsn1-dc14",
      status: "running",
      sshKeys: [key.id],
      userData: createHash("sha1").update("#cloud-config\n").digest("base64"),
      labels: {},
      firewallIds: [],
      primaryDiskSize: 40,
      backups: false,
      deleteProtection: false,
      rebuildProtection: false,
      __meta: expect.stringContaining("e2bfb730-ecaa-11e6-8f88-34363bc7c4c0"),
    });
    expect(outs.ipv4Address).toMatch(/^127\./);
    expect(outs.ipv6Network).toMatch(/\/64$/);
    expect(outs.ipv6Address).toBe(`${outs.ipv6Network.split("/")[0]}1`);
    expect(outs).not.toHaveProperty("__defaults");

    // A refresh of an unchanged server reads the same state back.
    const read = await provider.read(id, u, outs);
    expect(read).toMatchObject({ id, props: outs });
    expect(read.inputs).toMatchObject({ name: inputs.name, serverType: "cx22", sshKeys: [key.id] });
    expect((await provider.diff(id, u, read.props, inputs)).changes).toBe(false);

    // Resizing powers off and changes the type, and leaves the server off.
    const m = emu.requests().length;
    const { outs: resized } = await provider.update(id, u, outs, { ...inputs, serverType: "cx32" });
    expect(since(m).filter((r) => r.startsWith("POST"))).toEqual([`POST /servers/${id}/actions/poweroff`, `POST /servers/${id}/actions/change_type`]);
    expect(resized).toMatchObject({ serverType: "cx32", status: "off", primaryDiskSize: 80 });

    await provider.delete(id, u, resized);
    expect(emu.state.servers().map((s) => String(s.id))).not.toContain(id);
  });

  it("drops a server deleted out of band from state on read, and fails to delete it again", async () => {
    const u = urn(SERVER, "gone");
    const { id, outs } = await provider.create(u, await checked(SERVER, "gone", { serverType: "cpx11", image: "debian-12", location: "hil" }));
    await emu.outOfBand.delete(Number(id));
    const n = emu.requests().length;
    expect(await provider.read(id, u, outs)).toEqual({ id: "", props: {} });
    expect(since(n)).toEqual([`GET /servers/${id}`, `GET /servers?name=${id}`]);
    await expect(provider.delete(id, u, outs)).rejects.toThrow(new RegExp(`^deleting ${escape(u)}: 1 error occurred:\n\t\\* server with ID '${id}' not found \\(not_found, [0-9a-f]{16}\\)\n\n$`));
  });

  it("fails before creating anything with the provider's wording", async () => {
    const u = urn(SERVER, "bad-image");
    const n = emu.requests().length;
    await expect(provider.create(u, await checked(SERVER, "bad-image", { serverType: "cax11", image: "ubuntu-20.04" }))).rejects.toThrow(
      "1 error occurred:\n\t* image ubuntu-20.04 for architecture arm not found\n\n",
    );
    await expect(provider.create(u, await checked(SERVER, "bad-type", { serverType: "cx99", image: "debian-12" }))).rejects.toThrow("server type cx99 not found");
    await expect(provider.create(u, await checked(SERVER, "bad-key", { serverType: "cx22", image: "debian-12", sshKeys: ["nope"] }))).rejects.toThrow(
      "SSH key not found: nope",
    );
    await expect(provider.create(u, await checked(SERVER, "bad-loc", { serverType: "cx22", image: "debian-12", location: "ash" }))).rejects.toThrow(
      /^1 error occurred:\n\t\* unsupported location for server type \(invalid_input, [0-9a-f]{16}\): \[server_type => \[unsupported location for server type\]\]\n\n$/,
    );
    await expect(provider.create(u, await checked(SERVER, "retro", { serverType: "cx11", image: "debian-12", location: "fsn1" }))).rejects.toThrow(
      'Attention: The server plan "cx11" is deprecated and can no longer be ordered.',
    );
    expect(since(n).filter((r) => r.startsWith("POST")).length).toBe(1);
  });

  it("keeps a server whose create action failed in state, so a destroy can delete it", async () => {
    emu.faults.set({ kind: "action-fails", message: "error during placement", code: "resource_unavailable" }, { times: 1 });
    const u = urn(SERVER, "half");
    const inputs = await checked(SERVER, "half", { serverType: "cx22", image: "debian-12" });
    const err = await provider.create(u, inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceInitError);
    const init = err as ResourceInitError;
    expect(init.id).toMatch(/^\d+$/);
    expect(init.reasons[0]).toMatch(new RegExp(`^creating ${u.replace(/[$]/g, "\\$")}: 1 error occurred:\n\t\\* error during placement \\(resource_unavailable, \\d+\\)`));
    expect(init.properties).toMatchObject({ name: inputs.name, serverType: "cx22" });
    await provider.delete(init.id, u, init.properties);
    expect(emu.state.servers().map((s) => String(s.id))).not.toContain(init.id);
  });
});

describe("SshKey", () => {
  it("creates, reads, renames and deletes; a key gone elsewhere leaves state and deletes fine", async () => {
    const u = urn(KEY, "k");
    const inputs = await checked(KEY, "k", { publicKey: publicKey(), labels: { a: "b" } });
    const { id, outs } = await provider.create(u, inputs);
    expect(outs).toEqual({ name: inputs.name, publicKey: inputs.publicKey, fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/), labels: { a: "b" } });
    expect((await provider.update(id, u, outs, { ...inputs, name: "renamed" })).outs).toMatchObject({ name: "renamed" });
    expect((await provider.diff(id, u, outs, { ...inputs, publicKey: publicKey() })).replaces).toEqual(["publicKey"]);
    await provider.delete(id, u, outs);
    expect(await provider.read(id, u, outs)).toEqual({ id: "", props: {} });
    await provider.delete(id, u, outs);
  });

  it("reports API errors as the Plugin Framework resource does", async () => {
    const key = publicKey();
    await provider.create(urn(KEY, "first"), await checked(KEY, "first", { publicKey: key }));
    await expect(provider.create(urn(KEY, "second"), await checked(KEY, "second", { publicKey: key }))).rejects.toThrow(
      /^API request failed: An unexpected error was encountered during an API request\.\n\nSSH key with the same fingerprint already exists \(uniqueness_error, [0-9a-f]{16}\)\n\nError code: uniqueness_error\nStatus code: 409\n$/,
    );
  });
});

describe("Firewall", () => {
  it("creates with rules and targets, sets rules with one action, and detaches before deleting", async () => {
    const server = await provider.create(urn(SERVER, "fw-target"), await checked(SERVER, "fw-target", { serverType: "cx22", image: "debian-12" }));
    const u = urn(FIREWALL, "fw");
    const rules = [{ direction: "in", protocol: "tcp", port: "22", sourceIps: ["0.0.0.0/0", "::/0"] }];
    const inputs = await checked(FIREWALL, "fw", { rules, applyTos: [{ server: Number(server.id) }] });
    const { id, outs } = await provider.create(u, inputs);
    expect(outs).toEqual({ name: inputs.name, labels: {}, rules, applyTos: [{ server: Number(server.id) }] });
    expect(emu.state.servers().find((s) => String(s.id) === server.id)!.public_net.firewalls).toEqual([{ id: Number(id), status: "applied" }]);

    const n = emu.requests().length;
    const more = [...rules, { direction: "in", protocol: "icmp", sourceIps: ["0.0.0.0/0"] }];
    expect((await provider.diff(id, u, outs, { ...inputs, rules: more })).changes).toBe(true);
    expect((await provider.diff(id, u, outs, { ...inputs, rules: [...rules].reverse() })).changes).toBe(false);
    const updated = await provider.update(id, u, outs, { ...inputs, rules: more });
    expect(updated.outs.rules).toHaveLength(2);
    expect(since(n).filter((r) => r.startsWith("POST"))).toEqual([`POST /firewalls/${id}/actions/set_rules`]);

    const m = emu.requests().length;
    await provider.delete(id, u, updated.outs);
    expect(since(m).filter((r) => !r.startsWith("GET /actions"))).toEqual([
      `GET /firewalls/${id}`,
      `POST /firewalls/${id}/actions/remove_from_resources`,
      `DELETE /firewalls/${id}`,
    ]);
    expect(emu.state.firewalls()).toEqual([]);
  });
});
