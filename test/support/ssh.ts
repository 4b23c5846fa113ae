// Runs one command over SSH on an emulated server, as root, and returns its output.
import ssh2 from "ssh2";

/**
 * Rejects when the server refuses the key, or (with `hostKey`, an OpenSSH public key line) when
 * it presents another host key.
 */
export function sshRun(host: string, privateKey: string | Buffer, command: string, opts: { hostKey?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn
      .on("ready", () => {
        conn.exec(command, (err, stream) => {
          if (err) return reject(err);
          let out = "";
          stream.on("data", (d: Buffer) => (out += d.toString()));
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
        username: "root",
        privateKey,
        readyTimeout: 10_000,
        hostVerifier: opts.hostKey ? (key: Buffer) => key.equals(Buffer.from(opts.hostKey!.split(" ")[1]!, "base64")) : undefined,
      });
  });
}
