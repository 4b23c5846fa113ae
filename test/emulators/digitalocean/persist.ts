// The emulated account on disk (DigitalOceanEmulatorOptions.stateFile), for `npm run testbed`:
// what is saved, and how a restarted emulator takes it back, droplets' hosts included.
import type { HostPool } from "../hosts.ts";
import type { AccountState, ActionRecord, DropletRecord, FirewallRecord, Ids, KeyRecord } from "./state.ts";

export interface DigitalOceanSaved {
  version: 1;
  hostPrefix: string;
  /** The emulator's own token, then every token it accepts. */
  token: string;
  tokens: string[];
  ids: ReturnType<Ids["last"]>;
  droplets: DropletRecord[];
  actions: ActionRecord[];
  keys: KeyRecord[];
  firewalls: FirewallRecord[];
  tags: string[];
  dropletLimit: number;
}

export function snapshot(account: AccountState, ids: Ids, hostPrefix: string, token: string, tokens: Set<string>): DigitalOceanSaved {
  return {
    version: 1,
    hostPrefix,
    token,
    tokens: [...tokens],
    ids: ids.last(),
    droplets: [...account.droplets.values()],
    actions: [...account.actions.values()],
    keys: [...account.keys.values()],
    firewalls: [...account.firewalls.values()],
    tags: [...account.tags],
    dropletLimit: account.dropletLimit,
  };
}

/**
 * Loads the saved account into a fresh emulator and brings back each droplet's host from the
 * pool (which must keep servers), powered on exactly when the droplet is active.
 *
 * Actions do not survive a restart (their effects were closures): one in progress ends errored,
 * a droplet still being created (`new`) is left `off`, and a locked one is unlocked.
 */
export async function restore(saved: DigitalOceanSaved, account: AccountState, ids: Ids, hosts: HostPool, hostId: (dropletId: number) => string): Promise<void> {
  if (saved.version !== 1) throw new Error(`test bed: DigitalOcean state version ${saved.version} is not known here`);
  ids.resume(saved.ids);
  account.dropletLimit = saved.dropletLimit;
  for (const t of saved.tags) account.tags.add(t);
  for (const k of saved.keys) account.keys.set(k.id, k);
  for (const f of saved.firewalls) account.firewalls.set(f.id, f);
  for (const a of saved.actions) {
    if (a.status === "in-progress") Object.assign(a, { status: "errored", completedAt: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"), error: "the emulator stopped while this action ran" });
    account.actions.set(a.id, a);
  }
  for (const d of saved.droplets) {
    account.droplets.set(d.id, d);
    d.locked = false;
    if (d.status === "new") d.status = "off";
    // A droplet gets its host when it first boots; one that never booted has none to restore.
    if (!d.address) continue;
    const host = await hosts.restore(hostId(d.id));
    if (!host) {
      throw new Error(`test bed: the saved DigitalOcean account has droplet ${d.id} (${d.name}), but the host pool kept no server ${hostId(d.id)}; start over (npm run testbed -- --reset)`);
    }
    if (d.status === "active") await hosts.resume(hostId(d.id));
  }
}
