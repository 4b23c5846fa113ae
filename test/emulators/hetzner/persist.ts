// The emulated project on disk (HetznerEmulatorOptions.stateFile), for `npm run testbed`: what
// is saved, and how a restarted emulator takes it back, servers' hosts included.
import type { ActionRecord } from "./actions.ts";
import { removeServer, type EmulatorContext } from "./machines.ts";
import type { FirewallRecord, ServerRecord, ServerStatus, SshKeyRecord } from "./state.ts";

export interface HetznerSaved {
  version: 1;
  nextId: number;
  hostPrefix: string;
  /** The token the emulator made up, then every token it accepts. */
  token: string;
  tokens: string[];
  servers: ServerRecord[];
  sshKeys: SshKeyRecord[];
  firewalls: FirewallRecord[];
  actions: ActionRecord[];
}

export function snapshot(ctx: EmulatorContext, token: string, tokens: Set<string>): HetznerSaved {
  const { state } = ctx;
  return {
    version: 1,
    nextId: state.peekNextId(),
    hostPrefix: ctx.hostPrefix,
    token,
    tokens: [...tokens],
    servers: [...state.servers.values()],
    sshKeys: [...state.sshKeys.values()],
    firewalls: [...state.firewalls.values()],
    actions: [...state.actions.values()],
  };
}

/** Statuses a server is in only while an action runs; the action did not survive the restart. */
const IN_FLIGHT: ServerStatus[] = ["initializing", "starting", "stopping", "migrating", "rebuilding", "unknown"];

/**
 * Loads the saved project into a fresh emulator's state and brings back each server's host from
 * the pool (which must keep servers), powered on exactly when the server is running.
 *
 * Actions do not survive a restart (their effects were closures): one that was running ends in
 * error, its server settles to `off`, and a server being deleted is deleted.
 */
export async function restore(ctx: EmulatorContext, saved: HetznerSaved): Promise<void> {
  if (saved.version !== 1) throw new Error(`test bed: Hetzner state version ${saved.version} is not known here`);
  const { state, hosts } = ctx;
  state.resumeIds(saved.nextId);
  for (const k of saved.sshKeys) state.sshKeys.set(k.id, k);
  for (const f of saved.firewalls) state.firewalls.set(f.id, f);
  for (const a of saved.actions) {
    if (a.status === "running") {
      Object.assign(a, { status: "error", finished: new Date().toISOString(), error: { code: "action_failed", message: "the emulator stopped while this action ran" } });
    }
    state.actions.set(a.id, a);
  }
  for (const s of saved.servers) {
    state.servers.set(s.id, s);
    const host = await hosts.restore(s.hostId);
    if (!host) {
      throw new Error(`test bed: the saved Hetzner project has server ${s.id} (${s.name}), but the host pool kept no server ${s.hostId}; start over (npm run testbed -- --reset)`);
    }
    if (s.status === "deleting") {
      await removeServer(ctx, s);
      continue;
    }
    if (IN_FLIGHT.includes(s.status)) s.status = "off";
    if (s.status === "running") await hosts.resume(s.hostId);
  }
}
