import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { keyFileWatcher, loadMasterKeys, MasterKeyError, writeKeyFile } from "./master-key.ts";
import { createKeyring, keyId } from "./secrets.ts";

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "hoist-key-"));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("master key", () => {
  it("generates a key file once, readable by the owner only", () => {
    const file = path.join(tmp(), "sub", "master.key");
    const first = loadMasterKeys({ masterKeyFile: file });
    expect(first.generated).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = loadMasterKeys({ masterKeyFile: file });
    expect(second.generated).toBe(false);
    expect(second.keys[0]!.equals(first.keys[0]!)).toBe(true);
  });

  it("takes the key from the environment, base64 or hex", () => {
    const k = randomBytes(32);
    const file = path.join(tmp(), "unused.key");
    expect(loadMasterKeys({ masterKey: k.toString("base64"), masterKeyFile: file }).keys[0]!.equals(k)).toBe(true);
    expect(loadMasterKeys({ masterKey: k.toString("hex"), masterKeyFile: file }).keys[0]!.equals(k)).toBe(true);
    expect(fs.existsSync(file)).toBe(false);
  });

  it("reads older keys after the current one, for rotation", () => {
    const file = path.join(tmp(), "master.key");
    const [a, b] = [randomBytes(32), randomBytes(32)];
    fs.writeFileSync(file, `${a.toString("base64")}\n# previous\n${b.toString("hex")}\n`, { mode: 0o600 });
    const { keys } = loadMasterKeys({ masterKeyFile: file });
    expect(keys.map((k) => k.toString("hex"))).toEqual([a.toString("hex"), b.toString("hex")]);
  });

  it("refuses a short key and a key file others can read, naming them", () => {
    expect(() => loadMasterKeys({ masterKey: "c2hvcnQ=", masterKeyFile: "x" })).toThrow(/HOIST_MASTER_KEY: must be 32 bytes/);
    const file = path.join(tmp(), "master.key");
    fs.writeFileSync(file, randomBytes(32).toString("base64"), { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    expect(() => loadMasterKeys({ masterKeyFile: file })).toThrow(MasterKeyError);
    expect(() => loadMasterKeys({ masterKeyFile: file })).toThrow(/readable by others/);
  });

  it("rewrites the key file atomically, owner-only, current key first", () => {
    const file = path.join(tmp(), "master.key");
    const [a, b] = [randomBytes(32), randomBytes(32)];
    writeKeyFile(file, [a, b], "older keys");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadMasterKeys({ masterKeyFile: file }).keys.map(keyId)).toEqual([keyId(a), keyId(b)]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["master.key"]);
  });

  it("lets a keyring follow a rotation of the key file: it seals with the new key and opens what it seals", () => {
    const file = path.join(tmp(), "master.key");
    const old = randomBytes(32);
    writeKeyFile(file, [old], "");
    const ring = createKeyring([old], keyFileWatcher({ masterKeyFile: file }));
    const ref = { table: "credentials", column: "secret", id: "x" };
    const fresh = randomBytes(32);
    const sealedByOther = createKeyring([fresh]).seal("from the rotation", ref);
    writeKeyFile(file, [fresh, old], "older keys");
    expect(ring.open(sealedByOther, ref).reveal()).toBe("from the rotation");
    expect(ring.currentId).toBe(keyId(fresh));
    expect(keyFileWatcher({ masterKey: old.toString("base64"), masterKeyFile: file })).toBeUndefined();
  });
});
