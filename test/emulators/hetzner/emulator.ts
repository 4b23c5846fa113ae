// The Hetzner Cloud API emulator: Hetzner's public API (`/v1`) on a random port of 127.0.0.1, with
// in-memory state (optionally kept in a file across restarts), real SSH hosts for its servers,
// injectable faults, and a control API under `/_emulator/` for people driving it by hand
// (`npm run testbed`).
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { randomBytes } from "node:crypto";
import { createAdaptorServer } from "@hono/node-server";
import { Hono, type Context, type Next } from "hono";
import type { Host, HostPool } from "../hosts.ts";
import { FaultSet } from "../faults.ts";
import { ActionRunner, actionJson } from "./actions.ts";
import { byIdOrName, SERVER_TYPES } from "./catalog.ts";
import { HetznerApiError, notFound } from "./http.ts";
import { removeServer, type EmulatorContext } from "./machines.ts";
import { restore, snapshot, type HetznerSaved } from "./persist.ts";
import { StateFile } from "../state-file.ts";
import { HetznerState, type FirewallJson, type ServerJson, type ServerRecord, type SshKeyRecord } from "./state.ts";
import { actionRoutes } from "./routes/actions.ts";
import { catalogRoutes } from "./routes/catalog.ts";
import { controlRoutes } from "./routes/control.ts";
import { firewallRoutes } from "./routes/firewalls.ts";
import { serverActionRoutes } from "./routes/server-actions.ts";
import { serverRoutes } from "./routes/servers.ts";
import { sshKeyRoutes } from "./routes/ssh-keys.ts";

export interface HetznerEmulatorOptions {
  hosts: HostPool;
  /** Tokens accepted besides the one the emulator makes up. */
  tokens?: string[];
  /** How long an action runs before it finishes (default 300 ms). */
  actionMs?: number;
  /** How long actions of one command run instead (`create_server`, `delete_server`, …). */
  commandMs?: Record<string, number>;
  /**
   * Keeps the project (servers, keys, firewalls, actions, tokens) in this JSON file: loaded at
   * start, written after every change. Its servers' hosts need a pool that keeps servers.
   */
  stateFile?: string;
  /** Every server gets a container runtime (HostSpec.docker), as the configure step would install. */
  docker?: boolean;
}

export interface HetznerTiming {
  /** Every action's duration, unless its command has its own. */
  actionMs: number;
  commandMs: Record<string, number>;
}

export interface RequestRecord {
  method: string;
  /** Path below the API base, with the query string exactly as sent (`/actions?id=3&page=1&…`). */
  path: string;
  status: number;
}

export interface HetznerEmulator {
  /** API base including `/v1`, what `hcloud:endpoint` takes. */
  readonly url: string;
  /** A valid token: 64 characters, like Hetzner's. */
  readonly token: string;
  addToken(token: string): void;
  /** The project's owner deletes a token: it is refused from then on. */
  revokeToken(token: string): void;
  readonly faults: FaultSet;
  /** How long actions take from now on; change it at will (a benchmark's realistic durations). */
  readonly timing: HetznerTiming;
  /** The project's resources as the API would list them. */
  readonly state: {
    servers(): ServerJson[];
    sshKeys(): SshKeyRecord[];
    firewalls(): FirewallJson[];
    actions(): ReturnType<typeof actionJson>[];
  };
  /** The SSH host behind a server (for its root filesystem and host key). */
  host(serverId: number): Host | undefined;
  /** Every API request so far, in order. */
  requests(): RequestRecord[];
  /** Changes made behind the API's back, for drift tests. */
  readonly outOfBand: {
    /** The server dies: status off, its sshd stops. */
    kill(serverId: number): Promise<void>;
    changeType(serverId: number, serverType: string): void;
    rename(serverId: number, name: string): void;
    delete(serverId: number): Promise<void>;
  };
  stop(): Promise<void>;
}

const TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const RATE_LIMIT = 3600;

/** A token shaped like Hetzner's: 64 letters and digits. */
export function makeToken(): string {
  return [...randomBytes(64)].map((b) => TOKEN_CHARS[b % TOKEN_CHARS.length]).join("");
}

