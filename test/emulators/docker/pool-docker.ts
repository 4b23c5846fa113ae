// A host pool's container runtime: one daemon for all the pool's servers that have docker,
// started with the first of them (test images built, containers of unknown servers removed),
// stopped with the pool; and each such server's socket, up while the server is powered on.
import { chownSync, rmSync } from "node:fs";
import path from "node:path";
import { DockerDaemon, sweepDaemon } from "./daemon.ts";
import { buildTestImages } from "./images.ts";
import { DOCKER_GID, installDockerCli, poolCliCopy, powerOffContainers, powerOnContainers, removeContainers, removeOrphans, socketIn } from "./server-docker.ts";
import { startSocketProxy, type SocketProxy } from "./socket-proxy.ts";

/** What the pool tells about one of its servers. */
export interface DockerHost {
  id: string;
  /** The host's folder (it remembers there which containers a power-on starts). */
  dir: string;
  rootDir: string;
}

export class PoolDocker {
  #daemon?: Promise<DockerDaemon>;
  readonly #proxies = new Map<string, SocketProxy>();

  constructor(
    private readonly poolDir: string,
    /** Whether a host id is one of the pool's servers, restored or not yet. */
    private readonly known: (hostId: string) => boolean,
  ) {}

  /** The daemon's folder: inside the pool's, so a kept pool keeps images and containers. */
  get dir(): string {
    return path.join(this.poolDir, ".docker");
  }

  /** The pool's daemon, started on first use. */
  daemon(): Promise<DockerDaemon> {
    this.#daemon ??= (async () => {
      const daemon = await DockerDaemon.start(this.dir);
      try {
        await buildTestImages(daemon);
        await removeOrphans(daemon, this.known);
      } catch (err) {
        await daemon.stop();
        throw err;
      }
      return daemon;
    })();
    return this.#daemon;
  }

  /** A new server gets the CLI (the daemon is started now, so that its first command answers). */
  async prepare(rootDir: string): Promise<void> {
    await this.daemon();
    installDockerCli(rootDir, poolCliCopy(this.poolDir));
  }

  /** A kept server came back powered off: what the daemon restarted of it on its own stops again. */
  async restored(h: DockerHost): Promise<void> {
    await powerOffContainers(await this.daemon(), h.id, h.dir);
  }

  async powerOn(h: DockerHost): Promise<void> {
    const daemon = await this.daemon();
    if (!this.#proxies.has(h.id)) {
      const proxy = await startSocketProxy({ hostId: h.id, rootDir: h.rootDir }, socketIn(h.rootDir), daemon.socket);
      chownSync(socketIn(h.rootDir), 0, DOCKER_GID);
      this.#proxies.set(h.id, proxy);
    }
    await powerOnContainers(daemon, h.id, h.dir);
  }

  async powerOff(h: DockerHost): Promise<void> {
    await this.#closeProxy(h.id);
    if (this.#daemon) await powerOffContainers(await this.#daemon, h.id, h.dir);
  }

  async removed(hostId: string): Promise<void> {
    await this.#closeProxy(hostId);
    if (this.#daemon) await removeContainers(await this.#daemon, hostId);
  }

  /** No server of the pool has docker any more and no daemon runs: its data goes. */
  discardData(): void {
    if (this.#daemon) return;
    sweepDaemon(this.dir);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops the daemon: a kept pool keeps its images and containers, any other pool loses them. */
  async close(keeping: boolean): Promise<void> {
    await Promise.all([...this.#proxies.keys()].map((id) => this.#closeProxy(id)));
    const daemon = await this.#daemon?.catch(() => undefined);
    this.#daemon = undefined;
    if (daemon) await (keeping ? daemon.stopKeeping() : daemon.stop());
    if (!keeping) this.discardData();
  }

  async #closeProxy(hostId: string): Promise<void> {
    const proxy = this.#proxies.get(hostId);
    this.#proxies.delete(hostId);
    await proxy?.close();
  }
}
