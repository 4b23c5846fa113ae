// A droplet's Pulumi state as the official provider derives it from the API, and its two ways of
// waiting: on a droplet attribute (status, locked, name, …) and on an action.
import { sha1Hex } from "./bridge.ts";
import { GodoError, type GodoClient } from "./godo.ts";
import { waitForState } from "./wait.ts";

// The official provider's waits (terraform-provider-digitalocean, resource_droplet.go and
// util/wait.go): 10 s before the first poll, then polls backing off from 3 s. Kept as they are,
// so a create takes ≥10 s and a delete ≥20 s here as it does against the real API.
export const POLL_DELAY_MS = 10_000;
export const POLL_MIN_MS = 3_000;
export const CREATE_TIMEOUT_MS = 60 * 60_000;
export const UPDATE_TIMEOUT_MS = 60 * 60_000;
export const DELETE_TIMEOUT_MS = 60_000;

/** SDKv2 private state the bridge exposes: the resource's timeouts (ns) and schema version. */
const META = JSON.stringify({
  "e2bfb730-ecaa-11e6-8f88-34363bc7c4c0": { create: CREATE_TIMEOUT_MS * 1e6, delete: DELETE_TIMEOUT_MS * 1e6, update: UPDATE_TIMEOUT_MS * 1e6 },
  schema_version: "1",
});

export interface ApiDroplet {
  id: number;
  name: string;
  memory: number;
  vcpus: number;
  disk: number;
  locked: boolean;
  status: string;
  created_at: string;
  features: string[] | null;
  size: { slug: string; price_monthly: number; price_hourly: number };
  region: { slug: string };
  image: { id: number; slug: string | null };
  networks: { v4: { ip_address: string; type: string }[] | null; v6: { ip_address: string; type: string }[] | null } | null;
  tags: string[] | null;
  volume_ids: string[] | null;
  vpc_uuid: string;
}

export interface ApiAction {
  id: number;
  status: string;
  completed_at: string | null;
}

type Props = Record<string, unknown>;

/** Inputs the API does not echo: the state keeps what the program gave. */
const KEPT_INPUTS = ["image", "sshKeys", "backupPolicy", "dropletAgent", "gracefulShutdown", "resizeDisk", "gpuPartitionMode", "publicNetworking", "backups", "ipv6", "privateNetworking", "monitoring"];

/** The state fields that come from inputs (user_data stored as its hash, as upstream does). */
export function keptInputs(inputs: Props): Props {
  const out: Props = {};
  for (const k of KEPT_INPUTS) if (inputs[k] !== undefined) out[k] = inputs[k];
  if (typeof inputs.userData === "string") out.userData = sha1Hex(inputs.userData);
  return out;
}

/** setDropletAttributes: the droplet's state from `base` (earlier state or inputs) and the API. */
export function dropletState(base: Props, d: ApiDroplet): Props {
  const addr = (list: { ip_address: string; type: string }[] | null | undefined, type: string) =>
    list?.find((n) => n.type === type)?.ip_address ?? "";
  const state: Props = {
    ...base,
    id: String(d.id),
    name: d.name,
    dropletUrn: `do:droplet:${d.id}`,
    region: d.region.slug,
    size: d.size.slug,
    priceHourly: d.size.price_hourly,
    priceMonthly: d.size.price_monthly,
    disk: d.disk,
    vcpus: d.vcpus,
    memory: d.memory,
    status: d.status,
    locked: d.locked,
    createdAt: d.created_at,
    vpcUuid: d.vpc_uuid,
    ipv4Address: addr(d.networks?.v4, "public"),
    ipv4AddressPrivate: addr(d.networks?.v4, "private"),
    ipv6Address: addr(d.networks?.v6, "public").toLowerCase(),
    volumeIds: d.volume_ids ?? [],
    tags: d.tags ?? [],
    __meta: META,
  };
  if (d.features) {
    state.backups = d.features.includes("backups");
    state.ipv6 = d.features.includes("ipv6");
    state.privateNetworking = d.features.includes("private_networking");
    state.monitoring = d.features.includes("monitoring");
  }
  return state;
}

export interface AttributeWait {
  attribute: "status" | "locked" | "name" | "ipv6" | "privateNetworking";
  target: string;
  pending: string[];
  timeoutMs: number;
  /** Create only: a droplet not visible yet is polled again (up to 120 times) rather than failing. */
  tolerate404?: boolean;
}

/**
 * waitForDropletAttribute: polls GET /v2/droplets/{id}, handing every answer to `onDroplet`
 * (which keeps the state current), skipping polls while the droplet is locked.
 */
export async function waitForDropletAttribute(
  api: GodoClient,
  id: string,
  wait: AttributeWait,
  onDroplet: (d: ApiDroplet) => Props,
): Promise<void> {
  await waitForState<ApiDroplet>({
    delayMs: POLL_DELAY_MS,
    minTimeoutMs: POLL_MIN_MS,
    timeoutMs: wait.timeoutMs,
    pending: wait.pending,
    target: [wait.target],
    notFoundChecks: wait.tolerate404 ? 120 : 60,
    refresh: async () => {
      let d: ApiDroplet;
      try {
        d = (await api.get<{ droplet: ApiDroplet }>(`v2/droplets/${id}`)).droplet;
      } catch (err) {
        if (wait.tolerate404 && err instanceof GodoError && err.status === 404) return [undefined, ""];
        throw new Error(`Error retrieving droplet: ${(err as Error).message}`);
      }
      const state = onDroplet(d);
      if (d.locked) return [undefined, ""];
      return [d, String(state[wait.attribute])];
    },
  });
}

/** util.WaitForAction: polls GET /v2/actions/{id} until completed; `errored` fails it. */
export async function waitForAction(api: GodoClient, action: ApiAction): Promise<void> {
  await waitForState<ApiAction>({
    delayMs: POLL_DELAY_MS,
    minTimeoutMs: POLL_MIN_MS,
    timeoutMs: UPDATE_TIMEOUT_MS,
    pending: ["in-progress"],
    target: ["completed"],
    notFoundChecks: 60,
    refresh: async () => {
      const a = (await api.get<{ action: ApiAction }>(`v2/actions/${action.id}`)).action;
      if (a.status === "errored") return [a, "errored"];
      return [a, a.completed_at ? "completed" : "in-progress"];
    },
  });
}

/** POST /v2/droplets/{id}/actions. */
export async function dropletAction(api: GodoClient, id: string, body: Props): Promise<ApiAction> {
  return (await api.post<{ action: ApiAction }>(`v2/droplets/${id}/actions`, body)).action;
}
