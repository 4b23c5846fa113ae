// Is a node online? A real SSH session with the node's key, the host key pinned to the
// fingerprint its stack reported, and the node's identity file read back.
import type { NodeState } from "../state/statuses.ts";
import { runOnNode, type NodeAccess } from "./node-exec.ts";

export interface SshTarget extends NodeAccess {
  /** The node id the server must carry in /etc/hoist/node-id. */
  nodeId: string;
}

export interface CheckResult {
  state: Exclude<NodeState, "unknown">;
  reason: string | null;
}

export async function checkNode(t: SshTarget, timeoutMs = 10_000): Promise<CheckResult> {
  try {
    const { stdout } = await runOnNode(t, "cat /etc/hoist/node-id", { timeoutMs });
    const id = stdout.trim();
    if (id === t.nodeId) return { state: "online", reason: null };
    return { state: "offline", reason: id ? `the server answering at ${t.host} is another node (${id.slice(0, 8)}…)` : "the server has no Hoist node identity" };
  } catch (err) {
    return { state: "offline", reason: (err as Error).message };
  }
}
