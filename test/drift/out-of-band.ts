// Changes made behind Hoist's back, as an operator would make them in the cloud's own console:
// through each emulator's public API with the bed's credential, waiting for the provider's
// actions to finish. Each cloud: another size, a label (tag) added, powered off, deleted.
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  ModifyInstanceAttributeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type _InstanceType,
} from "@aws-sdk/client-ec2";
import type { CloudId, EmulatedCloud } from "../support/clouds.ts";

export interface OutOfBand {
  /** The size the server is changed to (it runs again afterwards). */
  otherSize: string;
  resize(id: string): Promise<void>;
  /** Adds the label (tag) `team=ops`. */
  relabel(id: string): Promise<void>;
  powerOff(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !(await ok()); await sleep(200)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

/** A JSON API client with the bed's bearer token. */
function client(base: string, token: string) {
  return async <T = any>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
}

function hetzner(cloud: EmulatedCloud): OutOfBand {
  const api = client(cloud.url, cloud.credential.token!);
  const act = async (id: string, action: string, body: unknown = {}) => {
    const { action: a } = await api<{ action: { id: number } }>("POST", `/servers/${id}/actions/${action}`, body);
    await until(`${action} of ${id}`, async () => (await api<{ action: { status: string } }>("GET", `/actions/${a.id}`)).action.status === "success");
  };
  return {
    otherSize: "cx32",
    async resize(id) {
      await act(id, "poweroff");
      await act(id, "change_type", { server_type: "cx32", upgrade_disk: false });
      await act(id, "poweron");
    },
    async relabel(id) {
      const { server } = await api<{ server: { labels: Record<string, string> } }>("GET", `/servers/${id}`);
      await api("PUT", `/servers/${id}`, { labels: { ...server.labels, team: "ops" } });
    },
    powerOff: (id) => act(id, "poweroff"),
    async remove(id) {
      const { action } = await api<{ action: { id: number } }>("DELETE", `/servers/${id}`);
      await until(`deleting ${id}`, async () => (await api<{ action: { status: string } }>("GET", `/actions/${action.id}`)).action.status === "success");
    },
  };
}

function digitalOcean(cloud: EmulatedCloud): OutOfBand {
  const api = client(cloud.url, cloud.credential.token!);
  const act = async (id: string, type: string, extra: Record<string, unknown> = {}) => {
    const { action } = await api<{ action: { id: number } }>("POST", `/v2/droplets/${id}/actions`, { type, ...extra });
    await until(`${type} of ${id}`, async () => (await api<{ action: { status: string } }>("GET", `/v2/actions/${action.id}`)).action.status === "completed");
  };
  return {
    otherSize: "s-1vcpu-2gb",
    async resize(id) {
      await act(id, "power_off");
      await act(id, "resize", { size: "s-1vcpu-2gb", disk: false });
      await act(id, "power_on");
    },
    async relabel(id) {
      await api("POST", "/v2/tags", { name: "team:ops" });
      await api("POST", "/v2/tags/team:ops/resources", { resources: [{ resource_id: id, resource_type: "droplet" }] });
    },
    powerOff: (id) => act(id, "power_off"),
    async remove(id) {
      await api("DELETE", `/v2/droplets/${id}`);
      await until(`deleting ${id}`, async () => (await fetch(`${cloud.url}/v2/droplets/${id}`, { headers: { authorization: `Bearer ${cloud.credential.token}` } })).status === 404);
    },
  };
}

function amazon(cloud: EmulatedCloud): OutOfBand {
  const { accessKeyId, secretAccessKey, region } = cloud.credential as { accessKeyId: string; secretAccessKey: string; region: string };
  const ec2 = new EC2Client({ endpoint: cloud.url, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  const state = async (id: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;
  const reach = (id: string, want: string) => until(`${id} ${want}`, async () => (await state(id)) === want);
  return {
    otherSize: "t3.medium",
    async resize(id) {
      await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
      await reach(id, "stopped");
      await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: "t3.medium" as _InstanceType } }));
      await ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
      await reach(id, "running");
    },
    relabel: async (id) => void (await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "team", Value: "ops" }] }))),
    async powerOff(id) {
      await ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
      await reach(id, "stopped");
    },
    async remove(id) {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      await reach(id, "terminated");
    },
  };
}

export function outOfBand(cloud: EmulatedCloud): OutOfBand {
  const of: Record<CloudId, (c: EmulatedCloud) => OutOfBand> = { hetzner, digitalocean: digitalOcean, aws: amazon };
  return of[cloud.id](cloud);
}
