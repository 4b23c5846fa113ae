// digitalocean:index/droplet:Droplet, after terraform-provider-digitalocean's resource_droplet.go.
import { asBool, asLower, asSet, clean, reseal, reveal, type Field } from "../bridge.ts";
import { checkInputs, diffFields, initFailed, ProviderError, sha1Hex, type ResourceHandler } from "./bridge.ts";
import { updateDroplet } from "./dropletUpdate.ts";
import {
  CREATE_TIMEOUT_MS,
  DELETE_TIMEOUT_MS,
  POLL_DELAY_MS,
  POLL_MIN_MS,
  dropletAction,
  dropletState,
  keptInputs,
  waitForDropletAttribute,
  type ApiDroplet,
} from "./dropletState.ts";
import { GodoError, type GodoClient } from "./godo.ts";
import { waitForState } from "./wait.ts";

type Props = Record<string, unknown>;

const FIELDS: Record<string, Field> = {
  image: { replace: true },
  name: {},
  region: { replace: true, computed: true, norm: asLower },
  size: { norm: asLower },
  sshKeys: { replace: true, norm: asSet },
  // State holds hex(sha1(user_data)); an older state may hold the text itself.
  userData: { replace: true, same: (old, now) => (old ?? "") === (typeof now === "string" ? sha1Hex(now) : "") || old === now },
  vpcUuid: { replace: true, computed: true },
  monitoring: { replace: true, norm: asBool, default: false },
  dropletAgent: { replace: true },
  publicNetworking: { replace: true, computed: true },
  gpuPartitionMode: { replace: true },
  // Turning IPv6 off cannot be done in place.
  ipv6: { norm: asBool, replace: (old, now) => old === true && now !== true, default: false },
  ipv6Address: { computed: true },
  privateNetworking: { computed: true, norm: asBool },
  tags: { norm: (v) => asSet(v).map((t) => t.toLowerCase()) },
  backups: { norm: asBool, default: false },
  backupPolicy: {},
  gracefulShutdown: { norm: asBool, default: false },
  resizeDisk: { norm: (v) => v !== false, default: true },
  volumeIds: { computed: true, norm: asSet },
};

/**
 * The inputs a refresh reports, as the bridge extracts them from the state read: the arguments
 * as they now stand (a size changed out of band shows in them), not the attributes the provider
 * computes — but the region, which every program gives.
 */
const INPUT_KEYS = Object.keys(FIELDS).filter((k) => !FIELDS[k]!.computed || k === "region");
const inputsOf = (state: Props): Props => Object.fromEntries(INPUT_KEYS.filter((k) => state[k] !== undefined).map((k) => [k, state[k]]));

const TAG = /^[a-zA-Z0-9:\-_]{1,255}$/;

export function dropletResource(api: () => GodoClient): ResourceHandler {
  return {
    async check(urn, olds, news) {
      const result = checkInputs(urn, olds, news, FIELDS, ["image", "size"]);
      for (const t of asSet(reveal(news.tags))) {
        if (!TAG.test(t)) {
          result.failures.push({
            property: "tags",
            reason: "tags may contain lowercase letters, numbers, colons, dashes, and underscores; there is a limit of 255 characters per tag",
          });
        }
      }
      return result;
    },

    async diff(_id, _urn, olds, news) {
      return diffFields(FIELDS, olds, news);
    },

    async create(urn, raw) {
      const inputs = reveal(raw);
      const client = api();
      let created: ApiDroplet;
      try {
        created = (await client.post<{ droplet: ApiDroplet }>("v2/droplets", createRequest(inputs))).droplet;
      } catch (err) {
        throw new ProviderError(`Error creating droplet: ${(err as Error).message}`);
      }
      const id = String(created.id);
      let state = dropletState(keptInputs(inputs), created);
      try {
        await waitForDropletAttribute(
          client,
          id,
          { attribute: "status", target: "active", pending: ["new"], timeoutMs: CREATE_TIMEOUT_MS, tolerate404: true },
          (d) => (state = dropletState(keptInputs(inputs), d)),
        );
      } catch (err) {
        throw initFailed(urn, `Error waiting for droplet (${id}) to become ready: ${(err as Error).message}`, id, reseal(raw, state));
      }
      return { id, outs: clean(reseal(raw, state)) };
    },

    async read(id, _urn, props) {
      const prior = reveal(props ?? {});
      try {
        const d = (await api().get<{ droplet: ApiDroplet }>(`v2/droplets/${id}`)).droplet;
        // An import (no prior state) takes the image from the API, as upstream's importer does.
        if (prior.image === undefined) Object.assign(prior, { image: d.image.slug || String(d.image.id), resizeDisk: true });
        const state = clean(reseal(props ?? {}, dropletState(prior, d)));
        return { id, props: state, inputs: inputsOf(state) };
      } catch (err) {
        // A droplet deleted behind Pulumi's back leaves the state.
        if (err instanceof GodoError && err.status === 404) return { id: "", props: {} };
        throw new ProviderError(`Error retrieving droplet: ${(err as Error).message}`);
      }
    },

    async update(id, _urn, olds, news) {
      return { outs: clean(reseal(news, await updateDroplet(api(), id, reveal(olds), reveal(news)))) };
    },

    async delete(id, _urn, props) {
      await deleteDroplet(api(), id, reveal(props));
    },
  };
}

