// A server's node, from its stack's outputs: registered (or updated) after every up, then
// checked over SSH until it answers.
import type { OutputMap } from "@pulumi/pulumi/automation/index.js";
import { upsertServerNode } from "../state/nodes.ts";
import { updateServer, type Server } from "../state/servers.ts";
import { OperationRefused, type Run } from "./kind.ts";
import { waitForNode } from "./nodes.ts";

/** Stack outputs as plain values (none of a server's outputs is secret). */
export function plainOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).filter(([, o]) => !o.secret).map(([k, o]) => [k, o.value]));
}

/**
 * The stack's outputs register (or update) the server's node, which is then checked over SSH.
 * Without a host key to pin the node could never be checked safely, so the operation fails.
 */
export async function register(run: Run, server: Server, outputs: OutputMap): Promise<void> {
  const out = plainOutputs(outputs);
  if (!out.ipv4) throw new Error("the stack reported no address for the server");
  if (!out.hostKeyFingerprint) {
    throw new OperationRefused({
      reason: "The configure step reported no SSH host key for the server, so Hoist cannot pin it",
      code: "no_host_key",
      action: "Retry: the configure step runs again. If it keeps failing, make sure the server's sshd has an ed25519 host key (/etc/ssh/ssh_host_ed25519_key.pub).",
      retryable: true,
      auth: false,
    });
  }
  upsertServerNode(run.db, {
    id: String(server.spec.nodeId),
    serverId: server.id,
    userId: server.userId,
    sshKeyId: server.sshKeyId,
    name: server.name,
    address: String(out.ipv4),
    sshPort: Number(out.sshPort ?? 22),
    sshUser: String(out.sshUser ?? "root"),
    hostKeyFingerprint: String(out.hostKeyFingerprint),
    hostKey: typeof out.hostKey === "string" && out.hostKey ? out.hostKey : null,
    cloud: server.cloud,
    region: String(out.region ?? server.region),
    size: String(out.size ?? server.size),
    facts: (out.facts as Record<string, unknown>) ?? null,
    pool: server.spec.pool === "dedicated" ? "dedicated" : "shared",
  });
  updateServer(run.db, server.id, { outputs: out });
  await nodeBack(run, server.id);
}

/** How long a server just resized or powered on may take to answer SSH again. */
const BOOT_WITHIN_MS = 120_000;

export const nodeBack = (run: Run, serverId: string) =>
  waitForNode(run, serverId, { withinMs: BOOT_WITHIN_MS, signal: run.signal, onWait: () => run.record({ type: "log", text: "Waiting for the node to answer SSH (the server may still be booting)…" }) });
