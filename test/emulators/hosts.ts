// Emulated cloud servers as real SSH hosts: each one is Debian's sshd on its own loopback
// address 127.0.X.Y (port 22), with its own host key, accepting only the public keys the cloud
// API was given, chrooted into a busybox root filesystem of its own. What Hoist does over SSH
// really happens, and lands inside that server's root only.
//
// Addresses are leased across processes (parallel test workers, `npm run testbed`) by atomic
// mkdir in <base>/leases; a lease whose owner process is gone is reclaimed.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { descendants, killHard as kill, processesRootedAt } from "../../engine/processes.ts";

/** The test bed's folder. sshd's ChrootDirectory needs every component root-owned and not
 * group/other-writable, so it cannot live under /tmp. */
export const testbedBase = process.env.HOIST_TESTBED_DIR ?? "/var/lib/hoist-testbed";

const SSHD = "/usr/sbin/sshd";
const BUSYBOX = "/bin/busybox";

export interface HostSpec {
  /** What the server "has": written to the chroot's /proc/cpuinfo and /proc/meminfo. */
  cpus?: number;
  memoryMb?: number;
}

export interface Host {
  readonly id: string;
  readonly address: string;
  readonly port: number;
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
  hostPublicKey: string;
  hostKeyFingerprint: string;
  proc?: ChildProcess;
}

export class HostPool {
  readonly dir: string;
  readonly #hosts = new Map<string, HostState>();
  readonly #leases: string;

  private constructor(dir: string, leases: string) {
    this.dir = dir;
    this.#leases = leases;
  }

  /** A pool in its own folder under the test bed base. Needs root, sshd and busybox-static. */
  static async create(base = testbedBase): Promise<HostPool> {
    for (const bin of [SSHD, BUSYBOX]) {
      if (!fs.existsSync(bin)) throw new Error(`test bed: ${bin} is missing (apt-get install openssh-server busybox-static)`);
    }
    if (process.getuid?.() !== 0) throw new Error("test bed: emulated SSH hosts need root (sshd binds port 22 and chroots)");
    mkdirRoot(base);
    const leases = path.join(base, "leases");
    mkdirRoot(leases);
    mkdirRoot("/run/sshd");
    reclaimStale(base);
    const dir = path.join(base, `pool-${process.pid}-${randomBytes(3).toString("hex")}`);
    mkdirRoot(dir);
    fs.writeFileSync(path.join(dir, "owner.pid"), String(process.pid));
    return new HostPool(dir, leases);
  }

