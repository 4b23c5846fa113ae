// The three emulated clouds behind one face, so that a provisioning test can run once per cloud:
// how Hoist reaches it (endpoint variable, credential fields, a server it can create), its
// faults, and what the provider holds right now (servers, keys, firewalls), read through the
// emulator's own API as an operator's console would show them.
import { DescribeInstancesCommand, DescribeKeyPairsCommand, DescribeSecurityGroupsCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { randomBytes } from "node:crypto";
import { ec2Client, foreignAccessKeyId } from "../emulators/aws/clients.ts";
import { amiId } from "../emulators/aws/catalog.ts";
import { startAwsEmulator } from "../emulators/aws/front.ts";
import { startDigitalOceanEmulator } from "../emulators/digitalocean/emulator.ts";
import type { FaultSet } from "../emulators/faults.ts";
import { makeToken, startHetznerEmulator, type HetznerEmulator } from "../emulators/hetzner/emulator.ts";
import type { Host, HostPool } from "../emulators/hosts.ts";

export type CloudId = "hetzner" | "digitalocean" | "aws";
export const CLOUD_IDS: readonly CloudId[] = ["hetzner", "digitalocean", "aws"];

export interface ProviderServer {
  id: string;
  name: string;
  /** Whether it carries this Hoist node tag/label (`hoist-node=<id>`). */
  nodeId?: string;
  running: boolean;
}

export interface EmulatedCloud {
  id: CloudId;
  /** The setting that points Hoist at the emulator. */
  endpointEnv: string;
  url: string;
  /** Credential fields as the API takes them (besides `name` and `provider`). */
  credential: Record<string, string>;
  /** Well-formed credential fields the provider refuses. */
  rejectedCredential: Record<string, string>;
  /** A server Hoist can create here: region, size, image from the catalog. */
  server: { region: string; size: string; image: string };
  /** The user SSH logs in as on that image. */
  loginUser: string;
  faults: FaultSet;
  servers(): Promise<ProviderServer[]>;
  /** A server's size and the TCP ports its firewalls let in, read through the cloud's own API. */
  details(providerId: string): Promise<{ size: string; inboundPorts: number[] }>;
  /** Everything of a server's that the provider bills or keeps: servers, SSH keys, firewalls. */
  resources(): Promise<{ servers: number; keys: number; firewalls: number }>;
  /** The emulated machine behind a server, by the provider's id. */
  hostOf(providerId: string): Host | undefined;
  /** A server made by someone else in the same account, with the given name and no Hoist tag. */
  createForeign(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface CloudOptions {
  /** Every server gets a container runtime (for app deployments). */
  docker?: boolean;
}

/** Starts the emulator of `id` on `hosts`. */
export function startCloud(id: CloudId, hosts: HostPool, opts: CloudOptions = {}): Promise<EmulatedCloud> {
  return { hetzner: hetzner, digitalocean: digitalOcean, aws: amazon }[id](hosts, opts);
}

async function hetzner(hosts: HostPool, opts: CloudOptions): Promise<EmulatedCloud & { emulator: HetznerEmulator }> {
  const emu = await startHetznerEmulator({ hosts, docker: opts.docker });
  const api = async <T>(path: string, init: RequestInit = {}) =>
    (await fetch(`${emu.url}${path}`, { ...init, headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" } })).json() as Promise<T>;
  return {
    id: "hetzner",
    emulator: emu,
    endpointEnv: "HOIST_ENDPOINT_HETZNER",
    url: emu.url,
    credential: { token: emu.token },
    rejectedCredential: { token: makeToken() },
    server: { region: "fsn1", size: "cx22", image: "ubuntu-24.04" },
    loginUser: "root",
    faults: emu.faults,
    servers: async () => emu.state.servers().map((s) => ({ id: String(s.id), name: s.name, nodeId: s.labels["hoist-node"], running: s.status === "running" })),
    resources: async () => ({ servers: emu.state.servers().length, keys: emu.state.sshKeys().length, firewalls: emu.state.firewalls().length }),
    hostOf: (id) => emu.host(Number(id)),
    async details(id) {
      const { server } = await api<{ server: { server_type: { name: string } } }>(`/servers/${id}`);
      const { firewalls } = await api<{ firewalls: { rules: { direction: string; port?: string }[]; applied_to: { server?: { id: number } }[] }[] }>("/firewalls");
      const rules = firewalls.filter((f) => f.applied_to.some((t) => String(t.server?.id) === id)).flatMap((f) => f.rules);
      return { size: server.server_type.name, inboundPorts: portsOf(rules.filter((r) => r.direction === "in").map((r) => r.port)) };
    },
    async createForeign(name) {
      const key = await api<{ ssh_key: { id: number } }>("/ssh_keys", { method: "POST", body: JSON.stringify({ name: `foreign-${name}`, public_key: publicKey() }) });
      const res = await api<{ server: { id: number } }>("/servers", { method: "POST", body: JSON.stringify({ name, server_type: "cx22", image: "ubuntu-24.04", location: "fsn1", ssh_keys: [key.ssh_key.id] }) });
      return String(res.server.id);
    },
    stop: () => emu.stop(),
  };
}

async function digitalOcean(hosts: HostPool, opts: CloudOptions): Promise<EmulatedCloud> {
  const emu = await startDigitalOceanEmulator({ hosts, docker: opts.docker });
  return {
    id: "digitalocean",
    endpointEnv: "HOIST_ENDPOINT_DIGITALOCEAN",
    url: emu.url,
    credential: { token: emu.token },
    rejectedCredential: { token: `dop_v1_${randomBytes(32).toString("hex")}` },
    server: { region: "fra1", size: "s-1vcpu-1gb", image: "ubuntu-24-04-x64" },
    loginUser: "root",
    faults: emu.faults,
    servers: async () =>
      [...emu.state.droplets.values()].map((d) => ({
        id: String(d.id),
        name: d.name,
        nodeId: d.tags.find((t) => t.startsWith("hoist-node:"))?.slice("hoist-node:".length),
        running: d.status === "active",
      })),
    resources: async () => ({ servers: emu.state.droplets.size, keys: emu.state.keys.size, firewalls: emu.state.firewalls.size }),
    hostOf: (id) => emu.hostOf(Number(id)),
    async details(id) {
      const get = async <T>(path: string) => (await fetch(`${emu.url}${path}`, { headers: { authorization: `Bearer ${emu.token}` } })).json() as Promise<T>;
      const { droplet } = await get<{ droplet: { size_slug: string } }>(`/v2/droplets/${id}`);
      const { firewalls } = await get<{ firewalls: { droplet_ids: number[]; inbound_rules: { ports: string }[] }[] }>("/v2/firewalls");
      const rules = firewalls.filter((f) => f.droplet_ids.map(String).includes(id)).flatMap((f) => f.inbound_rules);
      return { size: droplet.size_slug, inboundPorts: portsOf(rules.map((r) => r.ports)) };
    },
    async createForeign(name) {
      const res = await fetch(`${emu.url}/v2/droplets`, {
        method: "POST",
        headers: { authorization: `Bearer ${emu.token}`, "content-type": "application/json" },
        body: JSON.stringify({ name, region: "fra1", size: "s-1vcpu-1gb", image: "ubuntu-24-04-x64", tags: ["someone-else"] }),
      });
      return String(((await res.json()) as { droplet: { id: number } }).droplet.id);
    },
    stop: () => emu.stop(),
  };
}

async function amazon(hosts: HostPool, opts: CloudOptions): Promise<EmulatedCloud> {
  const emu = await startAwsEmulator({ hosts, docker: opts.docker });
  const ec2 = ec2Client(emu);
  const live = ["pending", "running", "stopping", "stopped"];
  const servers = async (): Promise<ProviderServer[]> => {
    const res = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: live }] }));
    return (res.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => ({
      id: i.InstanceId!,
      name: i.Tags?.find((t) => t.Key === "Name")?.Value ?? "",
      nodeId: i.Tags?.find((t) => t.Key === "hoist-node")?.Value,
      running: i.State?.Name === "running",
    }));
  };
  return {
    id: "aws",
    endpointEnv: "HOIST_ENDPOINT_AWS",
    url: emu.url,
    credential: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey, region: emu.region },
    rejectedCredential: { accessKeyId: foreignAccessKeyId(), secretAccessKey: emu.secretAccessKey, region: emu.region },
    server: { region: emu.region, size: "t3.small", image: "ubuntu-24.04" },
    loginUser: "ubuntu",
    faults: emu.faults,
    servers,
    async resources() {
      const [instances, keys, groups] = await Promise.all([
        servers(),
        ec2.send(new DescribeKeyPairsCommand({})),
        ec2.send(new DescribeSecurityGroupsCommand({})),
      ]);
      // Every VPC has its `default` group, which nobody creates or deletes.
      return { servers: instances.length, keys: keys.KeyPairs?.length ?? 0, firewalls: (groups.SecurityGroups ?? []).filter((g) => g.GroupName !== "default").length };
    },
    hostOf: (id) => hosts.get(id),
    async details(id) {
      const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
      const instance = res.Reservations?.[0]?.Instances?.[0];
      const groupIds = (instance?.SecurityGroups ?? []).map((g) => g.GroupId!);
      const groups = groupIds.length ? await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds })) : { SecurityGroups: [] };
      const ports = (groups.SecurityGroups ?? []).flatMap((g) => g.IpPermissions ?? []).map((p) => (p.FromPort === p.ToPort ? String(p.FromPort) : undefined));
      return { size: instance?.InstanceType ?? "", inboundPorts: portsOf(ports) };
    },
    async createForeign(name) {
      const res = await ec2.send(
        new RunInstancesCommand({
          ImageId: amiId("ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119"),
          InstanceType: "t3.small",
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: name }] }],
        }),
      );
      return res.Instances![0]!.InstanceId!;
    },
    async stop() {
      ec2.destroy();
      await emu.stop();
    },
  };
}

/** Single ports among rule port fields ("22", "80"), sorted; ranges and "all" left out. */
const portsOf = (fields: (string | undefined)[]) => [...new Set(fields.filter((f): f is string => !!f && /^\d+$/.test(f)).map(Number))].sort((a, b) => a - b);

/** Any valid OpenSSH public key line, for resources whose key nobody uses. */
function publicKey(): string {
  return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuc7n6/ZfHobGUxE/g4e8miQd6OZOD/4INMumo+PjHG foreign";
}
