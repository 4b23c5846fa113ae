// An emulated server's root filesystem: busybox with every applet, the files sshd and shells
// expect, and the image's login user when it is not root.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { HostAccount } from "./login-users.ts";

export const BUSYBOX = "/bin/busybox";

export interface RootSpec {
  /** What the server "has": written to the chroot's /proc/cpuinfo and /proc/meminfo. */
  cpus?: number;
  memoryMb?: number;
}

export function mkdirRoot(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
}

/** A minimal Linux root: busybox with every applet, a bash shim (root's login shell on the
 * host is /bin/bash) and the files sshd and shells expect. */
export function buildRoot(root: string, spec: RootSpec): void {
  for (const d of ["", "bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "home", "var", "var/lib", "var/log", "run", "proc", "dev", "opt"]) {
    mkdirRoot(path.join(root, d));
  }
  fs.mkdirSync(path.join(root, "tmp"), { mode: 0o1777 });
  fs.chmodSync(path.join(root, "tmp"), 0o1777);
  fs.chmodSync(path.join(root, "root"), 0o700);
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
  fs.writeFileSync(path.join(root, "etc/group"), "root:x:0:\nadm:x:4:\nsudo:x:27:\nnogroup:x:65534:\n");
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

/**
 * The image's login user, as cloud-init leaves it: an account with the same uid as on this
 * machine (sshd runs the session with that one), a home, membership of `adm` and `sudo`, and a
 * setuid-root sudo that lets group `sudo` run anything without a password.
 */
export function addLoginUser(root: string, account: HostAccount, sudoBinary: string): void {
  const { name, uid, gid, home } = account;
  fs.appendFileSync(path.join(root, "etc/passwd"), `${name}:x:${uid}:${gid}:${name}:${home}:${account.shell}\n`);
  const groups = fs
    .readFileSync(path.join(root, "etc/group"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => (/^(adm|sudo):/.test(line) ? `${line}${line.endsWith(":") ? "" : ","}${name}` : line));
  groups.push(`${name}:x:${gid}:`);
  fs.writeFileSync(path.join(root, "etc/group"), groups.join("\n") + "\n");
  fs.appendFileSync(path.join(root, "etc/shadow"), `${name}:!:19000:0:99999:7:::\n`);
  const homeDir = path.join(root, home);
  fs.mkdirSync(path.join(homeDir, ".ssh"), { recursive: true, mode: 0o700 });
  fs.chmodSync(homeDir, 0o755);
  fs.chownSync(homeDir, uid, gid);
  fs.chownSync(path.join(homeDir, ".ssh"), uid, gid);
  const sudo = path.join(root, "usr/bin/sudo");
  fs.copyFileSync(sudoBinary, sudo);
  fs.chownSync(sudo, 0, 0);
  fs.chmodSync(sudo, 0o4755);
}

/** Where the login user keeps its authorized keys on a real server (sshd reads the pool's copy). */
export function writeAuthorizedKeysMirror(root: string, account: { uid: number; gid: number; home: string }, keys: string[]): void {
  const dir = path.join(root, account.home, ".ssh");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, "authorized_keys");
  fs.writeFileSync(file, keys.map((k) => k.trim() + "\n").join(""), { mode: 0o600 });
  fs.chownSync(dir, account.uid, account.gid);
  fs.chownSync(file, account.uid, account.gid);
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
