// The Hetzner adapter's own API calls against the emulator: catalog, credential check, power and
// finding a server's resources by its node label.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hetznerCloud as hetzner } from "../../stacks/hetzner.ts";
import type { CloudCredential } from "../../stacks/cloud.ts";
import { Secret } from "../../state/secrets.ts";
import { makeToken, startHetznerEmulator, type HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import { HostPool } from "../emulators/hosts.ts";

let hosts: HostPool;
let emu: HetznerEmulator;
const NODE = "3f2b9a4e-7c1d-4e8f-9a6b-2d5c8e1f0a7b";
const cred = (token = emu.token): CloudCredential => ({ secret: new Secret({ token }), settings: {}, endpoint: emu.url });

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startHetznerEmulator({ hosts, actionMs: 100 });
});
afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
});

describe("catalog", () => {
  it("lists locations, current sizes with gross prices per location, and images once each", async () => {
    const c = await hetzner.servers!.catalog(cred());
    expect(c.currency).toBe("EUR");
    expect(c.locations.find((l) => l.id === "fsn1")).toEqual({ id: "fsn1", label: "Falkenstein, DE (fsn1)" });
    const cx22 = c.sizes.find((s) => s.id === "cx22")!;
    expect(cx22).toMatchObject({ cpus: 2, memoryGb: 4, diskGb: 40, architecture: "x86", label: "CX22: 2 vCPU, 4 GB RAM, 40 GB disk" });
    expect(cx22.prices.fsn1!.monthly).toBeGreaterThan(0);
    expect(typeof cx22.prices.fsn1!.hourly).toBe("number");
    // Offered in the EU only: no price where it cannot be created.
    expect(cx22.prices.ash).toBeUndefined();
    // A retired plan is not offered at all.
    expect(c.sizes.map((s) => s.id)).not.toContain("cx11");
    const images = c.images.map((i) => i.id);
    expect(images).toEqual(expect.arrayContaining(["ubuntu-24.04", "debian-12"]));
    expect(new Set(images).size).toBe(images.length);
    expect(images).not.toContain("ubuntu-20.04");
  });

  it("fails with the provider's message when the catalog is down or the token is refused", async () => {
    emu.faults.set({ kind: "catalog-down", mode: "5xx" });
    try {
      await expect(hetzner.servers!.catalog(cred())).rejects.toThrow(/\S/);
    } finally {
      emu.faults.clear();
    }
    await expect(hetzner.servers!.catalog(cred(makeToken()))).rejects.toThrow("unable to authenticate");
  });
});

describe("power and lookups", () => {
  it("powers a server off and on through its actions, and finds resources by their node label", async () => {
    const key = await fetch(`${emu.url}/ssh_keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "k", public_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG k", labels: { "hoist-node": NODE } }),
    }).then((r) => r.json() as Promise<{ ssh_key: { id: number } }>);
    const created = await fetch(`${emu.url}/servers`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "powered", server_type: "cx22", image: "ubuntu-24.04", location: "fsn1", ssh_keys: [key.ssh_key.id], labels: { "hoist-node": NODE } }),
    }).then((r) => r.json() as Promise<{ server: { id: number } }>);
    const id = String(created.server.id);
    const lookup = (type: string, nodeId = NODE) => hetzner.servers!.findResource(cred(), { type, nodeId, region: "fsn1", inputs: { name: "powered" } });
    expect(await lookup("hcloud:index/server:Server")).toBe(id);
    expect(await lookup("hcloud:index/sshKey:SshKey")).toBe(String(key.ssh_key.id));
    // Found by the node's label only: the name alone, or another node's label, finds nothing.
    expect(await lookup("hcloud:index/server:Server", "8d5e2c1a-0000-4000-8000-000000000000")).toBeUndefined();
    expect(await lookup("command:remote:Command")).toBeUndefined();

    for (let i = 0; i < 50 && emu.state.servers()[0]?.status !== "running"; i++) await new Promise((r) => setTimeout(r, 100));
    await hetzner.servers!.power(cred(), { providerId: id, region: "fsn1" }, "off");
    expect(emu.state.servers().find((s) => String(s.id) === id)!.status).toBe("off");
    await hetzner.servers!.power(cred(), { providerId: id, region: "fsn1" }, "on");
    expect(emu.state.servers().find((s) => String(s.id) === id)!.status).toBe("running");
  });
});
