// The master key: from HOIST_MASTER_KEY (base64 or hex of 32 bytes), else a key file, generated
// once with mode 0600 when it does not exist. Earlier keys for rotation may follow in the file,
// one per line after the current one.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export class MasterKeyError extends Error {
  override name = "MasterKeyError";
}

export function decodeKey(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new MasterKeyError(`${where}: must be 32 bytes, base64 or hex encoded`);
  return key;
}

/** The keys to open secrets with, current first. Creates the key file on first start. */
export function loadMasterKeys(opts: { masterKey?: string; masterKeyFile: string }): { keys: Buffer[]; generated: boolean } {
  if (opts.masterKey) return { keys: [decodeKey(opts.masterKey, "HOIST_MASTER_KEY")], generated: false };
  const file = opts.masterKeyFile;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      // wx: two processes starting at once must not both write a key.
      fs.writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
      return { keys: [decodeKey(fs.readFileSync(file, "utf8"), file)], generated: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) throw new MasterKeyError(`HOIST_MASTER_KEY_FILE: ${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  const lines = fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  if (lines.length === 0) throw new MasterKeyError(`HOIST_MASTER_KEY_FILE: ${file} holds no key`);
  return { keys: lines.map((l, i) => decodeKey(l, `${file} line ${i + 1}`)), generated: false };
}

/**
 * The key file's keys again when it changed since `since` (its mtime and size), for a running
 * console to follow `hoist rotate-key`; undefined when it did not change or there is no file.
 */
export function keyFileWatcher(opts: { masterKey?: string; masterKeyFile: string }): (() => Buffer[] | undefined) | undefined {
  if (opts.masterKey) return undefined;
  const stamp = () => {
    const st = fs.statSync(opts.masterKeyFile, { throwIfNoEntry: false });
    return st ? `${st.mtimeMs}:${st.size}:${st.ino}` : "";
  };
  let seen = stamp();
  return () => {
    const now = stamp();
    if (!now || now === seen) return undefined;
    seen = now;
    return loadMasterKeys(opts).keys;
  };
}

/** Replaces the key file with `keys` (current first), atomically and with mode 0600. */
export function writeKeyFile(file: string, keys: Buffer[], comment: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  const [current, ...older] = keys;
  const text = [current!.toString("base64"), ...(older.length ? [`# ${comment}`] : []), ...older.map((k) => k.toString("base64"))].join("\n") + "\n";
  const fd = fs.openSync(tmp, "wx", 0o600);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