/** godo's DropletCreateRequest, in its field order. */
function createRequest(i: Props): Props {
  const numeric = (v: string) => /^[+-]?\d+$/.test(v);
  const image = String(i.image);
  const sshKeys = asSet(i.sshKeys);
  const volumes = asSet(i.volumeIds);
  if (i.backupPolicy && i.backups !== true) throw new ProviderError("backup_policy can only be set when backups are enabled");
  const req: Props = {
    name: i.name,
    region: i.region ?? "",
    size: i.size,
    image: numeric(image) ? Number(image) : image,
    ssh_keys: sshKeys.length ? sshKeys.map((k) => (numeric(k) ? Number(k) : k)) : null,
    backups: i.backups === true,
    ipv6: i.ipv6 === true,
    private_networking: i.privateNetworking === true,
    monitoring: i.monitoring === true,
  };
  if (typeof i.userData === "string" && i.userData) req.user_data = i.userData;
  if (volumes.length) req.volumes = volumes.map((id) => ({ id }));
  req.tags = asSet(i.tags);
  if (typeof i.vpcUuid === "string" && i.vpcUuid) req.vpc_uuid = i.vpcUuid;
  if (typeof i.dropletAgent === "boolean") req.with_droplet_agent = i.dropletAgent;
  if (i.backupPolicy) req.backup_policy = i.backupPolicy;
  return req;
}

/** Wait until unlocked, optionally shut down, DELETE (404 = gone), then wait for GET to 404. */
async function deleteDroplet(client: GodoClient, id: string, state: Props): Promise<void> {
  try {
    await waitForDropletAttribute(client, id, { attribute: "locked", target: "false", pending: ["", "true"], timeoutMs: DELETE_TIMEOUT_MS }, (d) =>
      dropletState(state, d),
    );
  } catch (err) {
    throw new ProviderError(`Error waiting for droplet to be unlocked for destroy (${id}): ${(err as Error).message}`);
  }
  if (state.gracefulShutdown === true) {
    try {
      await dropletAction(client, id, { type: "shutdown" });
    } catch (err) {
      throw new ProviderError(`Error shutting down the the droplet (${id}): ${(err as Error).message}`);
    }
    try {
      await waitForDropletAttribute(client, id, { attribute: "status", target: "off", pending: ["active"], timeoutMs: DELETE_TIMEOUT_MS }, (d) =>
        dropletState(state, d),
      );
    } catch (err) {
      throw new ProviderError(`Error waiting for droplet (${id}) to become off: ${(err as Error).message}`);
    }
  }
  try {
    await client.delete(`v2/droplets/${id}`);
  } catch (err) {
    if (err instanceof GodoError && err.status === 404) return;
    // Upstream ignores any other DELETE error and goes on to wait for the droplet to disappear.
  }
  try {
    await waitForState({
      delayMs: POLL_DELAY_MS,
      minTimeoutMs: POLL_MIN_MS,
      timeoutMs: DELETE_TIMEOUT_MS,
      pending: ["active", "off"],
      target: ["archive"],
      refresh: async () => {
        try {
          const d = (await client.get<{ droplet: ApiDroplet }>(`v2/droplets/${id}`)).droplet;
          return d.locked ? [undefined, ""] : [d, d.status];
        } catch (err) {
          throw new Error(`Error retrieving droplet: ${(err as Error).message}`);
        }
      },
    });
  } catch (err) {
    // The droplet is gone once its GET answers 404.
    if ((err as Error).message.includes("404")) return;
    throw new ProviderError(`Error deleting droplet: ${(err as Error).message}`);
  }
}
