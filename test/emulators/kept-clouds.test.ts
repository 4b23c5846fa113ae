// The clouds survive a restart when kept (as `npm run testbed` keeps them): a server created
// before is listed after with the same id and address, its sshd answers with the same host key,
// and what was written on it is still there. Powered-off servers stay off.
import { CreateSecurityGroupCommand, DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeSecurityGroupsCommand, ImportKeyPairCommand, RunInstancesCommand, StopInstancesCommand } from "@aws-sdk/client-ec2";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sshRun } from "../support/ssh.ts";
import { amiId } from "./aws/catalog.ts";
import { ec2Client } from "./aws/clients.ts";
import { startAwsEmulator } from "./aws/front.ts";
import { startDigitalOceanEmulator } from "./digitalocean/emulator.ts";
import { apiClient as doClient } from "./digitalocean/test-client.ts";
import { startHetznerEmulator } from "./hetzner/emulator.ts";
import { apiClient as hetznerClient } from "./hetzner/test-client.ts";
import { HostPool, testbedBase } from "./hosts.ts";

// Under the test bed base and named like a pool of this process, so that the run's leftover
// check knows its sshd, and a crashed run's folder is swept as stale.
const keep = path.join(testbedBase, `pool-${process.pid}-kept-${randomBytes(3).toString("hex")}`);
let scratch: string;
let key: { publicKey: string; privateKey: Buffer };

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-kept-clouds-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "kept", "-f", path.join(scratch, "id")]);
  key = { publicKey: fs.readFileSync(path.join(scratch, "id.pub"), "utf8").trim(), privateKey: fs.readFileSync(path.join(scratch, "id")) };
});

afterAll(() => {
  fs.rmSync(keep, { recursive: true, force: true });
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port: 22 });
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
  });
}

/** Runs `body` with a kept pool, closing it (servers kept) whatever happens. */
async function withPool<T>(body: (hosts: HostPool) => Promise<T>): Promise<T> {
  const hosts = await HostPool.create(testbedBase, { keep });
  try {
    return await body(hosts);
  } finally {
    await hosts.close();
  }
}

