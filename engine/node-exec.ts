// The one place Hoist runs commands on nodes itself (the stacks' programs run theirs through
// Pulumi): a real SSH session with the node's key and its pinned host key, one command line built
// by stacks/shell.ts, its output and exit status back.
import { createHash } from "node:crypto";
import ssh2 from "ssh2";

export interface NodeAccess {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  /** `SHA256:…`; a host presenting another key is refused, and none is accepted without one. */
  hostKeyFingerprint: string | null;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The exit status; null when the command died of a signal. */
  code: number | null;
}

/** Why a command could not be run at all (as opposed to running and failing). */
export class NodeUnreachable extends Error {
  override name = "NodeUnreachable";
}

export const fingerprintOf = (key: Buffer) => "SHA256:" + createHash("sha256").update(key).digest("base64").replace(/=+$/, "");

/** Output is kept up to this many bytes per stream: logs can be long, memory is not. */
const MAX_OUTPUT = 1 << 20;

/**
 * Runs `line` on the node. Rejects with NodeUnreachable when no session could be had (host key,
 * refused key, no answer within `timeoutMs`); a command that fails resolves with its status.
 * `onData` sees output as it comes (for following logs); `signal` ends the session.
 */
export function runOnNode(t: NodeAccess, line: string, opts: { timeoutMs?: number; signal?: AbortSignal; onData?: (chunk: string) => void } = {}): Promise<ExecResult> {
  // Accepting whatever key answers would let anyone at the address pass as the node.
  if (!t.hostKeyFingerprint) return Promise.reject(new NodeUnreachable("Hoist has no pinned host key for this node (its configure step reported none) and never accepts an unpinned one"));
  const pinned = t.hostKeyFingerprint;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    let presented = "";
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", abort);
      client.end();
      f();
    };
    const abort = () => finish(() => reject(new NodeUnreachable("the command was stopped")));
    const timer = setTimeout(() => finish(() => reject(new NodeUnreachable(`no answer from ${t.host}:${t.port} within ${timeoutMs / 1000} s`))), timeoutMs);
    opts.signal?.addEventListener("abort", abort, { once: true });
    client.on("error", (err) =>
      finish(() => reject(new NodeUnreachable(presented && presented !== pinned ? `host key changed: expected ${pinned}, got ${presented}` : `SSH to ${t.host}:${t.port} failed: ${err.message}`))),
    );
    client.on("ready", () => {
      client.exec(line, (err, stream) => {
        if (err) return finish(() => reject(new NodeUnreachable(`SSH session refused: ${err.message}`)));
        const out: ExecResult = { stdout: "", stderr: "", code: null };
        const keep = (field: "stdout" | "stderr") => (d: Buffer) => {
          const text = d.toString();
          if (out[field].length < MAX_OUTPUT) out[field] += text.slice(0, MAX_OUTPUT - out[field].length);
          opts.onData?.(text);
        };
        stream.on("data", keep("stdout"));
        stream.stderr.on("data", keep("stderr"));
        stream.on("exit", (code: number | null) => (out.code = code));
        stream.on("close", () => finish(() => resolve(out)));
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
