// The key pair a new server gets. ssh2's generateKeyPairSync drops the leading zero byte of an
// ed25519 public key that starts with one (about one key in 256): the public key is then 31
// bytes, and neither ssh2 (the configure step, node checks), nor sshd, nor a cloud can read the
// pair, so the create failed with "ssh: Malformed OpenSSH private key". Such a pair is drawn again.
// The fix belongs in engine/ssh-keys.ts, where the pair is made; until it is there, this guards it.
import ssh2 from "ssh2";
import { generateKeyPair, type KeyPair } from "../../engine/ssh-keys.ts";

/** Whether SSH can read both halves of the pair. */
export const readablePair = (k: Pick<KeyPair, "publicKey" | "privateKey">) => !(ssh2.utils.parseKey(k.privateKey) instanceof Error) && !(ssh2.utils.parseKey(k.publicKey) instanceof Error);

export function newServerKeyPair(comment: string): KeyPair {
  for (;;) {
    const keys = generateKeyPair(comment);
    if (readablePair(keys)) return keys;
  }
}
