// The container runtime behind the emulated servers: Debian's docker.io daemon, one per host
// pool, in a folder of its own (data root, exec root, socket, pid file, an empty daemon.json so
// that /etc/docker never applies). Host networking only: --bridge=none (the default bridge would
// take 172.17.0.0/16, a private range no test may send traffic to), no iptables, no masquerade,
// no userland proxy, no registry mirrors. Each server reaches it through a socket of its own
// (socket-proxy.ts), never this one.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { descendants, killHard } from "../../../engine/processes.ts";
import { unmountUnder } from "../host-mounts.ts";

export const DOCKERD = "/usr/sbin/dockerd";
/** Debian's CLI, named in full: another `docker` may come first on PATH. */
export const DOCKER_CLI = "/usr/bin/docker";

const run = promisify(execFile);

export class DockerDaemonError extends Error {
  override name = "DockerDaemonError";
}

export class DockerDaemon {
  private constructor(
    /** The daemon's folder. */
    readonly dir: string,
    /** Its API socket on this machine (servers get their own, scoped, in front of it). */
    readonly socket: string,
    private readonly proc: ChildProcess,
  ) {}

  get pid(): number {
    return this.proc.pid!;
  }

  /** Starts dockerd with its state in `dir` (kept there if the folder is kept). Needs root and docker.io. */
  static async start(dir: string): Promise<DockerDaemon> {
    if (!fs.existsSync(DOCKERD) || !fs.existsSync(DOCKER_CLI)) throw new DockerDaemonError("test bed: dockerd is missing (apt-get install docker.io)");
    sweepDaemon(dir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o711 });
    const socket = path.join(dir, "docker.sock");
    fs.writeFileSync(path.join(dir, "daemon.json"), "{}\n");
    const args = [
      `--config-file=${path.join(dir, "daemon.json")}`,
      `--data-root=${path.join(dir, "data")}`,
      `--exec-root=${path.join(dir, "exec")}`,
      `--pidfile=${path.join(dir, "docker.pid")}`,
      `--host=unix://${socket}`,
      "--storage-driver=vfs",
      "--bridge=none",
      "--iptables=false",
      "--ip6tables=false",
      "--ip-masq=false",
      "--userland-proxy=false",
      "--shutdown-timeout=2",
      "--log-level=error",
    ];
    const before = new Set(interfaces());
    const hadDocker0 = fs.existsSync("/sys/class/net/docker0");
    const proc = spawn(DOCKERD, args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const daemon = new DockerDaemon(dir, socket, proc);
    const exited = new Promise<never>((_, reject) => proc.once("exit", (code) => reject(new DockerDaemonError(`dockerd exited (${code}): ${stderr.trim()}`))));
    exited.catch(() => undefined);
    try {
      await Promise.race([daemon.#ready(30_000), exited]);
      // No bridge, no 172.17.0.0/16: the daemon must not have added any interface or address.
      const added = interfaces().filter((i) => !before.has(i) && !i.startsWith("lo "));
      if (added.length > 0 || (!hadDocker0 && fs.existsSync("/sys/class/net/docker0"))) {
        throw new DockerDaemonError(`test bed: dockerd added network interfaces (${added.join(", ") || "docker0"}); it must run with host networking only`);
      }
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    return daemon;
  }

  /** Runs Debian's docker CLI against this daemon; rejects with its stderr when it fails. */
  async cli(args: string[], opts: { input?: string } = {}): Promise<string> {
    try {
      const child = run(DOCKER_CLI, ["--host", `unix://${this.socket}`, ...args], { maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH, HOME: this.dir } });
      if (opts.input !== undefined) child.child.stdin!.end(opts.input);
      return (await child).stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new DockerDaemonError(`docker ${args.join(" ")}: ${(e.stderr || e.message).trim()}`);
    }
  }

  /** Removes every container, then stops the daemon and unmounts what it mounted. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const ids = await this.cli(["ps", "-aq"]).catch(() => "");
      if (ids.trim()) await this.cli(["rm", "-f", "-v", ...ids.trim().split(/\s+/)]).catch(() => undefined);
      await this.#end();
    }
    sweepDaemon(this.dir);
  }

  /** Stops the daemon, keeping its containers (a kept pool's: they come back with it). */
  async stopKeeping(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) await this.#end();
    sweepDaemon(this.dir);
  }

  #end(): Promise<void> {
    return new Promise((resolve) => {
      const tree = descendants(this.proc.pid!);
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), 15_000);
      this.proc.once("exit", () => {
        clearTimeout(timer);
        for (const pid of tree) killHard(pid);
        resolve();
      });
      this.proc.kill("SIGTERM");
    });
  }

  async #ready(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (fs.existsSync(this.socket) && (await this.cli(["version", "--format", "{{.Server.Version}}"]).then(() => true, () => false))) return;
      if (Date.now() > until) throw new DockerDaemonError(`dockerd did not answer on ${this.socket} within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Ends what a daemon that lost its owner left in `dir` (dockerd, containerd, the shims and
 * their containers), then unmounts everything mounted below `dir` (dockerd bind-mounts its
 * network namespace there), so that the folder can be removed.
 */
export function sweepDaemon(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const mark = path.join(dir, path.sep);
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline = "";
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue;
    }
    if (!cmdline.includes(mark)) continue;
    for (const pid of [Number(entry), ...descendants(Number(entry))]) killHard(pid);
  }
  unmountUnder(dir);
}


/** This machine's network interfaces and their addresses, as `name address` lines. */
export function interfaces(): string[] {
  return Object.entries(os.networkInterfaces()).flatMap(([name, addrs]) => (addrs ?? []).map((a) => `${name} ${a.address}`));
}
