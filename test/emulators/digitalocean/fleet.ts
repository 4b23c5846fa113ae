// Droplet lifecycle: creation, actions and out-of-band events, each moving the droplet's status
// after a delay and keeping its emulated SSH host in step (active = sshd running).
import type { FaultSet } from "../faults.ts";
import type { HostPool } from "../hosts.ts";
import { findSize } from "./catalog.ts";
import { unprocessable } from "./http.ts";
import { now, type AccountState, type ActionRecord, type DropletRecord, type Ids } from "./state.ts";

export interface Timing {
  /** From create to `active` (the host's sshd is listening by then). */
  bootMs: number;
  /** Power, resize and feature actions. */
  actionMs: number;
}

/** What an action does to the droplet when it completes. */
type Effect = (d: DropletRecord) => Promise<void> | void;

export class Fleet {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #byDroplet = new Map<number, Set<NodeJS.Timeout>>();
  /** Host operations per droplet, in order: a power_on never overtakes the power_off before it. */
  readonly #chains = new Map<number, Promise<void>>();
  readonly #pending = new Set<Promise<void>>();
  #stopped = false;

  constructor(
    private readonly account: AccountState,
    private readonly ids: Ids,
    private readonly hosts: HostPool,
    private readonly faults: FaultSet,
    private readonly timing: Timing,
    private readonly hostPrefix: string,
    /** Called when an action completes or a droplet changes out of band: the state changed. */
    private readonly onChange: () => void = () => {},
    /** Every droplet gets a container runtime (HostSpec.docker). */
    private readonly docker = false,
  ) {}

