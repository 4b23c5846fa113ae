// Emulated cloud servers as real SSH hosts: each one is Debian's sshd on its own loopback
// address 127.0.X.Y (port 22), with its own host key, accepting only the public keys the cloud
// API was given, chrooted into a busybox root filesystem of its own. What Hoist does over SSH
// really happens, and lands inside that server's root only.
//
// A server logs in as its image does: root (Hetzner, DigitalOcean), or the image's login user
// with passwordless sudo and root refused (AWS's Ubuntu and Debian AMIs; see login-users.ts).
//
// Addresses are leased across processes (parallel test workers, `npm run testbed`) by atomic
// mkdir in <base>/leases; a lease whose owner process is gone is reclaimed (host-leases.ts).
import { execFileSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { leaseAddress, reclaimStale, releaseAddress } from "./host-leases.ts";
import { addLoginUser, BUSYBOX, buildRoot, mkdirRoot, writeAuthorizedKeysMirror } from "./host-root.ts";
import { spawnSshd, SSHD, stopSshd, writeSshdConfig } from "./host-sshd.ts";
import { ensureHostAccount, IMAGE_LOGIN_USERS, sudoBinary, type HostAccount } from "./login-users.ts";

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
  hostPublicKey: string;
  hostKeyFingerprint: string;
  proc?: ChildProcess;
}

export class HostPool {
  readonly dir: string;
  readonly #base: string;
  readonly #hosts = new Map<string, HostState>();
  readonly #leases: string;

  private constructor(base: string, dir: string, leases: string) {
    this.#base = base;
    this.dir = dir;
    this.#leases = leases;
  }

  /**
   * A pool in its own folder under the test bed base. Needs root, sshd, busybox-static and gcc
   * (for sudo); creates the images' login users (ubuntu, admin) on this machine if missing.
   */
  static async create(base = testbedBase): Promise<HostPool> {
    for (const bin of [SSHD, BUSYBOX]) {
      if (!fs.existsSync(bin)) throw new Error(`test bed: ${bin} is missing (apt-get install openssh-server busybox-static)`);
    }
    if (process.getuid?.() !== 0) throw new Error("test bed: emulated SSH hosts need root (sshd binds port 22 and chroots)");
    mkdirRoot(base);
    const leases = path.join(base, "leases");
    mkdirRoot(leases);
    mkdirRoot("/run/sshd");
    for (const user of IMAGE_LOGIN_USERS) ensureHostAccount(user);
    reclaimStale(base);
    const dir = path.join(base, `pool-${process.pid}-${randomBytes(3).toString("hex")}`);
    mkdirRoot(dir);
    fs.writeFileSync(path.join(dir, "owner.pid"), String(process.pid));
    return new HostPool(base, dir, leases);
  }

  /** Creates the server's root filesystem and host key, leases an address and starts sshd. */
  async start(id: string, authorizedKeys: string[], spec: HostSpec = {}): Promise<Host> {
    if (this.#hosts.has(id)) throw new Error(`host ${id} already exists`);
    const account = !spec.loginUser || spec.loginUser === "root" ? ROOT_ACCOUNT : ensureHostAccount(spec.loginUser);
    const dir = path.join(this.dir, safeName(id));
    mkdirRoot(dir);
    const rootDir = path.join(dir, "root");
    buildRoot(rootDir, spec);
    if (account.uid !== 0) addLoginUser(rootDir, account, sudoBinary(this.#base));
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `hoist-testbed-${id}`, "-f", path.join(dir, "host_key")]);
    const hostPublicKey = fs.readFileSync(path.join(dir, "host_key.pub"), "utf8").trim();
    // Where a real server keeps it: what runs on the server can read its own host key.
    fs.mkdirSync(path.join(rootDir, "etc/ssh"), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(rootDir, "etc/ssh/ssh_host_ed25519_key.pub"), hostPublicKey + "\n");
    const address = await leaseAddress(this.#leases, this.dir);
    const state: HostState = { id, address, dir, rootDir, account, hostPublicKey, hostKeyFingerprint: fingerprint(hostPublicKey) };
    this.#hosts.set(id, state);
    this.setAuthorizedKeys(id, authorizedKeys);
    writeSshdConfig({ ...state, loginUser: account.name });
    await this.#spawn(state);
    return view(state);
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
    await stopSshd(proc, s.rootDir);
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
    await this.stop(id);
    this.#hosts.delete(id);
    fs.rmSync(s.dir, { recursive: true, force: true });
    releaseAddress(this.#leases, s.address);
  }

  /** Removes every host and the pool's folder. */
  async close(): Promise<void> {
    await Promise.all([...this.#hosts.keys()].map((id) => this.remove(id)));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  #must(id: string): HostState {
    const s = this.#hosts.get(id);
    if (!s) throw new Error(`no host ${id}`);
    return s;
  }

  async #spawn(s: HostState): Promise<void> {
    const { proc, ready } = spawnSshd({ ...s, loginUser: s.account.name });
    // Set at once, so that a stop() while it starts (or after it failed to listen) ends it.
    s.proc = proc;
    proc.once("exit", () => {
      if (s.proc === proc) s.proc = undefined;
    });
    await ready;
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
