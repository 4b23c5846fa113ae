// Conformance of droplets (and their actions and SSH hosts), SSH keys, firewalls and tags, with
// the shapes and error bodies of cloud-apis.md §2.
import net from "node:net";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostPool } from "../hosts.ts";
import { startDigitalOceanEmulator, type DigitalOceanEmulator } from "./emulator.ts";
import { apiClient, type ApiClient } from "./test-client.ts";

let hosts: HostPool;
let emu: DigitalOceanEmulator;
let api: ApiClient;

beforeAll(async () => {
  hosts = await HostPool.create();
  emu = await startDigitalOceanEmulator({ hosts, timing: { bootMs: 150, actionMs: 50 } });
  api = apiClient(emu);
});

afterAll(async () => {
  await emu?.stop();
  await hosts?.close();
});

const newKey = () => ssh2.utils.generateKeyPairSync("ed25519", { comment: "hoist-test" });

function listening(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port: 22 });
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
  });
}

/** Runs `cmd` over SSH as root; rejects when the server refuses the key. */
function ssh(address: string, privateKey: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn.once("error", reject);
    conn.once("ready", () =>
      conn.exec(cmd, (err, stream) => {
        if (err) return reject(err);
        let out = "";
        stream.on("data", (d: Buffer) => (out += d));
        stream.stderr.resume();
        stream.once("close", () => (conn.end(), resolve(out)));
      }),
    );
    conn.connect({ host: address, port: 22, username: "root", privateKey, readyTimeout: 10_000 });
  });
}

async function registerKey(name: string, publicKey: string) {
  const res = await api.post("/v2/account/keys", { name, public_key: publicKey });
  expect(res.status).toBe(201);
  return res.body.ssh_key;
}

/** Creates a droplet and waits until it is active. */
async function createDroplet(body: Record<string, unknown> = {}) {
  const res = await api.post("/v2/droplets", { name: "web-1", region: "fra1", size: "s-1vcpu-1gb", image: "ubuntu-24-04-x64", ...body });
  expect(res.status).toBe(202);
  await api.settle(res.body.links.actions[0].id);
  return api.until(res.body.droplet.id, "active");
}

