// A byte stream from a command on one node into a command on another, through Hoist (the nodes
// need not reach each other): how a stateful app's volumes move. Both sessions are real SSH with
// each node's key and pinned host key; both commands are lines built by stacks/shell.ts.
import ssh2 from "ssh2";
import { fingerprintOf, NodeUnreachable, type NodeAccess } from "./node-exec.ts";

function connect(t: NodeAccess): Promise<ssh2.Client> {
  if (!t.hostKeyFingerprint) return Promise.reject(new NodeUnreachable(`Hoist has no pinned host key for ${t.host} and never accepts an unpinned one`));
  const pinned = t.hostKeyFingerprint;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once("ready", () => resolve(client));
    client.once("error", (err) => reject(new NodeUnreachable(`SSH to ${t.host}:${t.port} failed: ${err.message}`)));
    client.connect({ host: t.host, port: t.port, username: t.user, privateKey: t.privateKey, readyTimeout: 15_000, hostVerifier: (key: Buffer) => fingerprintOf(key) === pinned });
  });
}

function exec(client: ssh2.Client, line: string): Promise<ssh2.ClientChannel> {
  return new Promise((resolve, reject) => client.exec(line, (err, stream) => (err ? reject(new NodeUnreachable(`SSH session refused: ${err.message}`)) : resolve(stream))));
}

/** Resolves with the exit status and what the command said on stderr once its channel closes. */
function ended(stream: ssh2.ClientChannel): Promise<{ code: number | null; stderr: string }> {
  let stderr = "";
  let code: number | null = null;
  stream.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  stream.on("exit", (c: number | null) => (code = c));
  return new Promise((resolve) => stream.on("close", () => resolve({ code, stderr })));
}

/** Runs `fromLine` on one node with its stdout piped into `toLine` on the other; the bytes moved. Throws when either fails. */
export async function pipeBetweenNodes(from: NodeAccess, fromLine: string, to: NodeAccess, toLine: string, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const [a, b] = await Promise.all([connect(from), connect(to)]);
  const close = () => {
    a.end();
    b.end();
  };
  opts.signal?.addEventListener("abort", close, { once: true });
  try {
    // Each channel is followed from the moment it opens: a command that fails at once ends before the other opens.
    const sink = await exec(b, toLine);
    const intoDone = ended(sink);
    // Its own output is read (and dropped): a channel whose output nobody reads never closes.
    sink.resume();
    const source = await exec(a, fromLine);
    const outDone = ended(source);
    let bytes = 0;
    source.on("data", (d: Buffer) => (bytes += d.length));
    source.pipe(sink);
    // A writer that gave up must not leave the reader blocked on a full pipe: the rest is drained.
    void intoDone.then(() => {
      source.unpipe(sink);
      source.resume();
    });
    const [out, into] = await Promise.all([outDone, intoDone]);
    opts.signal?.throwIfAborted();
    if (out.code !== 0) throw new Error(`reading on ${from.host} failed (${out.code}): ${out.stderr.trim()}`);
    if (into.code !== 0) throw new Error(`writing on ${to.host} failed (${into.code}): ${into.stderr.trim()}`);
    return bytes;
  } finally {
    opts.signal?.removeEventListener("abort", close);
    close();
  }
}
