// Ties an emulated server to its SSH host: the host is created with the server (so the API can
// report its address at once, as the real one does), and its sshd runs exactly while the server
// is powered on.
import type { HostPool } from "../hosts.ts";
import type { FaultSet } from "../faults.ts";
import type { ActionRunner } from "./actions.ts";
import type { HetznerState, ServerRecord } from "./state.ts";

/** What the routes share: the project's state, its hosts, its faults and its action clock. */
export interface EmulatorContext {
  state: HetznerState;
  hosts: HostPool;
  faults: FaultSet;
  actions: ActionRunner;
  /** Prefix of this emulator's host ids in the pool, so several emulators can share one pool. */
  hostPrefix: string;
  /** Every server gets a container runtime (HostSpec.docker). */
  docker?: boolean;
}

/** Creates the server's host (root filesystem, host key, address) powered off; returns its address. */
export async function provisionHost(ctx: EmulatorContext, server: ServerRecord): Promise<string> {
  const host = await ctx.hosts.start(server.hostId, server.authorizedKeys, {
    cpus: server.type.cores,
    memoryMb: Math.round(server.type.memory * 1024),
    docker: ctx.docker,
  });
  await ctx.hosts.stop(server.hostId);
  return host.address;
}

export async function powerOn(ctx: EmulatorContext, server: ServerRecord): Promise<void> {
  if (!ctx.state.servers.has(server.id)) return;
  await ctx.hosts.resume(server.hostId);
  server.status = "running";
}

export async function powerOff(ctx: EmulatorContext, server: ServerRecord): Promise<void> {
  if (!ctx.state.servers.has(server.id)) return;
  await ctx.hosts.stop(server.hostId);
  server.status = "off";
}

/** The server is gone: its host stops, its root filesystem and address are released. */
export async function removeServer(ctx: EmulatorContext, server: ServerRecord): Promise<void> {
  ctx.state.servers.delete(server.id);
  for (const f of ctx.state.firewalls.values()) {
    f.appliedTo = f.appliedTo.filter((t) => t.type !== "server" || t.server.id !== server.id);
  }
  await ctx.hosts.remove(server.hostId);
}
