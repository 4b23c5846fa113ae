// hcloud:index/server:Server, following terraform-provider-hcloud's SDKv2 server resource: create
// resolves the type, the image for its architecture and the SSH keys, POSTs, waits for the action
// and its next_actions, then reads; update renames, relabels, resizes (power off first) and moves
// firewalls; refresh reads, and a server that is gone leaves the state.
import { createHash } from "node:crypto";
import type { CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult } from "@pulumi/pulumi/provider/index.js";
import { ResourceInitError } from "../serve.ts";
import { bridgeCheck, bridgeDiff, clean, fieldChanged, unordered, type Props, type Schema } from "../bridge.ts";
import type { Action, HcloudClient } from "./client.ts";
import { multiError, ProviderError, sdkError, sdkSummary } from "./errors.ts";

export const SERVER_TYPE = "hcloud:index/server:Server";

/** terraform-provider-hcloud keeps only a hash of user data in state: base64(sha1(text)). */
export const userDataHash = (text: string) => createHash("sha1").update(text).digest("base64");

const isHashOf = (state: unknown, input: unknown) =>
  (typeof input !== "string" || input === "" ? !state : state === input || state === userDataHash(input));

export const serverSchema: Schema = {
  recordsDefaults: true,
  required: ["serverType"],
  fields: {
    name: {},
    serverType: {},
    image: { replace: true },
    location: { replace: true, computed: true },
    datacenter: { replace: true, computed: true },
    sshKeys: { replace: true },
    userData: { replace: true, same: isHashOf },
    labels: {},
    firewallIds: { computed: true, norm: unordered },
    publicNets: { norm: unordered },
    networks: { norm: unordered },
    placementGroupId: {},
    iso: {},
    rescue: {},
    backups: { default: false },
    deleteProtection: { default: false },
    rebuildProtection: { default: false },
    shutdownBeforeDeletion: { default: false },
    keepDisk: { default: false },
    allowDeprecatedImages: { default: false },
    ignoreRemoteFirewallIds: { default: false },
  },
};

// The SDKv2 resource's 90-minute create timeout, as the bridge records it in state.
const META = JSON.stringify({ "e2bfb730-ecaa-11e6-8f88-34363bc7c4c0": { create: 5_400_000_000_000 } });

const UNSUPPORTED = ["networks", "placementGroupId", "iso", "rescue"] as const;

function rejectUnsupported(inputs: Props) {
  for (const key of UNSUPPORTED) {
    const v = inputs[key];
    if (v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && !v.length)) {
      throw new ProviderError(`${key} is not supported by the test-bed stand-in of the hcloud provider`);
    }
  }
}

/**
 * The state the official resource keeps: what the API reports, plus the input-only properties
 * (`inputs`, with userData already hashed) and `__meta`.
 */
function serverState(server: any, inputs: Props): Props {
  const ipv6 = server.public_net?.ipv6?.ip as string | undefined;
  const userIsId = /^\d+$/.test(String(inputs.image ?? ""));
  return clean({
    ...inputs,
    __defaults: undefined,
    name: server.name,
    serverType: server.server_type.name,
    image: server.image ? (server.image.name && !userIsId ? server.image.name : String(server.image.id)) : inputs.image,
    location: server.datacenter.location.name,
    datacenter: server.datacenter.name,
    status: server.status,
    ipv4Address: server.public_net?.ipv4?.ip ?? "",
    ipv6Network: ipv6 ?? "",
    ipv6Address: ipv6 ? `${ipv6.split("/")[0]}1` : "",
    backupWindow: server.backup_window ?? "",
    backups: Boolean(server.backup_window),
    labels: server.labels ?? {},
    deleteProtection: server.protection.delete,
    rebuildProtection: server.protection.rebuild,
    firewallIds: (server.public_net?.firewalls ?? []).map((f: { id: number }) => f.id),
    primaryDiskSize: server.primary_disk_size,
    userData: inputs.userData || undefined,
    __meta: META,
  });
}

const INPUT_KEYS = Object.keys(serverSchema.fields);

