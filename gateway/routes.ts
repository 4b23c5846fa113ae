// App deployments' routes: a stable hostname `<name>-<slug>.<domain>` (HTTP and HTTPS) routed
// to the deployment's current copy, health-checked by the proxy. A switch moves the hostname
// from one copy to another without losing a request: the new copy joins with weight 0 and must
// pass its health check, then takes the traffic while the old one drains (its requests in
// flight finish), and only then leaves. Every step is written to the database first and made
// real by a reconciler pass, so a restart in the middle renders the same routes.
import net from "node:net";
import { z } from "zod";
import type { Db } from "../state/db.ts";
import { deleteRoute, insertRoute, routeOfDeployment, routesOfDeployments, updateRoute, type RouteBackend, type RouteBackends, type RouteHealth, type RouteRow, type Slot } from "../state/gateway-routes.ts";
import { routeEntry, type WebEntry } from "./entries.ts";
import { ACTIVE_WEIGHT } from "./model.ts";
import { showStat, type StatRow } from "./runtime-api.ts";
import type { GatewaySettings } from "./settings.ts";

/** A route asked for with a bad name, target or health check; `fields` name what is wrong. */
export class RouteSpecError extends Error {
  constructor(readonly fields: { field: string; message: string }[]) {
    super(fields.map((f) => `${f.field}: ${f.message}`).join("; "));
    this.name = "RouteSpecError";
  }
}

/** The deployment has no route. */
export class RouteNotFoundError extends Error {
  constructor(readonly deploymentId: string) {
    super(`deployment ${deploymentId} has no gateway route`);
    this.name = "RouteNotFoundError";
  }
}

/** The new copy never passed its health check: the switch was rolled back, the old copy still serves. */
export class RouteUnhealthyError extends Error {
  override name = "RouteUnhealthyError";
}

/** A switch needs the proxy running (its health checks and sessions tell when to go on). */
export class GatewayOffError extends Error {
  override name = "GatewayOffError";
}

export interface Target {
  address: string;
  port: number;
}

export interface RouteSpec {
  /** The first part of the hostname: lowercase letters, digits and dashes (the deployment's name). */
  name: string;
  target: Target;
  /** An HTTP GET that must answer 2xx or 3xx, or a TCP connect. */
  health: RouteHealth;
}

export interface RouteInfo extends WebEntry {
  deploymentId: string;
  /** The copy taking new requests (undefined while none does). */
  target?: Target;
  health: RouteHealth;
}

export interface BackendState extends Target {
  slot: Slot;
  weight: number;
  /** `up` once a health check passed; `down` after failed ones; `checking` before the first result. */
  health: "up" | "down" | "checking";
  /** Requests (or connections) it is serving now. */
  sessions: number;
}

export interface SwitchOptions {
  /** How long the new copy may take to pass its health check (default 30 s). */
  healthTimeoutMs?: number;
  /** How long the old copy may take to finish its requests (default 30 s); it leaves after that regardless. */
  drainTimeoutMs?: number;
}

/** What routes need from the gateway. */
export interface RouteHost {
  readonly running: boolean;
  readonly settings: GatewaySettings;
  readonly files: { apiSocket: string };
  sync(): Promise<void>;
}

const target = z.object({
  address: z.string().refine((a) => net.isIPv4(a), "must be an IPv4 address"),
  port: z.number().int().min(1, "must be a port (1-65535)").max(65535, "must be a port (1-65535)"),
});

const spec = z.object({
  name: z.string().regex(/^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/, "must be 1-42 lowercase letters, digits and dashes, starting with a letter"),
  target,
  health: z.discriminatedUnion("type", [
    z.object({ type: z.literal("http"), path: z.string().regex(/^\/[A-Za-z0-9._~%/?=&:@+,!-]{0,200}$/, "must be a path such as /health (no spaces, quotes or #)") }),
    z.object({ type: z.literal("tcp") }),
  ]),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, prefix = ""): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new RouteSpecError(r.error.issues.map((i) => ({ field: prefix + (i.path.join(".") || "value"), message: i.message })));
  return r.data;
}

const other = (slot: Slot): Slot => (slot === "a" ? "b" : "a");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PASSED = ["L4OK", "L6OK", "L7OK"];

/** The slot taking new requests: the one with a weight, or the only one. */
function activeSlot(backends: RouteBackends): Slot | undefined {
  const filled = (["a", "b"] as const).filter((s) => backends[s]);
  return filled.find((s) => backends[s]!.weight > 0) ?? (filled.length === 1 ? filled[0] : undefined);
}

export class GatewayRoutes {
  readonly #busy = new Map<string, Promise<unknown>>();

  constructor(
    private readonly gateway: RouteHost,
    private readonly db: Db,
  ) {}

  /** The deployment's route as stored (for pages: no proxy call), or undefined. */
  info(deploymentId: string): RouteInfo | undefined {
    const row = routeOfDeployment(this.db, deploymentId);
    return row && this.#info(row);
  }

