// Servers kept across restarts (`npm run testbed`): a pool created with a folder to keep leaves
// each server's folder (root filesystem, host key, authorized keys, host.json with its address
// and login user) in place when it closes, and a later pool restores them from there.
import fs from "node:fs";
import path from "node:path";
import { alive, readOr, stopLeftHost } from "./host-leases.ts";

/** What a kept server needs to come back as itself. */
export interface KeptHost {
  id: string;
  /** Hoist stored it: the server must come back at the same one. */
  address: string;
  loginUser: string;
  /** It has a container runtime (HostSpec.docker). */
  docker?: boolean;
  hostPublicKey: string;
  /** The host's folder, named after its id. */
  folder: string;
}

export class HostAddressTakenError extends Error {
  override name = "HostAddressTakenError";
  constructor(
    readonly hostId: string,
    readonly address: string,
    holder: string | undefined,
  ) {
    super(
      `test bed: server ${hostId} is kept at ${address}, but ${holder ? `the host pool in ${holder}` : `something listening on ${address}:22`} ` +
        `holds that address now; stop it and start again, or start over (npm run testbed -- --reset)`,
    );
  }
}

/** Kept folders this process's pools hold now (owner.pid cannot tell two pools of one process apart). */
const claimed = new Set<string>();

export function writeKept(dir: string, host: Omit<KeptHost, "folder">): void {
  fs.writeFileSync(path.join(dir, "host.json"), JSON.stringify(host, null, 1) + "\n");
}

/**
 * Takes a kept folder for this process: refuses one another live process uses, ends what a
 * crashed owner left running in it, and returns the servers it holds.
 */
export function claimKept(dir: string): Map<string, KeptHost> {
  const owner = Number(readOr(path.join(dir, "owner.pid"), "0"));
  if (claimed.has(dir) || (owner && owner !== process.pid && alive(owner))) {
    throw new Error(`test bed: process ${claimed.has(dir) ? process.pid : owner} is using the kept servers in ${dir}; stop it first`);
  }
  claimed.add(dir);
  fs.writeFileSync(path.join(dir, "owner.pid"), String(process.pid));
  const kept = new Map<string, KeptHost>();
  for (const folder of fs.readdirSync(dir)) {
    const file = path.join(dir, folder, "host.json");
    if (!fs.existsSync(file)) continue;
    stopLeftHost(dir, folder);
    const record = JSON.parse(fs.readFileSync(file, "utf8")) as Omit<KeptHost, "folder">;
    kept.set(record.id, { ...record, folder: path.join(dir, folder) });
  }
  return kept;
}

export function releaseKept(dir: string): void {
  claimed.delete(dir);
  if (readOr(path.join(dir, "owner.pid"), "") === String(process.pid)) fs.rmSync(path.join(dir, "owner.pid"), { force: true });
}

/**
 * sshd's ChrootDirectory wants every folder on the way root-owned and writable by root only;
 * says which one is not, so the caller can keep servers elsewhere.
 */
export function chrootProblem(dir: string): string | undefined {
  let at = path.resolve(dir);
  // The folder itself may not exist yet; what matters is what it will be created under.
  while (!fs.existsSync(at)) at = path.dirname(at);
  for (;;) {
    const st = fs.statSync(at);
    if (st.uid !== 0) return `${at} is owned by uid ${st.uid}, not root`;
    if (st.mode & 0o022) return `${at} is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
    const up = path.dirname(at);
    if (up === at) return undefined;
    at = up;
  }
}
