import ssh2 from "ssh2";
import { describe, expect, it } from "vitest";
import { newServerKeyPair, readablePair } from "./server-keys.ts";

// A pair as ssh2 makes about one time in 256: its public key lost its leading zero byte.
const broken = {
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAH2TWlUbNvni8gIqz2NcPCgBRuiBT7AF4ZtQKZuhncDw= hoist-web-98",
  privateKey:
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMgAAAAtz\nc2gtZWQyNTUxOQAAAB9k1pVGzb54vICKs9jXDwoAUbogU+wBeGbUCmboZ3A8AAAA\nkFsQs6VbELOlAAAAC3NzaC1lZDI1NTE5AAAAH2TWlUbNvni8gIqz2NcPCgBRuiBT\n7AF4ZtQKZuhncDwAAAA/KOsV/LmgwMvmke4vsp8ENZtUg7fiUu3oSCZilvTE0Fhk\n1pVGzb54vICKs9jXDwoAUbogU+wBeGbUCmboZ3A8AAAADGhvaXN0LXdlYi05OAEC\nAw==\n-----END OPENSSH PRIVATE KEY-----\n",
};

describe("a new server's key pair", () => {
  it("tells a pair SSH cannot read from a sound one", () => {
    expect(ssh2.utils.parseKey(broken.privateKey)).toBeInstanceOf(Error);
    expect(readablePair(broken)).toBe(false);
    expect(readablePair(newServerKeyPair("hoist-web-1"))).toBe(true);
  });

  it("is always one SSH can read, however many are made", () => {
    // Enough draws that ssh2 makes several broken ones among them (about one in 256).
    for (let i = 0; i < 3000; i++) {
      const keys = newServerKeyPair(`hoist-web-${i}`);
      expect(ssh2.utils.parseKey(keys.privateKey)).not.toBeInstanceOf(Error);
      expect(Buffer.from(keys.publicKey.split(" ")[1]!, "base64")).toHaveLength(51);
    }
  });
});
