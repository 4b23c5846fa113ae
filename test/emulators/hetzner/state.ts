// The emulated project's resources, in memory, and how they serialise to the API's JSON.
import type { DatacenterJson, ImageJson, ServerTypeJson } from "./catalog.ts";
import type { ActionRecord } from "./actions.ts";
import { matchesSelector } from "./http.ts";

export const SERVER_STATUSES = ["initializing", "starting", "running", "stopping", "off", "deleting", "migrating", "rebuilding", "unknown"] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

export interface ServerRecord {
  id: number;
  name: string;
  status: ServerStatus;
  created: string;
  labels: Record<string, string>;
  type: ServerTypeJson;
  image: ImageJson | null;
  datacenter: DatacenterJson;
  /** The public keys the server was created with: what its sshd accepts. */
  authorizedKeys: string[];
  userData: string | null;
  ipv4: { id: number; ip: string } | null;
  ipv6: { id: number; ip: string } | null;
  backupWindow: string | null;
  protection: { delete: boolean; rebuild: boolean };
  primaryDiskSize: number;
  /** The HostPool id of the server's SSH host. */
  hostId: string;
}

export interface SshKeyRecord {
  id: number;
  name: string;
  fingerprint: string;
  public_key: string;
  labels: Record<string, string>;
  created: string;
}

export interface FirewallRule {
  direction: "in" | "out";
  protocol: "tcp" | "udp" | "icmp" | "esp" | "gre";
  port: string | null;
  source_ips: string[];
  destination_ips: string[];
  description: string | null;
}

export type FirewallTarget = { type: "server"; server: { id: number } } | { type: "label_selector"; label_selector: { selector: string } };

export interface FirewallRecord {
  id: number;
  name: string;
  labels: Record<string, string>;
  created: string;
  rules: FirewallRule[];
  appliedTo: FirewallTarget[];
}

export type ServerJson = ReturnType<HetznerState["serverJson"]>;
export type FirewallJson = ReturnType<HetznerState["firewallJson"]>;

/** Everything one emulated project holds. Ids come from one counter, as unique as the real ones. */
export class HetznerState {
  readonly servers = new Map<number, ServerRecord>();
  readonly sshKeys = new Map<number, SshKeyRecord>();
  readonly firewalls = new Map<number, FirewallRecord>();
  readonly actions = new Map<number, ActionRecord>();
  #next = 1000;

  nextId(): number {
    return this.#next++;
  }

  /** The id the next resource gets, for saving the state; `resumeIds` sets it when loading. */
  peekNextId(): number {
    return this.#next;
  }

  resumeIds(next: number): void {
    this.#next = next;
  }

  serverByName(name: string): ServerRecord | undefined {
    return [...this.servers.values()].find((s) => s.name === name);
  }

  /** The firewalls that apply to a server, directly or through a label selector. */
  firewallsOf(server: ServerRecord): FirewallRecord[] {
    return [...this.firewalls.values()].filter((f) =>
      f.appliedTo.some((t) => (t.type === "server" ? t.server.id === server.id : matchesSelector(server.labels, t.label_selector.selector))),
    );
  }

  serverJson(s: ServerRecord) {
    return {
      id: s.id,
      name: s.name,
      status: s.status,
      created: s.created,
      labels: s.labels,
      locked: false,
      rescue_enabled: false,
      backup_window: s.backupWindow,
      iso: null,
      public_net: {
        ipv4: s.ipv4 && { id: s.ipv4.id, ip: s.ipv4.ip, blocked: false, dns_ptr: `static.${s.ipv4.ip.split(".").reverse().join(".")}.clients.your-server.de` },
        ipv6: s.ipv6 && { id: s.ipv6.id, ip: s.ipv6.ip, blocked: false, dns_ptr: [] },
        floating_ips: [],
        firewalls: this.firewallsOf(s).map((f) => ({ id: f.id, status: "applied" })),
      },
      private_net: [],
      server_type: s.type,
      image: s.image,
      location: s.datacenter.location,
      datacenter: s.datacenter,
      protection: s.protection,
      primary_disk_size: s.primaryDiskSize,
      included_traffic: s.type.prices.find((p) => p.location === s.datacenter.location.name)?.included_traffic ?? 0,
      outgoing_traffic: 0,
      ingoing_traffic: 0,
      placement_group: null,
      volumes: [],
      load_balancers: [],
    };
  }

  firewallJson(f: FirewallRecord) {
    return {
      id: f.id,
      name: f.name,
      labels: f.labels,
      created: f.created,
      rules: f.rules,
      applied_to: f.appliedTo.map((t) =>
        t.type === "server"
          ? t
          : {
              ...t,
              applied_to_resources: [...this.servers.values()]
                .filter((s) => matchesSelector(s.labels, t.label_selector.selector))
                .map((s) => ({ type: "server", server: { id: s.id } })),
            },
      ),
    };
  }
}
