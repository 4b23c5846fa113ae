// Is a node online? A real SSH session with the node's key, the host key pinned to the
// fingerprint its stack reported, and the node's identity file read back.
import { createHash } from "node:crypto";
import ssh2 from "ssh2";

const { Client } = ssh2;
import type { NodeState } from "../state/statuses.ts";

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  /** `SHA256:…`; the connection is refused when the host presents another key, and never made without one. */
  hostKeyFingerprint?: string | null;
  /** The node id the server must carry in /etc/hoist/node-id. */
  nodeId: string;
}

export interface CheckResult {
  state: Exclude<NodeState, "unknown">;
  reason: string | null;
}

const fingerprintOf = (key: Buffer) => "SHA256:" + createHash("sha256").update(key).digest("base64").replace(/=+$/, "");

export function checkNode(t: SshTarget, timeoutMs = 10_000): Promise<CheckResult> {
  // Accepting whatever key answers would let anyone at the address pass as the node.
  if (!t.hostKeyFingerprint) {
    return Promise.resolve({ state: "offline", reason: "Hoist has no pinned host key for this node (its configure step reported none) and never accepts an unpinned one" });
  }
  const pinned = t.hostKeyFingerprint;
  return new Promise((resolve) => {
    const client = new Client();
    let settled = false;
    const done = (r: CheckResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      resolve(r);
    };
    const timer = setTimeout(() => done({ state: "offline", reason: `no SSH answer from ${t.host}:${t.port} within ${timeoutMs / 1000} s` }), timeoutMs + 1000);
    let presented = "";
    client.on("error", (err) => {
      const reason = presented && presented !== pinned
        ? `host key changed: expected ${pinned}, got ${presented}`
        : `SSH to ${t.host}:${t.port} failed: ${err.message}`;
      done({ state: "offline", reason });
    });
    client.on("ready", () => {
      client.exec("cat /etc/hoist/node-id", (err, stream) => {
        if (err) return done({ state: "offline", reason: `SSH session refused: ${err.message}` });
        let out = "";
        stream.on("data", (d: Buffer) => (out += d.toString()));
        stream.stderr.on("data", () => {});
        stream.on("close", () => {
          const id = out.trim();
          if (id === t.nodeId) done({ state: "online", reason: null });
          else done({ state: "offline", reason: id ? `the server answering at ${t.host} is another node (${id.slice(0, 8)}…)` : "the server has no Hoist node identity" });
        });
      });
    });
    client.connect({
      host: t.host,
      port: t.port,
      username: t.user,
      privateKey: t.privateKey,
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        presented = fingerprintOf(key);
        return presented === pinned;
      },
    });
  });
}
