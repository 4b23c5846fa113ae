// Which ports a node listens on now, asked over SSH: a deploy must not pick a port something on
// the node (Hoist's or not) already holds. `ss` where the image has it, busybox `netstat` otherwise.
import { runOnNode, type NodeAccess } from "./node-exec.ts";

const LIST = "ss -Hltnu 2>/dev/null || netstat -ltnu 2>/dev/null";

/** `addr:port` from a socket table line's local address column (`127.0.1.2:8080`, `[::]:22`, `*:80`). */
function localPort(line: string): { address: string; port: number } | undefined {
  const fields = line.trim().split(/\s+/);
  // ss: Netid State Recv-Q Send-Q Local Peer; netstat: Proto Recv-Q Send-Q Local Foreign State
  const local = /^(tcp|udp)/.test(fields[0] ?? "") && /^\d+$/.test(fields[1] ?? "") ? fields[3] : fields[4];
  const m = /^(.*):(\d+)$/.exec(local ?? "");
  return m ? { address: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) } : undefined;
}

/** The ports bound on `address` or on every address of the node. */
export function portsHeldOn(table: string, address: string): Set<number> {
  const wildcard = new Set(["0.0.0.0", "::", "*", ""]);
  const held = new Set<number>();
  for (const line of table.split("\n")) {
    const p = localPort(line);
    if (p && (p.address === address || wildcard.has(p.address))) held.add(p.port);
  }
  return held;
}

export async function listeningPorts(access: NodeAccess, address: string, signal?: AbortSignal): Promise<Set<number>> {
  const res = await runOnNode(access, LIST, { timeoutMs: 15_000, signal });
  return portsHeldOn(res.stdout, address);
}
