// Runs one command over SSH on an emulated server and returns its output.
import ssh2 from "ssh2";

export interface SshOptions {
  /** An OpenSSH public key line: the server must present this host key. */
  hostKey?: string;
  /** Who logs in (default root). */
  user?: string;
}

export interface SshResult {
  stdout: string;
  stderr: string;
  /** The command's exit status (null when it died of a signal). */
  code: number | null;
}

/**
 * Stdout of the command. Rejects when the server refuses the key, or (with `hostKey`) when it
 * presents another host key.
 */
export async function sshRun(host: string, privateKey: string | Buffer, command: string, opts: SshOptions = {}): Promise<string> {
  return (await sshExec(host, privateKey, command, opts)).stdout;
}

/** Stdout, stderr and exit status of the command; rejects as sshRun does. */
export function sshExec(host: string, privateKey: string | Buffer, command: string, opts: SshOptions = {}): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn
      .on("ready", () => {
        conn.exec(command, (err, stream) => {
          if (err) return reject(err);
          const out = { stdout: "", stderr: "", code: null as number | null };
          stream.on("data", (d: Buffer) => (out.stdout += d.toString()));
          stream.stderr.on("data", (d: Buffer) => (out.stderr += d.toString()));
          stream.on("exit", (code: number | null) => (out.code = code));
          stream.on("close", () => {
            conn.end();
            resolve(out);
          });
        });
      })
      .on("error", reject)
      .connect({
        host,
        port: 22,
        username: opts.user ?? "root",
        privateKey,
        readyTimeout: 10_000,
        hostVerifier: opts.hostKey ? (key: Buffer) => key.equals(Buffer.from(opts.hostKey!.split(" ")[1]!, "base64")) : undefined,
      });
  });
}
