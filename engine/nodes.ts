// Nodes as the engine reaches them: SSH access from a node's record (its key opened for this use
// only), and what a node check does for a server in each status.
import type { Db } from "../state/db.ts";
import { allNodes, nodeOfServer, setNodeState, type Node } from "../state/nodes.ts";
import { sshPrivateKeyRef } from "../state/sealed-columns.ts";
import type { Keyring } from "../state/secrets.ts";
import { serverById, type Server } from "../state/servers.ts";
import { sshKeyById } from "../state/ssh-keys.ts";
import { serverPolicy } from "../state/statuses.ts";
import type { NodeAccess } from "./node-exec.ts";
import { checkNode, type CheckResult } from "./ssh-check.ts";

type Keys = { db: Db; keyring: Keyring };

/** How to reach the node over SSH, or undefined when Hoist holds no key for it. */
export function accessOf(ctx: Keys, node: Node): NodeAccess | undefined {
  const key = node.sshKeyId ? sshKeyById(ctx.db, node.sshKeyId) : undefined;
  if (!key) return undefined;
  return { host: node.address, port: node.sshPort, user: node.sshUser, privateKey: ctx.keyring.open(key.privateKey, sshPrivateKeyRef(key.id)).reveal(), hostKeyFingerprint: node.hostKeyFingerprint };
}

/** Checks the server's node over SSH and records online/offline. */
export async function checkServerNode(ctx: Keys, serverId: string): Promise<CheckResult | undefined> {
  const server = serverById(ctx.db, serverId);
  const node = nodeOfServer(ctx.db, serverId);
  const access = node && accessOf(ctx, node);
  if (!server || !node || !access) return undefined;
  const result = await checkNode({ ...access, nodeId: String(server.spec.nodeId) });
  setNodeState(ctx.db, node.id, result.state, result.reason);
  return result;
}

/**
 * Checks the node until it answers, for a while: a server that was just resized or powered on
 * may still be booting. The last check's result is what the node's state says.
 */
export async function waitForNode(ctx: Keys, serverId: string, opts: { withinMs: number; signal?: AbortSignal; onWait?: () => void }): Promise<CheckResult | undefined> {
  const until = Date.now() + opts.withinMs;
  for (let waited = false; ; ) {
    const result = await checkServerNode(ctx, serverId);
    if (!result || result.state === "online" || Date.now() > until || opts.signal?.aborted) return result;
    if (!waited) opts.onWait?.();
    waited = true;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Records the server's node offline, for the reason given (its server is stopped, say). */
export function setNodeOffline(ctx: Keys, serverId: string, reason: string): void {
  const node = nodeOfServer(ctx.db, serverId);
  if (node) setNodeState(ctx.db, node.id, "offline", reason);
}

/**
 * Brings the node's state up to date as its server's status allows: offline without asking when the
 * status says so (a stopped server), checked over SSH when it can answer. False when neither.
 */
export async function refreshNodeState(ctx: Keys, server: Server): Promise<boolean> {
  const node = nodeOfServer(ctx.db, server.id);
  if (!node) return false;
  const offline = serverPolicy.offlineBecause(server.status);
  if (offline) setNodeOffline(ctx, server.id, offline);
  else if (serverPolicy.canCheck(server.status)) await checkServerNode(ctx, server.id);
  else return false;
  return true;
}

/** Every node, refreshed one after another; a node that cannot be reached is recorded, not thrown. */
export async function checkAllNodes(ctx: Keys & { log: { warn(o: object, msg: string): void } }): Promise<void> {
  for (const node of allNodes(ctx.db)) {
    const server = node.serverId ? serverById(ctx.db, node.serverId) : undefined;
    if (server) await refreshNodeState(ctx, server).catch((err) => ctx.log.warn({ node: node.id, err }, "node check failed"));
  }
}