  /** Creates the server's root filesystem and host key, leases an address and starts sshd. */
  async start(id: string, authorizedKeys: string[], spec: HostSpec = {}): Promise<Host> {
    if (this.#hosts.has(id)) throw new Error(`host ${id} already exists`);
    const dir = path.join(this.dir, safeName(id));
    mkdirRoot(dir);
    const rootDir = path.join(dir, "root");
    buildRoot(rootDir, spec);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `hoist-testbed-${id}`, "-f", path.join(dir, "host_key")]);
    const hostPublicKey = fs.readFileSync(path.join(dir, "host_key.pub"), "utf8").trim();
    // Where a real server keeps it: what runs on the server can read its own host key.
    fs.mkdirSync(path.join(rootDir, "etc/ssh"), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(rootDir, "etc/ssh/ssh_host_ed25519_key.pub"), hostPublicKey + "\n");
    const address = await this.#lease();
    const state: HostState = { id, address, dir, rootDir, hostPublicKey, hostKeyFingerprint: fingerprint(hostPublicKey) };
    this.#hosts.set(id, state);
    this.setAuthorizedKeys(id, authorizedKeys);
    writeSshdConfig(state);
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
    fs.writeFileSync(path.join(s.dir, "authorized_keys"), keys.map((k) => k.trim()).join("\n") + "\n", { mode: 0o600 });
  }

  /** Powers the server off: sshd stops, the filesystem and address stay. */
  async stop(id: string): Promise<void> {
    await stopProc(this.#must(id));
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
    await stopProc(s);
    this.#hosts.delete(id);
    fs.rmSync(s.dir, { recursive: true, force: true });
    fs.rmSync(path.join(this.#leases, s.address), { recursive: true, force: true });
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

  async #lease(): Promise<string> {
    // 127.0.0.x stays free for the emulators and the console; hosts take 127.0.1.1 upwards.
    for (let n = 257; n < 65_000; n++) {
      const address = `127.0.${n >> 8}.${n & 255}`;
      if ((n & 255) === 0 || (n & 255) === 255) continue;
      const lease = path.join(this.#leases, address);
      try {
        fs.mkdirSync(lease);
      } catch {
        continue;
      }
      fs.writeFileSync(path.join(lease, "pid"), String(process.pid));
      fs.writeFileSync(path.join(lease, "pool"), this.dir);
      if (await portFree(address, 22)) return address;
      fs.rmSync(lease, { recursive: true, force: true });
    }
    throw new Error("test bed: no free loopback address");
  }

  async #spawn(s: HostState): Promise<void> {
    // Its own process group: a Ctrl-C meant for the test bed must not kill the listener before
    // the pool has stopped its sessions.
    const proc = spawn(SSHD, ["-D", "-e", "-f", path.join(s.dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"], detached: true });
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    s.proc = proc;
    fs.writeFileSync(path.join(s.dir, "sshd.pid"), String(proc.pid));
    const exited = new Promise<never>((_, reject) =>
      proc.once("exit", (code) => reject(new Error(`sshd for ${s.id} exited (${code}): ${stderr.trim()}`))),
    );
    exited.catch(() => {
      if (s.proc === proc) s.proc = undefined;
    });
    await Promise.race([waitListening(s.address, 22, 10_000), exited]);
  }
}

function view(s: HostState): Host {
  return {
    id: s.id,
    address: s.address,
    port: 22,
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

function mkdirRoot(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
}

function writeSshdConfig(s: HostState): void {
  const conf = [
    `ListenAddress ${s.address}:22`,
    `HostKey ${path.join(s.dir, "host_key")}`,
    `PidFile ${path.join(s.dir, "sshd.pidfile")}`,
    `AuthorizedKeysFile ${path.join(s.dir, "authorized_keys")}`,
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin prohibit-password",
    "StrictModes no",
    "UsePAM no",
    "UseDNS no",
    "PrintMotd no",
    "AcceptEnv *",
    "MaxStartups 100:30:200",
    "LogLevel ERROR",
    `ChrootDirectory ${s.rootDir}`,
    "Subsystem sftp internal-sftp",
  ];
  fs.writeFileSync(path.join(s.dir, "sshd_config"), conf.join("\n") + "\n", { mode: 0o600 });
}

/** A minimal Linux root: busybox with every applet, a bash shim (root's login shell on the
 * host is /bin/bash) and the files sshd and shells expect. */
function buildRoot(root: string, spec: HostSpec): void {
  for (const d of ["", "bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "home", "var", "var/lib", "var/log", "run", "proc", "dev", "opt"]) {
    mkdirRoot(path.join(root, d));
  }
  fs.mkdirSync(path.join(root, "tmp"), { mode: 0o1777 });
  fs.chmodSync(path.join(root, "tmp"), 0o1777);
  // A copy, never a hard link: root inside the chroot could otherwise overwrite the host's busybox.
  fs.copyFileSync(BUSYBOX, path.join(root, "bin/busybox"));
  fs.chmodSync(path.join(root, "bin/busybox"), 0o755);
  const applets = execFileSync(BUSYBOX, ["--list-full"], { encoding: "utf8" }).split("\n").filter(Boolean);
  for (const applet of applets) {
    const target = path.join(root, applet);
    if (fs.existsSync(target) || applet === "bin/busybox") continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.symlinkSync("/bin/busybox", target);
  }
  fs.writeFileSync(path.join(root, "bin/bash"), '#!/bin/sh\nexec /bin/sh "$@"\n', { mode: 0o755 });
  // The cloud images are Ubuntu and Debian, which have useradd; busybox-static has no user tools.
  fs.writeFileSync(path.join(root, "usr/sbin/useradd"), USERADD, { mode: 0o755 });
  fs.writeFileSync(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  fs.writeFileSync(path.join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
  fs.writeFileSync(path.join(root, "etc/shadow"), "root:*:19000:0:99999:7:::\n", { mode: 0o600 });
  fs.writeFileSync(path.join(root, "etc/hostname"), "emulated\n");
  fs.writeFileSync(
    path.join(root, "etc/os-release"),
    'PRETTY_NAME="Hoist test bed (busybox)"\nNAME="Hoist test bed"\nID=hoist-testbed\nVERSION_ID="1"\n',
  );
  const cpus = spec.cpus ?? 2;
  const cpuinfo = Array.from({ length: cpus }, (_, i) => `processor\t: ${i}\nmodel name\t: Hoist emulated vCPU\n`).join("\n");
  fs.writeFileSync(path.join(root, "proc/cpuinfo"), cpuinfo);
  const memKb = (spec.memoryMb ?? 2048) * 1024;
  fs.writeFileSync(path.join(root, "proc/meminfo"), `MemTotal:       ${memKb} kB\nMemFree:        ${memKb} kB\nMemAvailable:   ${memKb} kB\n`);
  // busybox df reads the mount table from /proc/mounts.
  fs.writeFileSync(path.join(root, "proc/mounts"), "/dev/vda1 / ext4 rw,relatime 0 0\n");
  try {
    execFileSync("mknod", ["-m", "666", path.join(root, "dev/null"), "c", "1", "3"]);
    execFileSync("mknod", ["-m", "666", path.join(root, "dev/zero"), "c", "1", "5"]);
    execFileSync("mknod", ["-m", "444", path.join(root, "dev/urandom"), "c", "1", "9"]);
  } catch (err) {
    throw new Error(`test bed: cannot create device nodes in ${root}: ${(err as Error).message}`);
  }
}

/** useradd's common options (--system, --create-home/-m, --shell/-s, --home-dir/-d), for the emulated images. */
const USERADD = `#!/bin/sh
set -eu
shell=/bin/sh; home=""; create=0; system=0; name=""
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--system) system=1 ;;
    -m|--create-home) create=1 ;;
    -s|--shell) shift; shell="$1" ;;
    -d|--home-dir) shift; home="$1" ;;
    -*) ;;
    *) name="$1" ;;
  esac
  shift
done
[ -n "$name" ] || { echo "useradd: no user name" >&2; exit 2; }
if grep -q "^$name:" /etc/passwd; then echo "useradd: user '$name' already exists" >&2; exit 9; fi
[ -n "$home" ] || home="/home/$name"
if [ $system = 1 ]; then uid=999; else uid=1000; fi
while cut -d: -f3 /etc/passwd | grep -qx "$uid"; do if [ $system = 1 ]; then uid=$((uid-1)); else uid=$((uid+1)); fi; done
echo "$name:x:$uid:$uid::$home:$shell" >> /etc/passwd
echo "$name:x:$uid:" >> /etc/group
echo "$name:!:19000:0:99999:7:::" >> /etc/shadow
if [ $create = 1 ]; then mkdir -p "$home" && chown "$uid:$uid" "$home"; fi
`;

function stopProc(s: HostState): Promise<void> {
  const proc = s.proc;
  s.proc = undefined;
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
    // The listener is gone already; its sessions may not be.
    for (const pid of processesRootedAt(s.rootDir)) kill(pid);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
    // sshd forks a process per connection, and the shells below it start sessions of their own:
    // a powered-off server loses all of them, so the whole tree goes, not just the listener.
    const tree = descendants(proc.pid!);
    proc.once("exit", () => {
      clearTimeout(timer);
      for (const pid of tree) kill(pid);
      // Sessions the listener no longer parents (it died first) still run inside the chroot.
      for (const pid of processesRootedAt(s.rootDir)) kill(pid);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

async function waitListening(host: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ host, port });
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`sshd on ${host}:${port} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pools whose owner process is gone: stop their sshd, remove their folders, free their leases. */
function reclaimStale(base: string): void {
  for (const name of fs.readdirSync(base)) {
    if (!name.startsWith("pool-")) continue;
    const dir = path.join(base, name);
    // The owner's pid is in the name too: a pool another process is creating this very moment
    // has no owner.pid file yet, and must not be taken for a stale one.
    const pid = Number(readOr(path.join(dir, "owner.pid"), name.split("-")[1] ?? "0"));
    if (pid && alive(pid)) continue;
    for (const host of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const sshdPid = Number(readOr(path.join(dir, host, "sshd.pid"), "0"));
      if (sshdPid && alive(sshdPid) && readOr(`/proc/${sshdPid}/cmdline`, "").includes(dir)) {
        for (const p of [sshdPid, ...descendants(sshdPid)]) kill(p);
      }
      for (const p of processesRootedAt(path.join(dir, host, "root"))) kill(p);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const leases = path.join(base, "leases");
  for (const address of fs.readdirSync(leases)) {
    const lease = path.join(leases, address);
    const pid = Number(readOr(path.join(lease, "pid"), "0"));
    // A lease without its pid yet is being taken by another process right now, unless it is old.
    if (!pid && Date.now() - (fs.statSync(lease, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 60_000) continue;
    if (!pid || !alive(pid)) fs.rmSync(lease, { recursive: true, force: true });
  }
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return fallback;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