  /** Several deployments' routes as stored, by deployment id, in one query (a list page's). */
  infoOf(deploymentIds: string[]): Map<string, RouteInfo> {
    return new Map(routesOfDeployments(this.db, deploymentIds).map((row) => [row.deploymentId, this.#info(row)]));
  }

  /**
   * Creates the deployment's route, or updates it: the hostname stays, the health check is
   * replaced, and a new target replaces the current copy at once (use switch() to drain).
   * Resolves once the proxy routes it (at once with the gateway stopped or off).
   */
  declare(deploymentId: string, routeSpec: RouteSpec): Promise<RouteInfo> {
    const s = parse(spec, routeSpec);
    return this.#exclusive(deploymentId, async () => {
      const backend: RouteBackend = { ...s.target, weight: ACTIVE_WEIGHT };
      const row = routeOfDeployment(this.db, deploymentId);
      const saved = row
        ? updateRoute(this.db, row.id, { health: s.health, backends: { [activeSlot(row.backends) ?? "a"]: backend } })
        : insertRoute(this.db, { deploymentId, name: s.name, health: s.health, backends: { a: backend } });
      await this.gateway.sync();
      return this.#info(saved);
    });
  }

  /** Removes the deployment's route (its hostname answers 404 afterwards). */
  remove(deploymentId: string): Promise<void> {
    return this.#exclusive(deploymentId, async () => {
      deleteRoute(this.db, deploymentId);
      await this.gateway.sync();
    });
  }

  /** The route's copies as the proxy sees them now. */
  async backends(deploymentId: string): Promise<BackendState[]> {
    const row = this.#row(deploymentId);
    const stats = this.gateway.running ? await showStat(this.gateway.files.apiSocket) : [];
    return (["a", "b"] as const).flatMap((slot) => {
      const b = row.backends[slot];
      if (!b) return [];
      const stat = stats.find((r) => r.proxy === `app_${row.hostname}` && r.server === slot);
      return [{ slot, address: b.address, port: b.port, weight: b.weight, health: healthOf(stat), sessions: stat?.current ?? 0 }];
    });
  }

  /**
   * Moves the route to `to` without losing a request: the new copy is health-checked first (if
   * it never passes, the switch is rolled back and RouteUnhealthyError thrown), then takes new
   * requests while the old copy finishes its own, then the old copy leaves the route.
   */
  switch(deploymentId: string, to: Target, opts: SwitchOptions = {}): Promise<RouteInfo> {
    const next = parse(target, to, "target.");
    if (!this.gateway.running) return Promise.reject(new GatewayOffError("the gateway is not running (HOIST_GATEWAY), so a route cannot be switched with health checks and draining"));
    return this.#exclusive(deploymentId, async () => {
      let row = this.#row(deploymentId);
      const from = activeSlot(row.backends) ?? "b";
      const into = other(from);
      const old = row.backends[from];
      // 1. The new copy joins without traffic, and is checked.
      row = updateRoute(this.db, row.id, { backends: { ...(old && { [from]: old }), [into]: { ...next, weight: 0 } } });
      await this.gateway.sync();
      if (!(await this.#until(row, into, (s) => healthOf(s) === "up", opts.healthTimeoutMs ?? 30_000))) {
        row = updateRoute(this.db, row.id, { backends: old ? { [from]: old } : {} });
        await this.gateway.sync();
        throw new RouteUnhealthyError(`the new copy at ${next.address}:${next.port} did not pass its health check; the route stays on ${old ? `${old.address}:${old.port}` : "no copy"}`);
      }
      // 2. It takes the new requests (raised before the old one is lowered: never no copy).
      row = updateRoute(this.db, row.id, { backends: { [into]: { ...next, weight: ACTIVE_WEIGHT }, ...(old && { [from]: { ...old, weight: 0 } }) } });
      await this.gateway.sync();
      // 3. The old copy finishes what it serves, then leaves.
      if (old) await this.#until(row, from, (s) => (s?.current ?? 0) === 0, opts.drainTimeoutMs ?? 30_000);
      row = updateRoute(this.db, row.id, { backends: { [into]: { ...next, weight: ACTIVE_WEIGHT } } });
      await this.gateway.sync();
      return this.#info(row);
    });
  }

  #row(deploymentId: string): RouteRow {
    const row = routeOfDeployment(this.db, deploymentId);
    if (!row) throw new RouteNotFoundError(deploymentId);
    return row;
  }

  #info(row: RouteRow): RouteInfo {
    const slot = activeSlot(row.backends);
    const b = slot && row.backends[slot];
    return { deploymentId: row.deploymentId, ...routeEntry(this.gateway.settings, row), target: b ? { address: b.address, port: b.port } : undefined, health: row.health };
  }

  /** Polls the proxy until the slot's stats satisfy `done`; false after `ms`. */
  async #until(row: RouteRow, slot: Slot, done: (s: StatRow | undefined) => boolean, ms: number): Promise<boolean> {
    for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) {
      const stat = (await showStat(this.gateway.files.apiSocket)).find((r) => r.proxy === `app_${row.hostname}` && r.server === slot);
      if (done(stat)) return true;
    }
    return false;
  }

  /** One change at a time per deployment. */
  #exclusive<T>(deploymentId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#busy.get(deploymentId) ?? Promise.resolve()).then(fn);
    const tail = run
      .catch(() => {})
      .finally(() => {
        if (this.#busy.get(deploymentId) === tail) this.#busy.delete(deploymentId);
      });
    this.#busy.set(deploymentId, tail);
    return run;
  }
}

/** "UP" alone is up; "UP 1/2" is up but failing, "DOWN 1/2" down but recovering (HAProxy's words). */
function healthOf(stat: StatRow | undefined): BackendState["health"] {
  if (stat?.status.startsWith("DOWN")) return "down";
  return stat?.status === "UP" && PASSED.includes(stat.checkStatus) ? "up" : "checking";
}
