// Secrets at rest: AES-256-GCM with a fresh nonce per value, the id of the key that sealed it (so
// the master key can be rotated by adding a new key and re-sealing) and the row it belongs to.
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

/**
 * Where a sealed value is stored. It is part of the value's additional data, so a value copied
 * to another row, column or table fails authentication there instead of opening.
 */
export interface SealedRef {
  table: string;
  column: string;
  id: string;
}

const VERSION = "v2";
/** Values sealed before they were bound to their row: opened only to re-seal them (state/reseal.ts). */
const LEGACY = "v1";

export interface Keyring {
  /** Id of the key that seals new values. */
  readonly currentId: string;
  seal(plaintext: string, ref: SealedRef): string;
  open(sealed: string, ref: SealedRef): Secret;
  /** Opens a value sealed before values were bound to their row (for re-sealing it only). */
  openLegacy(sealed: string): Secret;
  /** A stable secret derived from the current master key for a named purpose. */
  derive(purpose: string): Secret;
}

export function keyId(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 12);
}

/** The version and key id of a sealed value, without opening it. */
export function sealedBy(sealed: string): { version: string; keyId: string } | undefined {
  const [version, kid] = sealed.split(".");
  return version && kid && sealed.split(".").length === 5 ? { version, keyId: kid } : undefined;
}

const aad = (kid: string, ref: SealedRef) => Buffer.from(JSON.stringify([VERSION, kid, ref.table, ref.column, ref.id]));

/**
 * A keyring over one or more 32-byte master keys; the first seals, all can open.
 * Sealed form: `v2.<key id>.<nonce>.<ciphertext>.<tag>` (base64url parts); the additional data
 * binds the version, the key id and the value's table, column and row id.
 */
export function createKeyring(initial: Buffer[], refresh?: () => Buffer[] | undefined): Keyring {
  let byId = new Map<string, Buffer>();
  let current = initial[0]!;
  let currentId = "";
  const use = (keys: Buffer[]) => {
    if (keys.length === 0) throw new SecretError("no master key");
    for (const k of keys) if (k.length !== 32) throw new SecretError("a master key must be 32 bytes");
    byId = new Map(keys.map((k) => [keyId(k), k] as const));
    current = keys[0]!;
    currentId = keyId(current);
  };
  use(initial);
  // A running console follows a rotation (`hoist rotate-key` rewrites the key file): it seals
  // with the file's current key and opens values sealed by a key it has not seen yet.
  const follow = () => {
    try {
      const keys = refresh?.();
      if (keys) use(keys);
    } catch {
      // A key file that does not read (edited by hand right now): keep the keys in use.
    }
  };
  const decrypt = (sealed: string, version: string, additional: (kid: string) => Buffer) => {
    const parts = sealed.split(".");
    if (parts.length !== 5 || parts[0] !== version) throw new SecretError("not a sealed value");
    const [, kid, nonce, body, tag] = parts as [string, string, string, string, string];
    if (!byId.has(kid)) follow();
    const key = byId.get(kid);
    if (!key) throw new SecretError(`sealed with unknown key ${kid}`);
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64url"));
      decipher.setAAD(additional(kid));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      const plain = Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]);
      return new Secret(plain.toString("utf8"));
    } catch {
      throw new SecretError("sealed value failed authentication");
    }
  };
  return {
    get currentId() {
      return currentId;
    },
    seal(plaintext, ref) {
      follow();
      const nonce = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", current, nonce);
      cipher.setAAD(aad(currentId, ref));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, currentId, nonce.toString("base64url"), body.toString("base64url"), tag.toString("base64url")].join(".");
    },
    open(sealed, ref) {
      if (sealed.startsWith(`${LEGACY}.`)) throw new SecretError("sealed before values were bound to their row; Hoist re-seals such values when it starts");
      return decrypt(sealed, VERSION, (kid) => aad(kid, ref));
    },
    openLegacy(sealed) {
      return decrypt(sealed, LEGACY, (kid) => Buffer.from(`${LEGACY}.${kid}`));
    },
    derive(purpose) {
      const bytes = Buffer.from(hkdfSync("sha256", current, Buffer.alloc(0), `hoist:${purpose}`, 32));
      return new Secret(bytes.toString("base64url"));
    },
  };
}

/** Seals a JSON object (a credential's secret fields). */
export function sealJson(keyring: Keyring, value: Record<string, string>, ref: SealedRef): string {
  return keyring.seal(JSON.stringify(value), ref);
}

export function openJson(keyring: Keyring, sealed: string, ref: SealedRef): Secret<Record<string, string>> {
  return new Secret(JSON.parse(keyring.open(sealed, ref).reveal()) as Record<string, string>);
}