  /** Registers a new droplet (status `new`) and starts its create action. */
  create(d: DropletRecord): ActionRecord {
    this.account.droplets.set(d.id, d);
    const failure = this.faults.take("action-fails");
    return this.#run(d, "create", this.faults.take("slow-actions")?.ms ?? this.timing.bootMs, async (drop) => {
      try {
        if (failure) throw new Error(failure.message ?? `Droplet ${drop.id} could not be created: no capacity available in ${drop.region}`);
        await this.#powerOn(drop);
      } catch (err) {
        // A create that fails leaves the droplet in a state the provider does not wait for
        // (`off`, or `archive` when the fault's code says so), so it fails fast.
        drop.status = failure?.code === "archive" ? "archive" : "off";
        throw err;
      }
    });
  }

  /** Starts a droplet action (`POST /v2/droplets/:id/actions`) after the API's own checks. */
  act(d: DropletRecord, type: string, params: Record<string, unknown>): ActionRecord {
    if (this.#inProgress(d.id)) throw unprocessable("Droplet already has a pending event.");
    const ms = () => this.faults.take("slow-actions")?.ms ?? this.timing.actionMs;
    switch (type) {
      case "power_off":
      case "shutdown":
        if (d.status === "off") throw unprocessable("Droplet is already powered off.");
        return this.#run(d, type, ms(), (drop) => this.#powerOff(drop));
      case "power_on":
        if (d.status === "active") throw unprocessable("Droplet is already powered on.");
        return this.#run(d, type, ms(), (drop) => this.#powerOn(drop));
      case "reboot":
      case "power_cycle":
        return this.#run(d, type, ms(), async (drop) => {
          await this.#powerOff(drop);
          await this.#powerOn(drop);
        });
      case "resize":
        return this.#resize(d, params, ms());
      case "rename": {
        const name = validName(params.name);
        return this.#run(d, type, 0, (drop) => {
          drop.name = name;
        });
      }
      case "enable_backups":
      case "disable_backups":
      case "enable_ipv6":
      case "enable_private_networking": {
        const feature = type.replace(/^(enable|disable)_/, "");
        const on = type.startsWith("enable");
        return this.#run(d, type, ms(), (drop) => {
          drop.features = drop.features.filter((f) => f !== feature).concat(on ? [feature] : []);
        });
      }
      default:
        throw unprocessable(`${type} is not a valid action type.`);
    }
  }

  /**
   * Deletes the droplet from the API at once; its host goes in the background (the promise, also
   * awaited by close()). Null when there is no such droplet.
   */
  remove(id: number): Promise<void> | null {
    if (!this.account.droplets.delete(id)) return null;
    for (const t of this.#byDroplet.get(id) ?? []) this.#clear(t);
    this.#byDroplet.delete(id);
    for (const f of this.account.firewalls.values()) f.dropletIds = f.dropletIds.filter((x) => x !== id);
    return this.#chain(id, () => this.hosts.remove(this.hostId(id)));
  }

  /** The droplet dies out of band: status `off`, sshd gone, no action recorded. */
  async kill(d: DropletRecord): Promise<void> {
    d.status = "off";
    this.onChange();
    await this.#chain(d.id, () => this.hosts.stop(this.hostId(d.id)).catch(() => undefined));
  }

  hostId(dropletId: number): string {
    return `${this.hostPrefix}-${dropletId}`;
  }

  /** Cancels every pending action and waits for host operations in flight. */
  async close(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#pending]);
  }

  #resize(d: DropletRecord, params: Record<string, unknown>, ms: number): ActionRecord {
    const size = typeof params.size === "string" ? findSize(params.size) : undefined;
    if (!size) throw unprocessable("You specified an invalid size for Droplet resize.");
    if (!size.regions.includes(d.region)) throw unprocessable("Size is not available in this region.");
    if (d.status !== "off") throw unprocessable("Droplet is currently on. Please power it off to run this event.");
    const disk = params.disk === true;
    if (disk && size.disk < d.disk) throw unprocessable("Droplet can only be resized to a plan with an equal or larger disk.");
    d.locked = true;
    return this.#run(d, "resize", ms, (drop) => {
      drop.size = size.slug;
      if (disk) drop.disk = size.disk;
      drop.locked = false;
    });
  }

  #run(d: DropletRecord, type: string, ms: number, effect: Effect): ActionRecord {
    const action: ActionRecord = {
      id: this.ids.action(),
      status: "in-progress",
      type,
      startedAt: now(),
      completedAt: null,
      resourceId: d.id,
      resourceType: "droplet",
      regionSlug: d.region,
    };
    this.account.actions.set(action.id, action);
    const finish = () =>
      this.#chain(d.id, async () => {
        try {
          await effect(d);
          action.status = "completed";
        } catch (err) {
          action.status = "errored";
          action.error = (err as Error).message;
          d.locked = false;
        }
        action.completedAt = now();
        this.onChange();
      });
    if (ms <= 0) void finish();
    else this.#after(d.id, ms, finish);
    return action;
  }

  async #powerOn(d: DropletRecord): Promise<void> {
    const id = this.hostId(d.id);
    const size = findSize(d.size)!;
    if (this.hosts.get(id)) await this.hosts.resume(id);
    else d.address = (await this.hosts.start(id, d.authorizedKeys, { cpus: size.vcpus, memoryMb: size.memory, docker: this.docker })).address;
    // Deleted while its sshd was starting: the host must not outlive the droplet.
    if (!this.account.droplets.has(d.id)) await this.hosts.remove(id);
    else d.status = "active";
  }

  async #powerOff(d: DropletRecord): Promise<void> {
    if (this.hosts.get(this.hostId(d.id))) await this.hosts.stop(this.hostId(d.id));
    d.status = "off";
  }

  #inProgress(dropletId: number): boolean {
    for (const a of this.account.actions.values()) if (a.resourceId === dropletId && a.status === "in-progress") return true;
    return false;
  }

  #after(dropletId: number, ms: number, fn: () => unknown): void {
    const t = setTimeout(() => {
      this.#clear(t);
      if (!this.#stopped) fn();
    }, ms);
    this.#timers.add(t);
    const mine = this.#byDroplet.get(dropletId) ?? new Set();
    mine.add(t);
    this.#byDroplet.set(dropletId, mine);
  }

  #clear(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.#timers.delete(t);
    for (const set of this.#byDroplet.values()) set.delete(t);
  }

  #chain(dropletId: number, op: () => Promise<unknown>): Promise<void> {
    const next = (this.#chains.get(dropletId) ?? Promise.resolve()).then(op).then(
      () => undefined,
      () => undefined,
    );
    this.#chains.set(dropletId, next);
    this.#pending.add(next);
    void next.finally(() => {
      this.#pending.delete(next);
      if (this.#chains.get(dropletId) === next) this.#chains.delete(dropletId);
    });
    return next;
  }
}

/** Droplet names are hostnames. */
export function validName(name: unknown): string {
  if (typeof name !== "string" || !/^[a-zA-Z0-9.-]{1,255}$/.test(name)) {
    throw unprocessable("Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)");
  }
  return name;
}
