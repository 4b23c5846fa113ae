// The emulator's in-memory account: records as the emulator keeps them, and their rendering
// into the API's JSON shapes.
import { createHash, randomUUID } from "node:crypto";
import { findRegion, findSize, type Image } from "./catalog.ts";

export type DropletStatus = "new" | "active" | "off" | "archive";
export type ActionStatus = "in-progress" | "completed" | "errored";

export interface DropletRecord {
  id: number;
  name: string;
  status: DropletStatus;
  locked: boolean;
  createdAt: string;
  region: string;
  size: string;
  /** Disk in GB: a resize without `disk:true` keeps the old disk. */
  disk: number;
  image: Image;
  /** The public key lines the droplet was created with (DigitalOcean injects them at boot only). */
  authorizedKeys: string[];
  tags: string[];
  features: string[];
  vpcUuid: string;
  userData?: string;
  volumeIds: string[];
  /** The emulated host's loopback address, once it has one; kept while powered off. */
  address?: string;
}

export interface ActionRecord {
  id: number;
  status: ActionStatus;
  type: string;
  startedAt: string;
  completedAt: string | null;
  resourceId: number;
  resourceType: "droplet";
  regionSlug: string;
  /** Why an action errored. The API has no field for it; tests read it from the state. */
  error?: string;
}

export interface KeyRecord {
  id: number;
  name: string;
  fingerprint: string;
  publicKey: string;
}

export interface FirewallRule {
  protocol: string;
  ports: string;
  targets: Record<string, unknown>;
}

export interface FirewallRecord {
  id: string;
  name: string;
  createdAt: string;
  inbound: FirewallRule[];
  outbound: FirewallRule[];
  dropletIds: number[];
  tags: string[];
}

export interface AccountState {
  droplets: Map<number, DropletRecord>;
  actions: Map<number, ActionRecord>;
  keys: Map<number, KeyRecord>;
  firewalls: Map<string, FirewallRecord>;
  tags: Set<string>;
  dropletLimit: number;
}

export function newAccount(): AccountState {
  return { droplets: new Map(), actions: new Map(), keys: new Map(), firewalls: new Map(), tags: new Set(), dropletLimit: 25 };
}

/** Sequential ids in the ranges the real API uses, so ids look like DigitalOcean's. */
export class Ids {
  #droplet = 480_000_000;
  #action = 2_300_000_000;
  #key = 41_000_000;
  droplet = () => ++this.#droplet;
  action = () => ++this.#action;
  key = () => ++this.#key;
  uuid = () => randomUUID();

  /** The last ids handed out, for saving; `resume` continues from saved ones. */
  last(): { droplet: number; action: number; key: number } {
    return { droplet: this.#droplet, action: this.#action, key: this.#key };
  }

  resume(last: { droplet: number; action: number; key: number }): void {
    this.#droplet = last.droplet;
    this.#action = last.action;
    this.#key = last.key;
  }
}

export const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** DigitalOcean's key fingerprint: MD5 of the key blob, colon-separated hex. */
export function md5Fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  return createHash("md5").update(blob).digest("hex").match(/../g)!.join(":");
}

/** The account's default VPC in a region (stable, so refreshes see the same vpc_uuid). */
export function defaultVpc(region: string): string {
  const h = createHash("md5").update(`default-vpc-${region}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function renderDroplet(d: DropletRecord): Record<string, unknown> {
  const size = findSize(d.size)!;
  const region = findRegion(d.region)!;
  const v4 = d.address
    ? ["public", "private"].map((type) => ({ ip_address: d.address, netmask: "255.0.0.0", gateway: "127.0.0.1", type }))
    : [];
  return {
    id: d.id,
    name: d.name,
    memory: size.memory,
    vcpus: size.vcpus,
    disk: d.disk,
    locked: d.locked,
    status: d.status,
    kernel: null,
    created_at: d.createdAt,
    features: [...d.features],
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: [],
    image: d.image,
    volume_ids: [...d.volumeIds],
    size,
    size_slug: size.slug,
    networks: { v4, v6: [] },
    region,
    tags: [...d.tags],
    vpc_uuid: d.vpcUuid,
  };
}

export function renderAction(a: ActionRecord): Record<string, unknown> {
  return {
    id: a.id,
    status: a.status,
    type: a.type,
    started_at: a.startedAt,
    completed_at: a.completedAt,
    resource_id: a.resourceId,
    resource_type: a.resourceType,
    region: findRegion(a.regionSlug) ?? null,
    region_slug: a.regionSlug,
  };
}

export function renderKey(k: KeyRecord): Record<string, unknown> {
  return { id: k.id, fingerprint: k.fingerprint, public_key: k.publicKey, name: k.name };
}

export function renderFirewall(f: FirewallRecord): Record<string, unknown> {
  const rule = (key: "sources" | "destinations") => (r: FirewallRule) => ({ protocol: r.protocol, ports: r.ports, [key]: r.targets });
  return {
    id: f.id,
    name: f.name,
    // Changes apply at once here: "waiting" would flip to "succeeded" between create and the
    // next refresh and show up as drift nobody caused.
    status: "succeeded",
    inbound_rules: f.inbound.map(rule("sources")),
    outbound_rules: f.outbound.map(rule("destinations")),
    created_at: f.createdAt,
    droplet_ids: [...f.dropletIds],
    tags: [...f.tags],
    pending_changes: [],
  };
}
