// The gateway: HAProxy run by Hoist, giving every cloud server a slug hostname, a forwarded SSH
// port and a block of TCP ports, and every app deployment a hostname (routes.ts). It is a
// reconciler (reconciler.ts): on start, every few seconds, and when poked with sync(), it makes
// the proxy match the database. Nothing else needs to tell it what changed.
import fs from "node:fs";
import type { Logger } from "pino";
import type { Db } from "../state/db.ts";
import { allocateForServer, type Allocation } from "../state/gateway-allocations.ts";
import type { Keyring } from "../state/secrets.ts";
import { GatewayProcessError, HaproxyProcess } from "./haproxy-process.ts";
import { reconcile, type Applied } from "./reconciler.ts";
import { GatewayRoutes } from "./routes.ts";
import { findHaproxy, gatewayFiles, type GatewayFiles, type GatewaySettings } from "./settings.ts";

export interface GatewayOptions {
  db: Db;
  keyring: Keyring;
  log: Logger;
  settings: GatewaySettings;
}

/** Unix socket paths longer than this do not fit sockaddr_un (108 bytes with its terminator). */
const MAX_SOCKET_PATH = 107;

export class Gateway {
  /** Whether Hoist runs a gateway (HOIST_GATEWAY, or `auto` with HAProxy installed). */
  readonly enabled: boolean;
  readonly settings: GatewaySettings;
  readonly files: GatewayFiles;
  /** App deployments' routes (declare, switch, remove). */
  readonly routes: GatewayRoutes;
  readonly #opts: GatewayOptions;
  readonly #binary?: string;
  #proxy?: HaproxyProcess;
  #applied?: Applied;
  #timer?: NodeJS.Timeout;
  #started = false;
  #pass?: Promise<void>;
  #next?: Promise<void>;
  #lastError?: string;

  constructor(opts: GatewayOptions) {
    this.#opts = opts;
    this.settings = opts.settings;
    this.files = gatewayFiles(opts.settings.dir);
    this.#binary = opts.settings.mode === "off" ? undefined : findHaproxy(opts.settings);
    this.enabled = opts.settings.mode === "on" || this.#binary !== undefined;
    this.routes = new GatewayRoutes(this, opts.db);
  }

  /** Whether the proxy runs now (started, and its master alive). */
  get running(): boolean {
    return this.#started && !!this.#proxy?.running;
  }

  /** The HAProxy master's pid while it runs. */
  get pid(): number | undefined {
    return this.running ? this.#proxy!.pid : undefined;
  }

  /**
   * The server's entry points, allocated now if it has none (undefined with the gateway off).
   * Throws GatewayFullError when a port range is exhausted.
   */
  allocate(serverId: string): Allocation | undefined {
    return this.enabled ? allocateForServer(this.#opts.db, serverId, this.settings.ranges) : undefined;
  }

  /**
   * Starts the proxy (adopting one an earlier Hoist left running), makes it match the database
   * and keeps it so. Rejects when the first pass fails; the passes go on regardless.
   */
  async start(): Promise<void> {
    if (!this.enabled || this.#started) return;
    if (!this.#binary) throw new GatewayProcessError("HOIST_GATEWAY is on, but HAProxy is not installed (apt-get install haproxy) nor given by HOIST_GATEWAY_HAPROXY");
    if (this.files.apiSocket.length > MAX_SOCKET_PATH || this.files.masterSocket.length > MAX_SOCKET_PATH) {
      throw new GatewayProcessError(`the data folder's path is too long for the gateway's unix sockets (${this.files.masterSocket}); use a shorter HOIST_DATA_DIR`);
    }
    fs.mkdirSync(this.files.dir, { recursive: true, mode: 0o700 });
    this.#proxy = new HaproxyProcess(this.#binary, this.files, this.#opts.log);
    this.#proxy.adopt();
    this.#started = true;
    this.#timer = setInterval(() => void this.sync().catch(() => {}), this.settings.syncIntervalSeconds * 1000);
    this.#timer.unref();
    await this.sync();
  }

  /** Stops the passes and the proxy (and its workers); waits until they are gone. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    clearInterval(this.#timer);
    await Promise.allSettled([this.#pass, this.#next]);
    await this.#proxy?.stop();
    this.#applied = undefined;
  }

  /**
   * Makes the proxy match the database now: one pass, or the one after the pass under way (so
   * that what changed before the call is surely seen). Resolves at once while the gateway is
   * not started; rejects when the pass fails.
   */
  sync(): Promise<void> {
    if (!this.#started) return Promise.resolve();
    if (!this.#pass) {
      this.#pass = this.#run().finally(() => (this.#pass = undefined));
      return this.#pass;
    }
    this.#next ??= this.#pass
      .catch(() => {})
      .then(() => {
        this.#next = undefined;
        return this.sync();
      });
    return this.#next;
  }

  async #run(): Promise<void> {
    try {
      this.#applied = await reconcile({ ...this.#opts, settings: this.settings, files: this.files, proxy: this.#proxy! }, this.#applied);
      if (this.#lastError) this.#opts.log.info("gateway: working again");
      this.#lastError = undefined;
    } catch (err) {
      this.#applied = undefined;
      // Every pass retries; the same failure is logged once, not every few seconds.
      const message = (err as Error).message;
      if (message !== this.#lastError) this.#opts.log.error({ err }, `gateway: ${message}`);
      this.#lastError = message;
      throw err;
    }
  }
}
