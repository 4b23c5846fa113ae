// Emulated cloud servers as real SSH hosts: each one is Debian's sshd on its own loopback
// address 127.0.X.Y (127.1.X.Y when kept; port 22), with its own host key, accepting only the
// public keys the cloud API was given, chrooted into a busybox root filesystem of its own. What
// Hoist does over SSH really happens, and lands inside that server's root only.
//
// A server logs in as its image does: root (Hetzner, DigitalOcean), or the image's login user
// with passwordless sudo and root refused (AWS's Ubuntu and Debian AMIs; see login-users.ts).
//
// Addresses are leased across processes (parallel test workers, `npm run testbed`) by atomic
// mkdir in <base>/leases; a lease whose owner process is gone is reclaimed (host-leases.ts).
// A pool created with a folder to keep leaves its servers there when it closes, their addresses
// reserved, and the next such pool restores each one its cloud still has, at the same address
// (host-keep.ts).
import { mountProcNet, unmountProcNet, unmountUnder } from "./host-mounts.ts";
import { execFileSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { chrootProblem, claimKept, HostAddressTakenError, releaseKept, writeKept, type KeptHost } from "./host-keep.ts";
import { leaseAddress, leaseHolder, readOr, reclaimStale, releaseAddress, tryLease } from "./host-leases.ts";
import { addLoginUser, BUSYBOX, buildRoot, mkdirRoot, writeAuthorizedKeysMirror } from "./host-root.ts";
import { spawnSshd, SSHD, stopSshd, writeSshdConfig } from "./host-sshd.ts";
import { ensureHostAccount, IMAGE_LOGIN_USERS, sudoBinary, type HostAccount } from "./login-users.ts";
import { sweepDaemon, type DockerDaemon } from "./docker/daemon.ts";
import { PoolDocker } from "./docker/pool-docker.ts";

/** The test bed's folder. sshd's ChrootDirectory needs every component root-owned and not
 * group/other-writable, so it cannot live under /tmp. */
export const testbedBase = process.env.HOIST_TESTBED_DIR ?? "/var/lib/hoist-testbed";

const ROOT_ACCOUNT: HostAccount = { name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/sh" };

export interface HostSpec {
  /** What the server "has": written to the chroot's /proc/cpuinfo and /proc/meminfo. */
  cpus?: number;
  memoryMb?: number;
  /**
   * The user the image lets in (default root). Any other user gets an account with passwordless
   * sudo, and root's key is answered with "Please login as the user …" (exit 142), as on EC2.
   */
  loginUser?: string;
  /**
   * A container runtime, as the configure step installs it: the `docker` CLI and a root-only
   * /var/run/docker.sock, backed by the pool's one daemon (docker/), containers stopped while
   * the server is powered off. Host networking only: an app listens on the server's address.
   */
  docker?: boolean;
}

export interface PoolOptions {
  /**
   * A folder in which servers outlive the pool (root filesystem, host key, address), for a later
   * pool to restore(). Its path must suit sshd's ChrootDirectory (root-owned all the way up).
   */
  keep?: string;
}

export interface Host {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  /** The user SSH sessions log in as. */
  readonly loginUser: string;
  /** The host's public key line (`ssh-ed25519 AAAA…`). */
  readonly hostPublicKey: string;
  /** OpenSSH-style `SHA256:…` fingerprint of the host key. */
  readonly hostKeyFingerprint: string;
  /** The server's root filesystem on this machine (for assertions). */
  readonly rootDir: string;
  readonly running: boolean;
}

interface HostState {
  id: string;
  address: string;
  dir: string;
  rootDir: string;
  account: HostAccount;
  docker: boolean;
  hostPublicKey: string;
  hostKeyFingerprint: string;
  proc?: ChildProcess;
}

export class HostPool {
  readonly dir: string;
  readonly #base: string;
  readonly #hosts = new Map<string, HostState>();
  readonly #leases: string;
  /** Servers a previous pool kept, not restored yet (only with `keep`). */
  readonly #kept: Map<string, KeptHost>;
  readonly #keeping: boolean;
  readonly #docker: PoolDocker;

  private constructor(base: string, dir: string, leases: string, kept?: Map<string, KeptHost>) {
    this.#base = base;
    this.dir = dir;
    this.#leases = leases;
    this.#keeping = kept !== undefined;
    this.#kept = kept ?? new Map();
    this.#docker = new PoolDocker(dir, (id) => this.#hosts.has(id) || this.#kept.has(id));
  }

  /**
   * A pool in its own folder under the test bed base. Needs root, sshd, busybox-static and gcc
   * (for sudo); creates the images' login users (ubuntu, admin) on this machine if missing.
   */
  static async create(base = testbedBase, opts: PoolOptions = {}): Promise<HostPool> {
    for (const bin of [SSHD, BUSYBOX]) {
      if (!fs.existsSync(bin)) throw new Error(`test bed: ${bin} is missing (apt-get install openssh-server busybox-static)`);
    }
    if (process.getuid?.() !== 0) throw new Error("test bed: emulated SSH hosts need root (sshd binds port 22 and chroots)");
    mkdirRoot(base);
    const leases = path.join(base, "leases");
    mkdirRoot(leases);
    mkdirRoot("/run/sshd");
    for (const user of IMAGE_LOGIN_USERS) ensureHostAccount(user);
    // A dead pool's daemon (containers, mounts) ends before its folder goes.
    reclaimStale(base, (poolDir) => {
      sweepDaemon(path.join(poolDir, ".docker"));
      unmountUnder(poolDir);
    });
    if (opts.keep) {
      const problem = chrootProblem(opts.keep);
      if (problem) throw new Error(`test bed: cannot keep servers in ${opts.keep}: ${problem} (sshd's ChrootDirectory refuses that)`);
      mkdirRoot(opts.keep);
      const kept = claimKept(path.resolve(opts.keep));
      sweepDaemon(path.join(opts.keep, ".docker"));
      unmountUnder(opts.keep);
      return new HostPool(base, path.resolve(opts.keep), leases, kept);
    }
    const dir = path.join(base, `pool-${process.pid}-${randomBytes(3).toString("hex")}`);
    mkdirRoot(dir);
    fs.writeFileSync(path.join(dir, "owner.pid"), String(process.pid));
    return new HostPool(base, dir, leases);
  }

  /** Creates the server's root filesystem and host key, leases an address and starts sshd. */
  async start(id: string, authorizedKeys: string[], spec: HostSpec = {}): Promise<Host> {
    if (this.#hosts.has(id) || this.#kept.has(id)) throw new Error(`host ${id} already exists`);
    const account = !spec.loginUser || spec.loginUser === "root" ? ROOT_ACCOUNT : ensureHostAccount(spec.loginUser);
    const dir = path.join(this.dir, safeName(id));
    mkdirRoot(dir);
    const rootDir = path.join(dir, "root");
    buildRoot(rootDir, spec);
    if (account.uid !== 0) addLoginUser(rootDir, account, sudoBinary(this.#base));
    if (spec.docker) await this.#docker.prepare(rootDir);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `hoist-testbed-${id}`, "-f", path.join(dir, "host_key")]);
    const hostPublicKey = fs.readFileSync(path.join(dir, "host_key.pub"), "utf8").trim();
    // Where a real server keeps it: what runs on the server can read its own host key.
    fs.mkdirSync(path.join(rootDir, "etc/ssh"), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(rootDir, "etc/ssh/ssh_host_ed25519_key.pub"), hostPublicKey + "\n");
    const address = await leaseAddress(this.#leases, this.dir, this.#keeping ? this.dir : undefined);
    const docker = spec.docker === true;
    const state: HostState = { id, address, dir, rootDir, account, docker, hostPublicKey, hostKeyFingerprint: fingerprint(hostPublicKey) };
    this.#hosts.set(id, state);
    writeKept(dir, { id, address, loginUser: account.name, docker, hostPublicKey });
    this.setAuthorizedKeys(id, authorizedKeys);
    writeSshdConfig({ ...state, loginUser: account.name });
    await this.#spawn(state);
    return view(state);
  }

  /**
   * Brings back a server an earlier pool kept, powered off: its root filesystem, host key and
   * address (leased again; HostAddressTakenError when another holds it now). Undefined when
   * no server of that id was kept.
   */
  async restore(id: string): Promise<Host | undefined> {
    const known = this.#hosts.get(id);
    if (known) return view(known);
    const kept = this.#kept.get(id);
    if (!kept) return undefined;
    if (!(await tryLease(this.#leases, this.dir, kept.address, this.dir))) throw new HostAddressTakenError(id, kept.address, leaseHolder(this.#leases, kept.address));
    this.#kept.delete(id);
    const account = kept.loginUser === "root" ? ROOT_ACCOUNT : ensureHostAccount(kept.loginUser);
    const rootDir = path.join(kept.folder, "root");
    const docker = kept.docker === true;
    const state: HostState = { id, address: kept.address, dir: kept.folder, rootDir, account, docker, hostPublicKey: kept.hostPublicKey, hostKeyFingerprint: fingerprint(kept.hostPublicKey) };
    this.#hosts.set(id, state);
    writeSshdConfig({ ...state, loginUser: account.name });
    if (docker) await this.#docker.restored(state);
    return view(state);
  }

  /** Deletes the kept servers nobody restored (their cloud no longer has them); returns their ids. */
  async discardUnrestored(): Promise<string[]> {
    const discarded = [...this.#kept.values()];
    this.#kept.clear();
    for (const kept of discarded) {
      if (kept.docker) await this.#docker.removed(kept.id);
      fs.rmSync(kept.folder, { recursive: true, force: true });
      if (readOr(path.join(this.#leases, kept.address, "kept"), "") === this.dir) releaseAddress(this.#leases, kept.address);
    }
    if (![...this.#hosts.values()].some((h) => h.docker)) this.#docker.discardData();
    return discarded.map((k) => k.id);
  }

  /** The pool's container daemon (started if it is not yet), for tests that look behind the servers. */
  docker(): Promise<DockerDaemon> {
    return this.#docker.daemon();
  }

  get(id: string): Host | undefined {
    const s = this.#hosts.get(id);
    return s && view(s);
  }

  list(): Host[] {
    return [...this.#hosts.values()].map(view);
  }

  /** Replaces the keys the host accepts (the cloud's registered keys for it). */
  setAuthorizedKeys(id: string, keys: string[]): void {
    const s = this.#must(id);
    const file = path.join(s.dir, "authorized_keys");
    fs.writeFileSync(file, keys.map((k) => k.trim()).join("\n") + "\n", { mode: 0o600 });
    // sshd reads it as the user logging in.
    fs.chownSync(file, s.account.uid, s.account.gid);
    writeAuthorizedKeysMirror(s.rootDir, s.account, keys);
  }

  /** Powers the server off: sshd stops, the filesystem and address stay. */
  async stop(id: string): Promise<void> {
    const s = this.#must(id);
    const proc = s.proc;
    s.proc = undefined;
    await Promise.all([stopSshd(proc, s.rootDir), s.docker ? this.#docker.powerOff(s) : undefined]);
    unmountProcNet(s.rootDir);
  }

  /** Powers the server back on. */
  async resume(id: string): Promise<void> {
    const s = this.#must(id);
    if (!s.proc) await this.#spawn(s);
  }

  /** Deletes the server: sshd stops, its root filesystem is removed, its address is released. */
  async remove(id: string): Promise<void> {
    const s = this.#hosts.get(id);
    if (!s) return;
    // Removed, not powered off first: a deleted server's containers go at once.
    if (s.docker) await this.#docker.removed(id);
    await this.stop(id);
    this.#hosts.delete(id);
    fs.rmSync(s.dir, { recursive: true, force: true });
    releaseAddress(this.#leases, s.address);
  }

  /** Removes every host and the pool's folder; a keeping pool stops its hosts and keeps them. */
  async close(): Promise<void> {
    if (!this.#keeping) {
      await Promise.all([...this.#hosts.keys()].map((id) => this.remove(id)));
      await this.#docker.close(false);
      fs.rmSync(this.dir, { recursive: true, force: true });
      return;
    }
    // Their leases stay, naming this folder: the addresses wait for the servers' return.
    await Promise.all([...this.#hosts.keys()].map((id) => this.stop(id)));
    this.#hosts.clear();
    await this.#docker.close(true);
    releaseKept(this.dir);
  }

  #must(id: string): HostState {
    const s = this.#hosts.get(id);
    if (!s) throw new Error(`no host ${id}`);
    return s;
  }

  async #spawn(s: HostState): Promise<void> {
    mountProcNet(s.rootDir);
    const { proc, ready } = spawnSshd({ ...s, loginUser: s.account.name });
    // Set at once, so that a stop() while it starts (or after it failed to listen) ends it.
    s.proc = proc;
    proc.once("exit", () => {
      if (s.proc === proc) s.proc = undefined;
    });
    await ready;
    if (s.docker) await this.#docker.powerOn(s);
  }
}

function view(s: HostState): Host {
  return {
    id: s.id,
    address: s.address,
    port: 22,
    loginUser: s.account.name,
    hostPublicKey: s.hostPublicKey,
    hostKeyFingerprint: s.hostKeyFingerprint,
    rootDir: s.rootDir,
    running: s.proc !== undefined,
  };
}

/** `SHA256:<base64 without padding>` of an OpenSSH public key line, as ssh-keygen -l prints it. */
export function fingerprint(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? "", "base64");
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 80);
}