export async function startHetznerEmulator(opts: HetznerEmulatorOptions): Promise<HetznerEmulator> {
  const saved = opts.stateFile ? StateFile.read<HetznerSaved>(opts.stateFile) : undefined;
  const state = new HetznerState();
  const faults = new FaultSet();
  const timing: HetznerTiming = { actionMs: opts.actionMs ?? 300, commandMs: { ...opts.commandMs } };
  const save = () => file?.save();
  const duration = (command: string) => faults.take("slow-actions")?.ms ?? timing.commandMs[command] ?? timing.actionMs;
  const actions = new ActionRunner(state.actions, () => state.nextId(), duration, save);
  const ctx: EmulatorContext = { state, hosts: opts.hosts, faults, actions, hostPrefix: saved?.hostPrefix ?? `hetzner-${randomBytes(3).toString("hex")}`, docker: opts.docker };
  const token = saved?.token ?? makeToken();
  const tokens = new Set([token, ...(saved?.tokens ?? []), ...(opts.tokens ?? [])]);
  const file = opts.stateFile ? new StateFile(opts.stateFile, () => snapshot(ctx, token, tokens)) : undefined;
  if (saved) await restore(ctx, saved);
  save();
  const log: RequestRecord[] = [];
  const hanging = new Set<() => void>();
  const inFlight = new Set<Promise<unknown>>();
  const bucket = { remaining: RATE_LIMIT, at: Date.now() };

  const mustServer = (id: number): ServerRecord => {
    const s = state.servers.get(id);
    if (!s) throw notFound("server", id);
    return s;
  };

  const outOfBand: HetznerEmulator["outOfBand"] = {
    async kill(id) {
      const s = mustServer(id);
      s.status = "off";
      save();
      await opts.hosts.stop(s.hostId);
    },
    changeType(id, serverType) {
      const type = byIdOrName(SERVER_TYPES, serverType);
      if (!type) throw new Error(`no server type ${serverType}`);
      mustServer(id).type = type;
      save();
    },
    rename(id, name) {
      mustServer(id).name = name;
      save();
    },
    delete: (id) => removeServer(ctx, mustServer(id)).finally(save),
  };

  const app = new Hono();
  // Whatever a request changed is on disk before the next one (a no-op when nothing changed).
  app.use("*", async (_c, next) => {
    try {
      await next();
    } finally {
      save();
    }
  });
  app.onError((err, c) => {
    if (err instanceof HetznerApiError) return c.json(err.body(), err.status as 400);
    return c.json(new HetznerApiError(500, "server_error", err.message).body(), 500);
  });
  app.route("/_emulator", controlRoutes({ ctx, tokens, outOfBand }));

  const api = new Hono();
  api.use("*", async (c, next) => {
    const done = track(c, next);
    inFlight.add(done);
    try {
      await done;
    } finally {
      inFlight.delete(done);
    }
  });
  api.use("*", async (c, next) => {
    // Every answer carries one, as Hetzner's do; the official clients quote it in their errors.
    c.header("X-Correlation-Id", randomBytes(8).toString("hex"));
    rateLimitHeaders(c);
    if (faults.take("reject-token")) throw unauthorized();
    const auth = c.req.header("authorization") ?? "";
    if (!auth.startsWith("Bearer ") || !tokens.has(auth.slice(7))) throw unauthorized();
    const limited = faults.take("rate-limit");
    if (limited || bucket.remaining < 1) {
      const wait = limited?.retryAfterSeconds ?? 1;
      c.header("RateLimit-Remaining", "0");
      c.header("RateLimit-Reset", String(Math.ceil(Date.now() / 1000) + wait));
      throw new HetznerApiError(429, "rate_limit_exceeded", `limit of ${RATE_LIMIT} requests per hour reached`);
    }
    bucket.remaining -= 1;
    await next();
  });
  for (const path of ["/locations", "/datacenters", "/server_types", "/images", "/pricing"]) {
    api.use(path, catalogFault);
    api.use(`${path}/*`, catalogFault);
  }
  api.route("/", catalogRoutes());
  api.route("/servers", serverRoutes(ctx));
  api.route("/servers", serverActionRoutes(ctx));
  api.route("/ssh_keys", sshKeyRoutes(ctx));
  api.route("/firewalls", firewallRoutes(ctx));
  api.route("/actions", actionRoutes(ctx));
  app.route("/v1", api);
  app.notFound((c) => c.json(new HetznerApiError(404, "not_found", "not found").body(), 404));

  async function track(c: Context, next: Next) {
    await next();
    const u = new URL(c.req.url);
    log.push({ method: c.req.method, path: u.pathname.replace(/^\/v1/, "") + u.search, status: c.res.status });
  }

  function rateLimitHeaders(c: Context) {
    const t = Date.now();
    // The bucket refills one request per second, as Hetzner's does.
    bucket.remaining = Math.min(RATE_LIMIT, bucket.remaining + (t - bucket.at) / 1000);
    bucket.at = t;
    c.header("RateLimit-Limit", String(RATE_LIMIT));
    c.header("RateLimit-Remaining", String(Math.max(0, Math.floor(bucket.remaining) - 1)));
    c.header("RateLimit-Reset", String(Math.ceil(t / 1000 + RATE_LIMIT - bucket.remaining + 1)));
  }

  async function catalogFault(_c: Context, next: Next) {
    const down = faults.take("catalog-down");
    if (!down) return next();
    if (down.mode === "5xx") throw new HetznerApiError(503, "service_error", "service temporarily unavailable");
    // No answer at all: the client waits until it gives up; stop() cuts the socket.
    await new Promise<void>((resolve) => hanging.add(resolve));
    throw new HetznerApiError(503, "service_error", "emulator stopped");
  }

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    token,
    addToken: (t) => {
      tokens.add(t);
      save();
    },
    revokeToken: (t) => {
      tokens.delete(t);
      save();
    },
    faults,
    timing,
    state: {
      servers: () => [...state.servers.values()].map((s) => state.serverJson(s)),
      sshKeys: () => [...state.sshKeys.values()],
      firewalls: () => [...state.firewalls.values()].map((f) => state.firewallJson(f)),
      actions: () => [...state.actions.values()].map(actionJson),
    },
    host: (id) => {
      const s = state.servers.get(id);
      return s && opts.hosts.get(s.hostId);
    },
    requests: () => [...log],
    outOfBand,
    stop: () =>
      (stopping ??= (async () => {
        server.close();
        for (const release of hanging) release();
        hanging.clear();
        server.closeAllConnections();
        await Promise.allSettled([...inFlight]);
        await actions.close();
        save();
        // A kept project keeps its servers (powered off with the emulator, as saved); otherwise
        // they go with it.
        const mine = opts.hosts.list().filter((h) => h.id.startsWith(`${ctx.hostPrefix}-`));
        await Promise.all(mine.map((h) => (file ? opts.hosts.stop(h.id) : opts.hosts.remove(h.id))));
      })()),
  };
}

function unauthorized() {
  return new HetznerApiError(401, "unauthorized", "unable to authenticate");
}
