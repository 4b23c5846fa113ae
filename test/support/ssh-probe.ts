// Which SSH server answers at an address: its host key, read in the handshake (nothing is
// authenticated). A test asking whether a server is gone compares keys, not merely whether
// anything answers, since parallel test files take a released loopback address at once.
import { Client } from "ssh2";

/** The host key line (`ssh-ed25519 AAAA…`) of the SSH server at `address`, or undefined when none answers. */
export function hostKeyAt(address: string, port = 22, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const client = new Client();
    let key: string | undefined;
    const done = () => (client.end(), resolve(key));
    client.on("error", done);
    client.on("close", done);
    client.connect({
      host: address,
      port,
      username: "probe",
      readyTimeout: timeoutMs,
      hostVerifier: (raw: Buffer) => {
        const type = raw.subarray(4, 4 + raw.readUInt32BE(0)).toString();
        key = `${type} ${raw.toString("base64")}`;
        return false;
      },
    });
  });
}