describe("kept clouds", () => {
  it("Hetzner: servers, keys and tokens come back, at the same address with the same host key", async () => {
    const stateFile = path.join(scratch, "hetzner.json");
    const before = await withPool(async (hosts) => {
      const emu = await startHetznerEmulator({ hosts, actionMs: 50, stateFile });
      try {
        const api = hetznerClient(emu);
        const sshKey = (await api.post("/ssh_keys", { name: "kept", public_key: key.publicKey })).body.ssh_key;
        const on = await api.createServer({ name: "kept-on", ssh_keys: [sshKey.id] });
        const off = await api.createServer({ name: "kept-off", ssh_keys: [sshKey.id] });
        await api.serverAction(off.id, "poweroff");
        await sshRun(on.public_net.ipv4.ip, key.privateKey, "echo still-here > /root/kept");
        return { token: emu.token, on, off, hostKey: emu.host(on.id)!.hostPublicKey };
      } finally {
        await emu.stop();
      }
    });
    expect(await answers(before.on.public_net.ipv4.ip)).toBe(false);

    await withPool(async (hosts) => {
      const emu = await startHetznerEmulator({ hosts, actionMs: 50, stateFile });
      try {
        expect(emu.token).toBe(before.token);
        const api = hetznerClient(emu);
        const listed = (await api.get("/servers")).body.servers;
        expect(listed.map((s: any) => [s.id, s.name, s.status, s.public_net.ipv4.ip])).toEqual([
          [before.on.id, "kept-on", "running", before.on.public_net.ipv4.ip],
          [before.off.id, "kept-off", "off", before.off.public_net.ipv4.ip],
        ]);
        expect((await api.get("/ssh_keys")).body.ssh_keys.map((k: any) => k.name)).toEqual(["kept"]);
        expect(await sshRun(before.on.public_net.ipv4.ip, key.privateKey, "cat /root/kept", { hostKey: before.hostKey })).toBe("still-here\n");
        expect(await answers(before.off.public_net.ipv4.ip)).toBe(false);
        // New ids continue after the old ones.
        const next = (await api.post("/firewalls", { name: "after" })).body.firewall;
        expect(next.id).toBeGreaterThan(before.off.id);
        // Deleted for good: the next pool has nothing of it to restore.
        for (const s of listed) await api.settle((await api.del(`/servers/${s.id}`)).body.action.id);
      } finally {
        await emu.stop();
      }
      expect(fs.readdirSync(keep).filter((f) => f.startsWith("hetzner-"))).toEqual([]);
    });
  });

  it("DigitalOcean: droplets come back active at the same address with the same host key", async () => {
    const stateFile = path.join(scratch, "digitalocean.json");
    const timing = { bootMs: 50, actionMs: 50 };
    const before = await withPool(async (hosts) => {
      const emu = await startDigitalOceanEmulator({ hosts, timing, stateFile });
      try {
        const api = doClient(emu);
        const sshKey = (await api.post("/v2/account/keys", { name: "kept", public_key: key.publicKey })).body.ssh_key;
        const created = (await api.post("/v2/droplets", { name: "kept-1", region: "fra1", size: "s-1vcpu-1gb", image: "ubuntu-24-04-x64", ssh_keys: [sshKey.id] })).body.droplet;
        const droplet = await api.until(created.id, "active");
        const address = droplet.networks.v4[0].ip_address as string;
        await sshRun(address, key.privateKey, "echo still-here > /root/kept");
        return { token: emu.token, id: droplet.id as number, address, hostKey: emu.hostOf(droplet.id)!.hostPublicKey };
      } finally {
        await emu.stop();
      }
    });

    await withPool(async (hosts) => {
      const emu = await startDigitalOceanEmulator({ hosts, timing, stateFile });
      try {
        expect(emu.token).toBe(before.token);
        const listed = (await doClient(emu).get("/v2/droplets")).body.droplets;
        expect(listed.map((d: any) => [d.id, d.name, d.status, d.networks.v4[0].ip_address])).toEqual([[before.id, "kept-1", "active", before.address]]);
        expect(await sshRun(before.address, key.privateKey, "cat /root/kept", { hostKey: before.hostKey })).toBe("still-here\n");
        await emu.outOfBand.delete(before.id);
      } finally {
        await emu.stop();
      }
    });
  });

  it("AWS: moto's replay gives back instances, key pairs and security groups with their ids, and the front their servers", async () => {
    const stateDir = path.join(scratch, "aws");
    const image = amiId("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119");
    const before = await withPool(async (hosts) => {
      const emu = await startAwsEmulator({ hosts, stateDir });
      const ec2 = ec2Client(emu);
      try {
        const [pair, sg] = await Promise.all([
          ec2.send(new ImportKeyPairCommand({ KeyName: "kept", PublicKeyMaterial: Buffer.from(key.publicKey) })),
          ec2.send(new CreateSecurityGroupCommand({ GroupName: "kept", Description: "kept" })),
        ]);
        const run = (await ec2.send(new RunInstancesCommand({ ImageId: image, InstanceType: "t3.small", MinCount: 2, MaxCount: 2, KeyName: "kept", SecurityGroupIds: [sg.GroupId!] }))).Instances!;
        const [on, off] = run.map((i) => ({ id: i.InstanceId!, address: i.PublicIpAddress! }));
        await ec2.send(new StopInstancesCommand({ InstanceIds: [off!.id] }));
        await sshRun(on!.address, key.privateKey, "sudo -n sh -c 'echo still-here > /root/kept'", { user: "ubuntu" });
        return { credentials: [emu.accessKeyId, emu.secretAccessKey], pairId: pair.KeyPairId, sgId: sg.GroupId, on: on!, off: off!, hostKey: hosts.get(on!.id)!.hostPublicKey };
      } finally {
        ec2.destroy();
        await emu.stop();
      }
    });

    await withPool(async (hosts) => {
      const emu = await startAwsEmulator({ hosts, stateDir });
      const ec2 = ec2Client(emu);
      try {
        expect([emu.accessKeyId, emu.secretAccessKey]).toEqual(before.credentials);
        const instances = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [before.on.id, before.off.id] }))).Reservations!.flatMap((r) => r.Instances!);
        const seen = Object.fromEntries(instances.map((i) => [i.InstanceId, [i.State!.Name, i.PrivateIpAddress, i.KeyName, i.SecurityGroups!.map((g) => g.GroupId)]]));
        expect(seen).toEqual({
          [before.on.id]: ["running", before.on.address, "kept", [before.sgId]],
          [before.off.id]: ["stopped", before.off.address, "kept", [before.sgId]],
        });
        expect((await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["kept"] }))).KeyPairs![0]!.KeyPairId).toBe(before.pairId);
        expect((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [before.sgId!] }))).SecurityGroups![0]!.GroupName).toBe("kept");
        expect(await sshRun(before.on.address, key.privateKey, "sudo -n cat /root/kept", { user: "ubuntu", hostKey: before.hostKey })).toBe("still-here\n");
        expect(await answers(before.off.address)).toBe(false);
        await Promise.all([before.on.id, before.off.id].map((id) => emu.outOfBand.terminate(id)));
      } finally {
        ec2.destroy();
        await emu.stop();
      }
    });
  });
});