/** The inputs a refresh reports: the input properties as they now stand. */
const inputsOf = (state: Props) => clean(Object.fromEntries(INPUT_KEYS.map((k) => [k, state[k]])));

async function createServer(client: HcloudClient, urn: string, inputs: Props): Promise<CreateResult> {
  rejectUnsupported(inputs);
  let id: string | undefined;
  try {
    const type = await client.get<any>("server_types", "server_type", String(inputs.serverType));
    if (!type) throw new ProviderError(`server type ${inputs.serverType} not found`);
    // The plan's deprecation in the chosen location when there is one, else the plan's own.
    const here = (type.locations ?? []).find((l: { name: string }) => l.name === inputs.location);
    const unavailable = (here?.deprecation ?? type.deprecation)?.unavailable_after;
    if (unavailable && Date.parse(unavailable) < Date.now()) {
      throw new ProviderError(
        `Attention: The server plan "${type.name}" is deprecated and can no longer be ordered. Existing servers of that plan will continue to work as before and no action is required on your part. It is possible to migrate this server to another server plan by using the "hcloud server change-type" command.\n\n`,
      );
    }
    const imageKey = String(inputs.image ?? "");
    const image = /^\d+$/.test(imageKey)
      ? await client.getById<any>("images", "image", imageKey)
      : await client.getByName<any>("images", imageKey, { architecture: type.architecture, include_deprecated: true });
    if (!image) throw new ProviderError(`image ${imageKey} for architecture ${type.architecture} not found`);
    if (image.deprecated && !inputs.allowDeprecatedImages) {
      const until = new Date(Date.parse(image.deprecated) + 90 * 86_400_000).toISOString().slice(0, 10);
      throw new ProviderError(`image ${image.name} is deprecated. It will continue to be available until ${until}. If you want to use it, specify the allow_deprecated_images option.`);
    }
    const sshKeys: number[] = [];
    for (const key of (inputs.sshKeys ?? []) as string[]) {
      const found = await client.get<any>("ssh_keys", "ssh_key", String(key));
      if (!found) throw new ProviderError(`SSH key not found: ${key}`);
      sshKeys.push(found.id);
    }
    const publicNet = (inputs.publicNets ?? [])[0] as Props | undefined;
    const body = clean({
      name: inputs.name,
      server_type: inputs.serverType,
      image: image.id,
      ssh_keys: sshKeys.length ? sshKeys : undefined,
      location: inputs.location || undefined,
      datacenter: inputs.datacenter || undefined,
      user_data: inputs.userData || undefined,
      labels: inputs.labels && Object.keys(inputs.labels).length ? inputs.labels : undefined,
      firewalls: inputs.firewallIds?.length ? (inputs.firewallIds as number[]).map((f) => ({ firewall: Number(f) })) : undefined,
      public_net: publicNet ? { enable_ipv4: publicNet.ipv4Enabled !== false, enable_ipv6: publicNet.ipv6Enabled !== false } : undefined,
    });
    const res = await client.request("POST", "/servers", { body });
    id = String(res.server.id);
    await client.waitFor(res.action);
    for (const next of res.next_actions as Action[]) await client.waitFor(next);
    const server = res.server;
    if (inputs.backups) await act(client, server.id, "enable_backup");
    if (inputs.deleteProtection || inputs.rebuildProtection) {
      await act(client, server.id, "change_protection", { delete: Boolean(inputs.deleteProtection), rebuild: Boolean(inputs.rebuildProtection) });
    }
    const read = await readServer(client, id, hashed(inputs));
    if (!read.id) throw new ProviderError(`server ${id} disappeared after its creation`);
    return { id, outs: read.props };
  } catch (err) {
    if (id === undefined) throw sdkError(err);
    // Created, then failed: the bridge keeps the id (and the inputs) so a destroy can delete it.
    const partial = clean({ ...hashed(inputs), __defaults: undefined, __meta: META });
    throw new ResourceInitError(multiError(sdkSummary(err)), id, partial, [`creating ${urn}: ${multiError(sdkSummary(err))}`]);
  }
}

const hashed = (inputs: Props): Props => ({ ...inputs, userData: inputs.userData ? userDataHash(inputs.userData) : undefined });

