// Secrets at rest: AES-256-GCM with a fresh nonce per value and the id of the key that sealed it,
// so the master key can be rotated by adding a new key and re-sealing.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { inspect } from "node:util";

const REDACTED = "[secret]";

/** A value that redacts itself wherever it could leak: string conversion, JSON, console and pino. */
export class Secret<T = string> {
  readonly #value: T;
  constructor(value: T) {
    this.#value = value;
  }
  /** The plaintext: call only at the moment of use. */
  reveal(): T {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

export class SecretError extends Error {
  override name = "SecretError";
}

const VERSION = "v1";

export interface Keyring {
  /** Id of the key that seals new values. */
  readonly currentId: string;
  seal(plaintext: string): string;
  open(sealed: string): Secret;
  /** A stable secret derived from the master key for a named purpose (e.g. Pulumi's passphrase). */
  derive(purpose: string): Secret;
}

export function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 12);
}

/**
 * A keyring over one or more 32-byte master keys; the first seals, all can open.
 * Sealed form: `v1.<key id>.<nonce>.<ciphertext>.<tag>` (base64url parts).
 */
export function createKeyring(keys: Buffer[]): Keyring {
  if (keys.length === 0) throw new SecretError("no master key");
  for (const k of keys) if (k.length !== 32) throw new SecretError("a master key must be 32 bytes");
  const byId = new Map(keys.map((k) => [keyId(k), k] as const));
  const current = keys[0]!;
  const currentId = keyId(current);
  return {
    currentId,
    seal(plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", current, nonce);
      cipher.setAAD(Buffer.from(`${VERSION}.${currentId}`));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, currentId, nonce.toString("base64url"), body.toString("base64url"), tag.toString("base64url")].join(".");
    },
    open(sealed) {
      const parts = sealed.split(".");
      if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretError("not a sealed value");
      const [version, kid, nonce, body, tag] = parts as [string, string, string, string, string];
      const key = byId.get(kid);
      if (!key) throw new SecretError(`sealed with unknown key ${kid}`);
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64url"));
        decipher.setAAD(Buffer.from(`${version}.${kid}`));
        decipher.setAuthTag(Buffer.from(tag, "base64url"));
        const plain = Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]);
        return new Secret(plain.toString("utf8"));
      } catch {
        throw new SecretError("sealed value failed authentication");
      }
    },
    derive(purpose) {
      const bytes = Buffer.from(hkdfSync("sha256", current, Buffer.alloc(0), `hoist:${purpose}`, 32));
      return new Secret(bytes.toString("base64url"));
    },
  };
}

/** Seals a JSON object (a credential's secret fields). */
export function sealJson(keyring: Keyring, value: Record<string, string>): string {
  return keyring.seal(JSON.stringify(value));
}

export function openJson(keyring: Keyring, sealed: string): Secret<Record<string, string>> {
  return new Secret(JSON.parse(keyring.open(sealed).reveal()) as Record<string, string>);
}
