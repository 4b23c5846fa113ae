// One emulated server's sshd: its configuration, and starting and stopping it (with every
// session below it, as powering a server off would).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { descendants, killHard as kill, processesRootedAt } from "../../engine/processes.ts";

export const SSHD = "/usr/sbin/sshd";

export interface SshdSite {
  id: string;
  address: string;
  /** The host's folder: host key, authorized_keys, sshd_config, pid files. */
  dir: string;
  rootDir: string;
  /** The one user sessions run as (root, or the image's login user). */
  loginUser: string;
}

/**
 * The server's sshd_config. Only its login user may log in, with the keys in the host's
 * authorized_keys file (outside the chroot, so nothing on the server can change who gets in).
 * Where the login user is not root, root's key is accepted and answered as the Ubuntu and Debian
 * cloud images answer it (cloud-init's disable_root puts this very command before root's key).
 */
export function writeSshdConfig(s: SshdSite): void {
  const conf = [
    `ListenAddress ${s.address}:22`,
    `HostKey ${path.join(s.dir, "host_key")}`,
    `PidFile ${path.join(s.dir, "sshd.pidfile")}`,
    // The keys the cloud installed (kept outside the server, as the API was given them), and
    // those in the user's own ~/.ssh/authorized_keys inside the server, as a real sshd reads it.
    `AuthorizedKeysFile ${path.join(s.dir, "authorized_keys")} ${s.rootDir}%h/.ssh/authorized_keys`,
    // Other accounts of this machine do not exist on the server.
    `AllowUsers ${[...new Set([s.loginUser, "root"])].join(" ")}`,
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
  if (s.loginUser !== "root") {
    // The images also `sleep 10` before exit 142; left out, as it only makes refusals slow.
    conf.push(
      "Match User root",
      "  AllowTcpForwarding no",
      "  AllowAgentForwarding no",
      "  X11Forwarding no",
      `  ForceCommand echo 'Please login as the user "${s.loginUser}" rather than the user "root".';echo;exit 142`,
    );
  }
  fs.writeFileSync(path.join(s.dir, "sshd_config"), conf.join("\n") + "\n", { mode: 0o600 });
}

/** Starts sshd in its own process group; `ready` settles when it listens or dies first. */
export function spawnSshd(s: SshdSite): { proc: ChildProcess; ready: Promise<void> } {
  // Its own process group: a Ctrl-C meant for the test bed must not kill the listener before
  // the pool has stopped its sessions.
  const proc = spawn(SSHD, ["-D", "-e", "-f", path.join(s.dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  fs.writeFileSync(path.join(s.dir, "sshd.pid"), String(proc.pid));
  const exited = new Promise<never>((_, reject) =>
    proc.once("exit", (code) => reject(new Error(`sshd for ${s.id} exited (${code}): ${stderr.trim()}`))),
  );
  exited.catch(() => undefined);
  return { proc, ready: Promise.race([waitListening(s.address, 22, 10_000), exited]) };
}

/** Stops sshd and every session it started; `proc` undefined when the listener is gone already. */
export function stopSshd(proc: ChildProcess | undefined, rootDir: string): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) {
    // The listener is gone already; its sessions may not be.
    for (const pid of processesRootedAt(rootDir)) kill(pid);
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
      for (const pid of processesRootedAt(rootDir)) kill(pid);
      resolve();
    });
    proc.kill("SIGTERM");
  });
}

export function portFree(host: string, port: number): Promise<boolean> {
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
