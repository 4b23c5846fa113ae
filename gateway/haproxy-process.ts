// The HAProxy master process Hoist runs (master-worker mode, in the foreground of its own
// supervision): started, reloaded with SIGUSR2 (the master starts a new worker on the new
// configuration, which takes over the listening sockets; the old worker finishes its open
// connections), and stopped with Hoist. Every process it starts carries the gateway folder in
// its environment, so that one a crashed Hoist left behind is found: the master named by the pid
// file is adopted, anything else with the mark is stopped.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import type { Logger } from "pino";
import { descendants, processesMarked } from "../engine/processes.ts";
import { loadedMark } from "./runtime-api.ts";
import type { GatewayFiles } from "./settings.ts";

/** HAProxy refused its configuration, or did not start or reload; the message has its own words. */
export class GatewayProcessError extends Error {
  override name = "GatewayProcessError";
}

export const PROCESS_MARK = "HOIST_GATEWAY_DIR";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export class HaproxyProcess {
  #pid?: number;
  #child?: ChildProcess;

  constructor(
    private readonly binary: string,
    private readonly files: GatewayFiles,
    private readonly log: Logger,
  ) {}

  get pid(): number | undefined {
    return this.#pid;
  }

  get running(): boolean {
    return this.#pid !== undefined && alive(this.#pid);
  }

  /**
   * Takes over the master an earlier Hoist left running on these files (true), after stopping
   * any other process left with the gateway's mark.
   */
  adopt(): boolean {
    const marked = processesMarked(PROCESS_MARK, this.files.dir).filter(alive);
    const recorded = Number(fs.existsSync(this.files.pid) ? fs.readFileSync(this.files.pid, "utf8").trim() : 0);
    const master = marked.includes(recorded) ? recorded : undefined;
    const keep = new Set(master ? [master, ...descendants(master)] : []);
    const strays = marked.filter((p) => !keep.has(p));
    for (const p of strays) signal(p, "SIGKILL");
    if (strays.length) this.log.warn({ pids: strays }, "stopped gateway processes an earlier Hoist left behind");
    if (master) {
      this.#pid = master;
      this.log.info({ pid: master }, "adopted the gateway's HAProxy left running by an earlier Hoist");
    }
    return master !== undefined;
  }

  /** HAProxy's own check of a configuration file (`haproxy -c`); throws with what it said. */
  check(configFile: string): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(this.binary, ["-c", "-q", "-f", configFile], (err, stdout, stderr) => {
        if (!err) return resolve();
        reject(new GatewayProcessError(`HAProxy refused the gateway's configuration: ${(stderr || stdout || err.message).trim()}`));
      });
    });
  }

  /** Starts the master on the configuration and waits until its worker answers with `mark`. */
  async start(mark: string): Promise<void> {
    // The log only holds notices (backends going up and down, reloads); a start keeps it short.
    if ((fs.statSync(this.files.log, { throwIfNoEntry: false })?.size ?? 0) > 10 * 1024 * 1024) fs.truncateSync(this.files.log);
    const out = fs.openSync(this.files.log, "a", 0o600);
    const args = ["-W", "-db", "-f", this.files.config, "-p", this.files.pid, "-S", `${this.files.masterSocket},mode,600`];
    const child = spawn(this.binary, args, { stdio: ["ignore", out, out], env: { ...process.env, [PROCESS_MARK]: this.files.dir } });
    fs.closeSync(out);
    this.#child = child;
    this.#pid = child.pid;
    let exited: string | undefined;
    child.once("exit", (code, sig) => {
      exited = sig ?? String(code);
      if (this.#child === child) this.#child = undefined;
    });
    child.once("error", (err) => (exited = err.message));
    try {
      await this.#waitFor(mark, () => exited);
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.log.info({ pid: child.pid }, "the gateway's HAProxy started");
  }

  /** Reloads the configuration without dropping connections; waits until the new worker answers with `mark`. */
  async reload(mark: string): Promise<void> {
    const pid = this.#pid;
    if (!pid || !alive(pid)) throw new GatewayProcessError("the gateway's HAProxy is not running");
    signal(pid, "SIGUSR2");
    await this.#waitFor(mark, () => (alive(pid) ? undefined : "the master exited"));
  }

  /** Stops the master and its workers (old ones still serving included); waits until they are gone. */
  async stop(): Promise<void> {
    const pid = this.#pid;
    if (!pid) return;
    const all = [pid, ...descendants(pid)];
    signal(pid, "SIGTERM");
    for (let waited = 0; all.some(alive) && waited < 10_000; waited += 50) await sleep(50);
    for (const p of all.filter(alive)) signal(p, "SIGKILL");
    for (let waited = 0; all.some(alive) && waited < 5_000; waited += 50) await sleep(50);
    this.#pid = undefined;
    this.#child = undefined;
    fs.rmSync(this.files.pid, { force: true });
  }

  async #waitFor(mark: string, failed: () => string | undefined, ms = 15_000): Promise<void> {
    for (const until = Date.now() + ms; Date.now() < until; ) {
      const why = failed();
      if (why) throw new GatewayProcessError(`the gateway's HAProxy stopped (${why}): ${this.#logTail()}`);
      if ((await loadedMark(this.files.apiSocket).catch(() => undefined)) === mark) return;
      await sleep(50);
    }
    throw new GatewayProcessError(`the gateway's HAProxy did not load its configuration within ${ms / 1000} s: ${this.#logTail()}`);
  }

  #logTail(): string {
    try {
      const lines = fs.readFileSync(this.files.log, "utf8").trim().split("\n");
      return lines.slice(-5).join(" | ") || "(nothing in its log)";
    } catch {
      return "(no log)";
    }
  }
}
