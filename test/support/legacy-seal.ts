// Values as Hoist sealed them before they were bound to their row (v1: the key id was the only
// additional data), for the tests of the migration that re-seals them.
import { createCipheriv, randomBytes } from "node:crypto";
import { keyId } from "../../state/secrets.ts";

export function sealLegacy(k: Buffer, plaintext: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", k, nonce);
  cipher.setAAD(Buffer.from(`v1.${keyId(k)}`));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", keyId(k), nonce.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}