async function act(id: number, body: Record<string, unknown>) {
  const res = await api.post(`/v2/droplets/${id}/actions`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return api.settle(res.body.action.id);
}

describe("ssh keys", () => {
  it("creates, reads by id or fingerprint, renames and deletes", async () => {
    const { public: pub } = newKey();
    const key = await registerKey("laptop", pub);
    expect(key).toEqual({ id: expect.any(Number), fingerprint: expect.stringMatching(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/), public_key: pub, name: "laptop" });
    expect((await api.get(`/v2/account/keys/${key.id}`)).body.ssh_key).toEqual(key);
    expect((await api.get(`/v2/account/keys/${key.fingerprint}`)).body.ssh_key).toEqual(key);
    expect((await api.get("/v2/account/keys")).body.ssh_keys).toContainEqual(key);
    expect((await api.put(`/v2/account/keys/${key.id}`, { name: "desk" })).body.ssh_key.name).toBe("desk");

    const dup = await api.post("/v2/account/keys", { name: "again", public_key: pub });
    expect(dup.status).toBe(422);
    expect(dup.body).toMatchObject({ id: "unprocessable_entity", message: "SSH Key is already in use on your account" });
    const bad = await api.post("/v2/account/keys", { name: "bad", public_key: "ssh-ed25519 bm90IGEga2V5" });
    expect(bad.status).toBe(422);

    expect((await api.del(`/v2/account/keys/${key.fingerprint}`)).status).toBe(204);
    expect((await api.get(`/v2/account/keys/${key.id}`)).status).toBe(404);
  });
});

describe("droplets", () => {
  it("creates a droplet (202, links.actions) that becomes active as a real SSH host for its keys only", async () => {
    const mine = newKey();
    const stranger = newKey();
    const key = await registerKey("deploy", mine.public);
    const res = await api.post("/v2/droplets", {
      name: "web-ssh",
      region: "ams3",
      size: "s-2vcpu-4gb",
      image: "debian-12-x64",
      ssh_keys: [key.fingerprint],
      tags: ["hoist", "web"],
      monitoring: true,
    });
    expect(res.status).toBe(202);
    const { droplet, links } = res.body;
    expect(droplet).toMatchObject({ name: "web-ssh", status: "new", locked: false, networks: { v4: [], v6: [] }, tags: ["hoist", "web"] });
    expect(links.actions).toEqual([{ id: expect.any(Number), rel: "create", href: `${emu.url}/v2/actions/${links.actions[0].id}` }]);
    const action = await api.settle(links.actions[0].id);
    expect(action).toMatchObject({ status: "completed", type: "create", resource_id: droplet.id, resource_type: "droplet", region_slug: "ams3" });
    expect(action.completed_at).toEqual(expect.any(String));

    const active = (await api.get(`/v2/droplets/${droplet.id}`)).body.droplet;
    expect(active).toMatchObject({
      status: "active",
      memory: 4096,
      vcpus: 2,
      disk: 80,
      size_slug: "s-2vcpu-4gb",
      size: { slug: "s-2vcpu-4gb", price_monthly: 24 },
      region: { slug: "ams3", name: "Amsterdam 3" },
      image: { slug: "debian-12-x64", distribution: "Debian" },
      features: expect.arrayContaining(["monitoring", "private_networking"]),
      vpc_uuid: expect.any(String),
    });
    const [pub, priv] = active.networks.v4;
    expect(pub).toMatchObject({ type: "public", ip_address: expect.stringMatching(/^127\./) });
    expect(priv).toMatchObject({ type: "private", ip_address: expect.stringMatching(/^127\./) });

    const address = pub.ip_address;
    expect(emu.hostOf(droplet.id)?.address).toBe(address);
    expect(await ssh(address, mine.private, "nproc; echo ok")).toBe("2\nok\n");
    await expect(ssh(address, stranger.private, "true")).rejects.toThrow(/authentication methods failed/);
  });

  it("rejects invalid create requests with the API's 422 messages", async () => {
    const base = { name: "bad", region: "fra1", size: "s-1vcpu-1gb", image: "ubuntu-24-04-x64" };
    const cases: [Record<string, unknown>, string][] = [
      [{ size: "s-99vcpu-1tb" }, "You specified an invalid size for Droplet creation."],
      [{ image: "windows-11" }, "You specified an invalid image for Droplet creation."],
      [{ region: "mars1" }, "You specified an invalid region for Droplet creation."],
      [{ size: "s-1vcpu-512mb-10gb", region: "ams3" }, "Size is not available in this region."],
      [{ name: "no spaces" }, "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"],
      [{ ssh_keys: [123] }, "You specified an invalid SSH key ID or fingerprint: 123."],
    ];
    for (const [change, message] of cases) {
      const res = await api.post("/v2/droplets", { ...base, ...change });
      expect(res.status, message).toBe(422);
      expect(res.body).toEqual({ id: "unprocessable_entity", message, request_id: expect.any(String) });
    }
  });

  it("lists droplets, by tag_name and by name", async () => {
    const a = await createDroplet({ name: "list-a", tags: ["blue"] });
    const b = await createDroplet({ name: "list-b", tags: ["green"] });
    const all = (await api.get("/v2/droplets")).body;
    expect(all.droplets.map((d: { id: number }) => d.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(all.meta.total).toBe(all.droplets.length);
    expect((await api.get("/v2/droplets?tag_name=blue")).body.droplets.map((d: { id: number }) => d.id)).toEqual([a.id]);
    expect((await api.get("/v2/droplets?name=list-b")).body.droplets.map((d: { id: number }) => d.id)).toEqual([b.id]);
  });

  it("powers off and on (sshd follows), resizes when off, renames, and refuses a second pending event", async () => {
    const d = await createDroplet({ name: "power" });
    const address = d.networks.v4[0].ip_address;
    expect(await listening(address)).toBe(true);

    const resizeOn = await api.post(`/v2/droplets/${d.id}/actions`, { type: "resize", size: "s-2vcpu-4gb", disk: true });
    expect(resizeOn.status).toBe(422);
    expect(resizeOn.body.message).toBe("Droplet is currently on. Please power it off to run this event.");

    const off = await api.post(`/v2/droplets/${d.id}/actions`, { type: "power_off" });
    expect(off.status).toBe(201);
    expect(off.body.action).toMatchObject({ status: "in-progress", type: "power_off", completed_at: null });
    const busy = await api.post(`/v2/droplets/${d.id}/actions`, { type: "power_on" });
    expect(busy.status).toBe(422);
    expect(busy.body.message).toBe("Droplet already has a pending event.");
    await api.settle(off.body.action.id);
    expect((await api.get(`/v2/droplets/${d.id}`)).body.droplet.status).toBe("off");
    expect(await listening(address)).toBe(false);
    const again = await api.post(`/v2/droplets/${d.id}/actions`, { type: "power_off" });
    expect(again.body.message).toBe("Droplet is already powered off.");

    expect(await act(d.id, { type: "resize", size: "s-2vcpu-4gb", disk: true })).toMatchObject({ status: "completed", type: "resize" });
    expect((await api.get(`/v2/droplets/${d.id}`)).body.droplet).toMatchObject({ size_slug: "s-2vcpu-4gb", memory: 4096, vcpus: 2, disk: 80 });

    await act(d.id, { type: "power_on" });
    const on = (await api.get(`/v2/droplets/${d.id}`)).body.droplet;
    expect(on.status).toBe("active");
    expect(on.networks.v4[0].ip_address).toBe(address);
    expect(await listening(address)).toBe(true);

    await act(d.id, { type: "rename", name: "renamed" });
    expect((await api.get(`/v2/droplets/${d.id}`)).body.droplet.name).toBe("renamed");

    const history = (await api.get(`/v2/droplets/${d.id}/actions`)).body.actions.map((a: { type: string }) => a.type);
    expect(history).toEqual(["rename", "power_on", "resize", "power_off", "create"]);
  });

  it("deletes a droplet (204): gone from the API, its sshd stopped and its host removed", async () => {
    const d = await createDroplet({ name: "doomed" });
    const address = d.networks.v4[0].ip_address;
    const hostId = emu.hostOf(d.id)!.id;
    const res = await api.del(`/v2/droplets/${d.id}`);
    expect(res.status).toBe(204);
    expect((await api.get(`/v2/droplets/${d.id}`)).status).toBe(404);
    expect((await api.del(`/v2/droplets/${d.id}`)).status).toBe(404);
    await expect.poll(() => hosts.get(hostId), { timeout: 5000 }).toBeUndefined();
    expect(await listening(address)).toBe(false);
  });

  it("never lists an address outside 127.0.0.0/8", async () => {
    await createDroplet({ name: "addr-check" });
    const { droplets } = (await api.get("/v2/droplets?per_page=200")).body;
    expect(droplets.length).toBeGreaterThan(0);
    for (const d of droplets) {
      for (const n of [...d.networks.v4, ...d.networks.v6]) {
        expect(n.ip_address, `droplet ${d.id}`).toMatch(/^127\.\d+\.\d+\.\d+$/);
        expect(n.gateway).toMatch(/^127\./);
      }
    }
  });
});

describe("tags", () => {
  it("tags and untags droplets", async () => {
    const d = await createDroplet({ name: "tagged" });
    expect((await api.post("/v2/tags", { name: "team-a" })).status).toBe(201);
    const resources = [{ resource_id: String(d.id), resource_type: "droplet" }];
    expect((await api.post("/v2/tags/team-a/resources", { resources })).status).toBe(204);
    expect((await api.get("/v2/droplets?tag_name=team-a")).body.droplets.map((x: { id: number }) => x.id)).toEqual([d.id]);
    expect((await api.get("/v2/tags/team-a")).body.tag).toEqual({ name: "team-a", resources: { count: 1, droplets: { count: 1 } } });
    expect((await api.del("/v2/tags/team-a/resources", { resources })).status).toBe(204);
    expect((await api.get(`/v2/droplets/${d.id}`)).body.droplet.tags).toEqual([]);
  });
});

describe("firewalls", () => {
  it("creates (202), reads, updates (PUT), attaches droplets, tags and rules, and deletes (204)", async () => {
    const d = await createDroplet({ name: "walled" });
    const create = await api.post("/v2/firewalls", {
      name: "fw-1",
      inbound_rules: [{ protocol: "tcp", ports: "22", sources: { addresses: ["0.0.0.0/0"] } }],
      outbound_rules: [
        { protocol: "tcp", ports: "all", destinations: { addresses: ["0.0.0.0/0"] } },
        { protocol: "icmp", destinations: { addresses: ["0.0.0.0/0"] } },
      ],
      droplet_ids: [d.id],
      tags: null,
    });
    expect(create.status).toBe(202);
    const fw = create.body.firewall;
    expect(fw).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: "fw-1",
      status: "succeeded",
      inbound_rules: [{ protocol: "tcp", ports: "22", sources: { addresses: ["0.0.0.0/0"] } }],
      outbound_rules: [
        { protocol: "tcp", ports: "0", destinations: { addresses: ["0.0.0.0/0"] } },
        { protocol: "icmp", ports: "0", destinations: { addresses: ["0.0.0.0/0"] } },
      ],
      created_at: expect.any(String),
      droplet_ids: [d.id],
      tags: [],
      pending_changes: [],
    });
    expect((await api.get(`/v2/firewalls/${fw.id}`)).body.firewall).toEqual(fw);

    const put = await api.put(`/v2/firewalls/${fw.id}`, { name: "fw-2", inbound_rules: [{ protocol: "udp", ports: "53", sources: { tags: ["dns"] } }] });
    expect(put.status).toBe(200);
    expect(put.body.firewall).toMatchObject({ name: "fw-2", inbound_rules: [{ protocol: "udp", ports: "53", sources: { tags: ["dns"] } }], outbound_rules: [], droplet_ids: [] });

    expect((await api.post(`/v2/firewalls/${fw.id}/droplets`, { droplet_ids: [d.id] })).status).toBe(204);
    expect((await api.post(`/v2/firewalls/${fw.id}/tags`, { tags: ["web"] })).status).toBe(204);
    expect((await api.post(`/v2/firewalls/${fw.id}/rules`, { inbound_rules: [{ protocol: "tcp", ports: "443", sources: { addresses: ["::/0"] } }] })).status).toBe(204);
    const attached = (await api.get(`/v2/firewalls/${fw.id}`)).body.firewall;
    expect(attached).toMatchObject({ droplet_ids: [d.id], tags: ["web"] });
    expect(attached.inbound_rules).toHaveLength(2);
    expect((await api.del(`/v2/firewalls/${fw.id}/droplets`, { droplet_ids: [d.id] })).status).toBe(204);
    expect((await api.get(`/v2/firewalls/${fw.id}`)).body.firewall.droplet_ids).toEqual([]);

    const unknownDroplet = await api.post(`/v2/firewalls/${fw.id}/droplets`, { droplet_ids: [1] });
    expect(unknownDroplet.status).toBe(422);
    expect((await api.get("/v2/firewalls")).body.firewalls.map((f: { id: string }) => f.id)).toContain(fw.id);
    expect((await api.del(`/v2/firewalls/${fw.id}`)).status).toBe(204);
    expect((await api.get(`/v2/firewalls/${fw.id}`)).status).toBe(404);
  });

  it("rejects a tcp rule without ports", async () => {
    const res = await api.post("/v2/firewalls", { name: "fw-bad", inbound_rules: [{ protocol: "tcp", sources: { addresses: ["0.0.0.0/0"] } }] });
    expect(res.status).toBe(422);
    expect(res.body.id).toBe("unprocessable_entity");
  });
});