async function act(client: HcloudClient, id: number | string, action: string, body: unknown = {}) {
  const res = await client.request("POST", `/servers/${id}/actions/${action}`, { body });
  await client.waitFor(res.action);
}

/** Read: GET by id (falling back to the name on not_found); nothing found removes it from state. */
async function readServer(client: HcloudClient, id: string, state: Props): Promise<ReadResult> {
  const server = await client.get<any>("servers", "server", id);
  if (!server) return { id: "", props: {} };
  const props = serverState(server, state);
  return { id: String(server.id), props, inputs: inputsOf(props) };
}

async function updateServer(client: HcloudClient, id: string, olds: Props, news: Props): Promise<UpdateResult> {
  rejectUnsupported(news);
  const server = await client.get<any>("servers", "server", id);
  if (!server) {
    throw new ProviderError(
      `Resource provider reported that the resource did not exist while updating ${id}.\n\nThis is usually a result of the resource having been deleted outside of Pulumi, and can often be fixed by running \`pulumi refresh\` before updating.`,
    );
  }
  const changed = (k: string) => fieldChanged(serverSchema, k, olds, news);
  if (changed("name")) await client.request("PUT", `/servers/${id}`, { body: { name: news.name } });
  if (changed("labels")) await client.request("PUT", `/servers/${id}`, { body: { labels: news.labels ?? {} } });
  if (changed("serverType")) {
    if (server.status === "running") await act(client, id, "poweroff");
    await act(client, id, "change_type", { server_type: news.serverType, upgrade_disk: !news.keepDisk });
  }
  if (changed("backups")) await act(client, id, news.backups ? "enable_backup" : "disable_backup");
  if (news.firewallIds !== undefined && changed("firewallIds") && !news.ignoreRemoteFirewallIds) {
    const want = new Set((news.firewallIds as number[]).map(Number));
    const have = new Set<number>((server.public_net?.firewalls ?? []).map((f: { id: number }) => f.id));
    const target = [{ type: "server", server: { id: Number(id) } }];
    for (const fw of have) {
      if (want.has(fw)) continue;
      const res = await client.request("POST", `/firewalls/${fw}/actions/remove_from_resources`, { body: { remove_from: target } });
      await client.waitFor(...res.actions);
    }
    for (const fw of want) {
      if (have.has(fw)) continue;
      const res = await client.request("POST", `/firewalls/${fw}/actions/apply_to_resources`, { body: { apply_to: target } });
      await client.waitFor(...res.actions);
    }
  }
  if (changed("publicNets")) throw new ProviderError("changing publicNets is not supported by the test-bed stand-in of the hcloud provider");
  if (changed("deleteProtection") || changed("rebuildProtection")) {
    await act(client, id, "change_protection", { delete: Boolean(news.deleteProtection), rebuild: Boolean(news.rebuildProtection) });
  }
  const read = await readServer(client, id, { ...news, userData: olds.userData });
  return { outs: read.props };
}

async function deleteServer(client: HcloudClient, id: string, state: Props): Promise<void> {
  if (!/^\d+$/.test(id)) return; // the official resource drops an unparsable id with a warning
  if (state.shutdownBeforeDeletion) {
    const res = await client.request("POST", `/servers/${id}/actions/shutdown`, { body: {} });
    await client.waitFor(res.action);
    // Up to 30 s for the guest to stop; the delete goes ahead either way.
    for (let i = 0; i < 30; i++) {
      const server = await client.getById<any>("servers", "server", id);
      if (!server || server.status === "off") break;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const res = await client.request("DELETE", `/servers/${id}`);
  await client.waitFor(res.action);
}

/** The Server resource's handlers, each taking the configured client. */
export const server = {
  check: (urn: string, olds: Props, news: Props): CheckResult => bridgeCheck(serverSchema, urn, olds, news),
  diff: (olds: Props, news: Props): DiffResult => bridgeDiff(serverSchema, olds, news),
  create: createServer,
  read: readServer,
  update: updateServer,
  // A 404 on DELETE is an error here too: the official resource does not tolerate it.
  delete: deleteServer,
};
