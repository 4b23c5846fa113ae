// Each server gets its own ed25519 key pair: the public key goes to the cloud, the private key is
// sealed in the database and opened only for an operation or a node check.
import ssh2 from "ssh2";
import { sshFingerprint } from "../stacks/server.ts";

export interface KeyPair {
  publicKey: string;
  privateKey: string;
  fingerprint: string;
}

export function generateKeyPair(comment: string): KeyPair {
  const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment });
  const publicKey = pair.public.trim();
  return { publicKey, privateKey: pair.private, fingerprint: sshFingerprint(publicKey) };
}
