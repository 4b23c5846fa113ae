// The login users of the cloud images (Ubuntu's `ubuntu`, Debian's `admin`) on emulated servers,
// and the sudo they get there.
//
// sshd resolves a user in THIS machine's passwd before it chroots, and runs the session with
// that uid, that home and that shell: so each login user needs an account here too (shell
// /bin/sh, home /home/<user>, which exists only inside the servers' roots; password `*`, because
// sshd without PAM refuses a locked `!` account). Each server's own /etc/passwd repeats the
// account with the same uid.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The login users the cloud images have, created on this machine when a pool is created. */
export const IMAGE_LOGIN_USERS = ["ubuntu", "admin"] as const;

export interface HostAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

const SUDO_SOURCE = path.join(path.dirname(fileURLToPath(import.meta.url)), "sudo.c");

/** The account sshd will use for `name`, created (idempotently, race-safe) when missing. */
export function ensureHostAccount(name: string): HostAccount {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) throw new Error(`test bed: ${JSON.stringify(name)} is not a valid user name`);
  for (let attempt = 0; ; attempt++) {
    const found = lookup(name);
    if (found) return usable(found);
    try {
      execFileSync("useradd", ["--no-create-home", "--home-dir", `/home/${name}`, "--shell", "/bin/sh", "--user-group", "--password", "*", name], {
        stdio: ["ignore", "ignore", "pipe"],
      });
    } catch (err) {
      // Another process may be adding it (or another user) right now: /etc/passwd is locked.
      if (attempt >= 20) throw new Error(`test bed: cannot create the account ${name} on this machine: ${(err as Error).message}`);
      execFileSync("sleep", ["0.1"]);
    }
  }
}

function lookup(name: string): HostAccount | undefined {
  let line: string;
  try {
    line = execFileSync("getent", ["passwd", name], { encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
  const [, , uid, gid, , home, shell] = line.split(":");
  return { name, uid: Number(uid), gid: Number(gid), home: home || `/home/${name}`, shell: shell || "/bin/sh" };
}

function usable(a: HostAccount): HostAccount {
  // The shell runs inside the server's root, which has busybox's sh and a bash shim only.
  if (!["/bin/sh", "/bin/bash"].includes(a.shell)) {
    throw new Error(`test bed: the account ${a.name} on this machine has shell ${a.shell}; emulated servers need /bin/sh (usermod -s /bin/sh ${a.name})`);
  }
  if (a.uid === 0) throw new Error(`test bed: the account ${a.name} on this machine has uid 0; a login user must not be root`);
  return a;
}

/**
 * The sudo binary for emulated servers: sudo.c compiled static with this machine's gcc, once per
 * source version, cached under the test bed's base (parallel workers race to the same rename).
 */
export function sudoBinary(base: string): string {
  const source = fs.readFileSync(SUDO_SOURCE);
  const out = path.join(base, "bin", `sudo-${createHash("sha256").update(source).digest("hex").slice(0, 12)}`);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true, mode: 0o755 });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync("gcc", ["-static", "-O2", "-o", tmp, SUDO_SOURCE], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message);
    throw new Error(`test bed: cannot build sudo for emulated servers (apt-get install gcc libc6-dev): ${stderr.trim()}`);
  }
  fs.renameSync(tmp, out);
  return out;
}
