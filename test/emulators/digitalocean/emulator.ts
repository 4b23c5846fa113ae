// A DigitalOcean API v2 emulator on 127.0.0.1 (random port), in memory (optionally kept in a file
// across restarts). Droplets are real SSH hosts from the HostPool: a droplet that becomes active
// gets its own sshd on a loopback address, which the API reports as its public (and private) IPv4.
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { FaultSet } from "../faults.ts";
import type { Host, HostPool } from "../hosts.ts";
import { notFoundAnswer, v2Api, type ApiRequest } from "./api.ts";
import { findSize } from "./catalog.ts";
import { controlRoutes } from "./control.ts";
import { Fleet, validName, type Timing } from "./fleet.ts";
import { restore, snapshot as saveable, type DigitalOceanSaved } from "./persist.ts";
import { StateFile } from "../state-file.ts";
import { Ids, newAccount, renderAction, renderDroplet, renderFirewall, renderKey, type AccountState, type DropletRecord } from "./state.ts";

export interface DigitalOceanEmulatorOptions {
  hosts: HostPool;
  /** Tokens the API accepts; one is generated when none are given. */
  tokens?: string[];
  /** Action durations; defaults: boot 2 s, other actions 1 s. */
  timing?: Partial<Timing>;
  /**
   * Keeps the account (droplets, keys, firewalls, actions, tokens) in this JSON file: loaded at
   * start, written after every change. Its droplets' hosts need a pool that keeps servers.
   */
  stateFile?: string;
  /** Every droplet gets a container runtime (HostSpec.docker), as the configure step would install. */
  docker?: boolean;
}

/** Changes made behind the API's back, as a console or a crash would (drift for refresh). */
export interface OutOfBand {
  /** The droplet dies: status `off`, its sshd stops. */
  kill(dropletId: number): Promise<void>;
  resize(dropletId: number, size: string): void;
  rename(dropletId: number, name: string): void;
  delete(dropletId: number): Promise<void>;
}

export interface DigitalOceanEmulator {
  /** Host root, without `/v2` (what `digitalocean:apiEndpoint` takes). */
  url: string;
  /** A token the API accepts. */
  token: string;
  addToken(token: string): void;
  faults: FaultSet;
  /** How long actions take from now on; change it at will (a benchmark's realistic durations). */
  timing: Timing;
  /** The live in-memory account (read it; change it only through the API or outOfBand). */
  state: AccountState;
  /** The account as JSON, also served at `GET /_emulator/state`. */
  snapshot(): EmulatorSnapshot;
  /** Every `/v2` request so far (method, path with query, JSON body). */
  requests(): ApiRequest[];
  /** The emulated SSH host behind a droplet, if it has one. */
  hostOf(dropletId: number): Host | undefined;
  outOfBand: OutOfBand;
  stop(): Promise<void>;
}

export interface EmulatorSnapshot {
  droplets: Record<string, unknown>[];
  actions: Record<string, unknown>[];
  ssh_keys: Record<string, unknown>[];
  firewalls: Record<string, unknown>[];
  faults: unknown[];
}

export async function startDigitalOceanEmulator(opts: DigitalOceanEmulatorOptions): Promise<DigitalOceanEmulator> {
  const saved = opts.stateFile ? StateFile.read<DigitalOceanSaved>(opts.stateFile) : undefined;
  const token = saved?.token ?? opts.tokens?.[0] ?? `dop_v1_${randomBytes(32).toString("hex")}`;
  const tokens = new Set([token, ...(saved?.tokens ?? []), ...(opts.tokens ?? [])]);
  const faults = new FaultSet();
  const account = newAccount();
  const ids = new Ids();
  const requests: ApiRequest[] = [];
  let release!: () => void;
  const stopped = new Promise<void>((resolve) => (release = resolve));
  // Host ids are unique per emulator, as several may share one pool.
  const hostPrefix = saved?.hostPrefix ?? `do-${randomBytes(4).toString("hex")}`;
  const file = opts.stateFile ? new StateFile(opts.stateFile, () => saveable(account, ids, hostPrefix, token, tokens)) : undefined;
  const save = () => file?.save();
  const timing: Timing = { bootMs: 2000, actionMs: 1000, ...opts.timing };
  const fleet = new Fleet(account, ids, opts.hosts, faults, timing, hostPrefix, save, opts.docker);
  if (saved) await restore(saved, account, ids, opts.hosts, (id) => fleet.hostId(id));
  save();

  const must = (id: number): DropletRecord => {
    const d = account.droplets.get(id);
    if (!d) throw new Error(`no droplet ${id}`);
    return d;
  };
  const outOfBand: OutOfBand = {
    kill: (id) => fleet.kill(must(id)),
    resize(id, slug) {
      const size = findSize(slug);
      if (!size) throw new Error(`unknown size ${slug}`);
      Object.assign(must(id), { size: size.slug, disk: size.disk });
      save();
    },
    rename(id, name) {
      must(id).name = validName(name);
      save();
    },
    async delete(id) {
      must(id);
      const gone = fleet.remove(id);
      save();
      await gone;
    },
  };
  const snapshot = (): EmulatorSnapshot => ({
    droplets: [...account.droplets.values()].map((d) => ({ ...renderDroplet(d), user_data: d.userData ?? null, host_id: fleet.hostId(d.id) })),
    actions: [...account.actions.values()].map((a) => ({ ...renderAction(a), error: a.error ?? null })),
    ssh_keys: [...account.keys.values()].map(renderKey),
    firewalls: [...account.firewalls.values()].map(renderFirewall),
    faults: faults.list(),
  });

  const app = new Hono();
  // Whatever a request changed is on disk before the next one (a no-op when nothing changed).
  app.use("*", async (_c, next) => {
    try {
      await next();
    } finally {
      save();
    }
  });
  app.route("/v2", v2Api({ account, ids, fleet, faults, tokens, stopped, requests }));
  app.route("/_emulator", controlRoutes(faults, outOfBand, snapshot));
  app.notFound(notFoundAnswer);

  const server = await listen(app);
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    addToken: (t) => {
      tokens.add(t);
      save();
    },
    faults,
    timing,
    state: account,
    snapshot,
    requests: () => [...requests],
    hostOf: (id) => opts.hosts.get(fleet.hostId(id)),
    outOfBand,
    async stop() {
      release();
      await fleet.close();
      save();
      // A kept account keeps its droplets' hosts (powered off with the emulator, as saved);
      // otherwise they go with it.
      await Promise.all([...account.droplets.keys()].map((id) => (file ? opts.hosts.stop(fleet.hostId(id)).catch(() => undefined) : opts.hosts.remove(fleet.hostId(id)))));
      // Requests held open by the catalog-down timeout fault must not keep the server alive.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
    },
  };
}

function listen(app: Hono): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(server));
    server.once("error", reject);
  });
}
