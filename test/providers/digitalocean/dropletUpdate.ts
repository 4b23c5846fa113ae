// A droplet update, step by step as resourceDigitalOceanDropletUpdate does it: resize (power off,
// resize, power on), rename, backups, private networking, IPv6 and tags, then a read.
import { asSet } from "../bridge.ts";
import { ProviderError } from "./bridge.ts";
import {
  UPDATE_TIMEOUT_MS,
  dropletAction,
  dropletState,
  keptInputs,
  waitForAction,
  waitForDropletAttribute,
  type ApiDroplet,
  type AttributeWait,
} from "./dropletState.ts";
import type { GodoClient } from "./godo.ts";

type Props = Record<string, unknown>;

/** Applies the changes from `olds` (state) to `news` (inputs) and returns the new state. */
export async function updateDroplet(client: GodoClient, id: string, olds: Props, news: Props): Promise<Props> {
  let state: Props = { ...olds, ...keptInputs(news) };
  const track = (d: ApiDroplet) => (state = dropletState(state, d));
  const wait = (w: Omit<AttributeWait, "timeoutMs">) => waitForDropletAttribute(client, id, { ...w, timeoutMs: UPDATE_TIMEOUT_MS }, track);
  const step = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      throw new ProviderError(`${what}: ${(err as Error).message}`);
    }
  };
  const powerOnAndWait = async () => {
    await dropletAction(client, id, { type: "power_on" });
    await wait({ attribute: "status", target: "active", pending: ["off"] });
  };

  const newSize = String(news.size ?? "");
  if (newSize.toLowerCase() !== String(olds.size ?? "").toLowerCase()) {
    await step(`Error powering off droplet (${id})`, () =>
      dropletAction(client, id, { type: "power_off" }).catch((err: Error) => {
        if (!err.message.includes("Droplet is already powered off")) throw err;
      }),
    );
    await step(`Error waiting for droplet (${id}) to become powered off`, () => wait({ attribute: "status", target: "off", pending: ["active"] }));
    const resize = await dropletAction(client, id, { type: "resize", size: newSize, disk: news.resizeDisk !== false }).catch(async (err: Error) => {
      await step(`Error powering on droplet (${id}) after failed resize`, powerOnAndWait);
      throw new ProviderError(`Error resizing droplet (${id}): ${err.message}`);
    });
    await waitForAction(client, resize).catch(async (err: Error) => {
      await step(`Error powering on droplet (${id}) after waiting for resize to finish`, powerOnAndWait);
      throw new ProviderError(`Error waiting for resize droplet (${id}) to finish: ${err.message}`);
    });
    await step(`Error powering on droplet (${id}) after resize`, () => dropletAction(client, id, { type: "power_on" }));
    await step(`Error waiting for droplet (${id}) to become active`, () => wait({ attribute: "status", target: "active", pending: ["off"] }));
  }

  if (news.name !== olds.name) {
    const name = String(news.name);
    await step(`Error renaming droplet (${id})`, () => dropletAction(client, id, { type: "rename", name }));
    await step(`Error waiting for rename droplet (${id}) to finish`, () => wait({ attribute: "name", target: name, pending: ["", String(olds.name)] }));
  }

  if ((news.backups === true) !== (olds.backups === true)) {
    const on = news.backups === true;
    if (!on && news.backupPolicy) throw new ProviderError("backup_policy can only be set when backups are enabled");
    const verb = on ? "enabling" : "disabling";
    const body = on && news.backupPolicy ? { type: "enable_backups", backup_policy: news.backupPolicy } : { type: on ? "enable_backups" : "disable_backups" };
    const action = await dropletAction(client, id, body).catch((err: Error) => {
      throw new ProviderError(`Error ${verb} backups on droplet (${id}): ${err.message}`);
    });
    await step(`Error waiting for backups to be ${on ? "enabled" : "disabled"} for droplet (${id})`, () => waitForAction(client, action));
  } else if (news.backupPolicy && JSON.stringify(news.backupPolicy) !== JSON.stringify(olds.backupPolicy)) {
    const action = await dropletAction(client, id, { type: "change_backup_policy", backup_policy: news.backupPolicy }).catch((err: Error) => {
      throw new ProviderError(`error changing backup policy on droplet (${id}): ${err.message}`);
    });
    await step(`error waiting for backup policy to be changed for droplet (${id})`, () => waitForAction(client, action));
  }

  // Neither private networking nor IPv6 can be turned off in place.
  if (news.privateNetworking === true && olds.privateNetworking !== true) {
    await step(`Error enabling private networking for droplet (${id})`, () => dropletAction(client, id, { type: "enable_private_networking" }));
    await step(`Error waiting for private networking to be enabled on for droplet (${id})`, () =>
      wait({ attribute: "privateNetworking", target: "true", pending: ["", "false"] }),
    );
  }
  if (news.ipv6 === true && olds.ipv6 !== true) {
    await step(`Error turning on ipv6 for droplet (${id})`, () => dropletAction(client, id, { type: "enable_ipv6" }));
    await step(`Error waiting for ipv6 to be turned on for droplet (${id})`, () => wait({ attribute: "ipv6", target: "true", pending: ["", "false"] }));
  }

  await step("Error updating tags", () => setTags(client, id, asSet(olds.tags), asSet(news.tags)));

  // The final read: its failure is only a warning upstream, so the state built so far stands.
  try {
    track((await client.get<{ droplet: ApiDroplet }>(`v2/droplets/${id}`)).droplet);
  } catch {
    // keep the state from the last poll
  }
  return state;
}

/** tag.SetTags: untag removed tags, create and tag added ones. */
async function setTags(client: GodoClient, id: string, olds: string[], news: string[]): Promise<void> {
  const resources = [{ resource_id: id, resource_type: "droplet" }];
  for (const tag of olds.filter((t) => !news.includes(t))) {
    await client.delete(`v2/tags/${encodeURIComponent(tag)}/resources`, { resources });
  }
  for (const tag of news.filter((t) => !olds.includes(t))) {
    const created = await client.post<{ tag: { name: string } }>("v2/tags", { name: tag });
    await client.post(`v2/tags/${encodeURIComponent(created.tag.name)}/resources`, { resources });
  }
}
