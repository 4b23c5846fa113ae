import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openDb } from "./db.ts";
import { credentialSecretRef, sshPrivateKeyRef } from "./sealed-columns.ts";
import { resealAll } from "./reseal.ts";
import { createKeyring, sealedBy } from "./secrets.ts";
import { sealLegacy } from "../test/support/legacy-seal.ts";
import { credentials, sshKeys, users } from "./schema.ts";

function seeded(values: { credential: (id: string) => string; key: (id: string) => string }) {
  const db = openDb(":memory:");
  const userId = randomUUID();
  db.insert(users).values({ id: userId, email: "a@example.com", name: "A", role: "admin" }).run();
  const credId = randomUUID();
  const keyId = randomUUID();
  db.insert(credentials).values({ id: credId, userId, name: "c", cloud: "hetzner", secret: values.credential(credId) }).run();
  db.insert(sshKeys).values({ id: keyId, userId, name: "k", publicKey: "ssh-ed25519 AAAA", privateKey: values.key(keyId), fingerprint: "SHA256:x" }).run();
  const read = () => ({
    secret: db.select().from(credentials).get()!.secret,
    privateKey: db.select().from(sshKeys).get()!.privateKey,
  });
  return { db, credId, keyId, read };
}

describe("re-sealing", () => {
  it("binds values sealed before rows were bound to their row, once", () => {
    const k = randomBytes(32);
    const ring = createKeyring([k]);
    const { db, credId, keyId, read } = seeded({ credential: () => sealLegacy(k, '{"token":"t"}'), key: () => sealLegacy(k, "PRIVATE KEY") });
    expect(resealAll(db, ring, ring)).toEqual({ resealed: 2, total: 2 });
    const now = read();
    expect(sealedBy(now.secret)).toEqual({ version: "v2", keyId: ring.currentId });
    expect(ring.open(now.secret, credentialSecretRef(credId)).reveal()).toBe('{"token":"t"}');
    expect(ring.open(now.privateKey, sshPrivateKeyRef(keyId)).reveal()).toBe("PRIVATE KEY");
    // Idempotent: a second start changes nothing.
    expect(resealAll(db, ring, ring)).toEqual({ resealed: 0, total: 2 });
    expect(read()).toEqual(now);
  });

  it("moves values sealed under an older key to the current one", () => {
    const old = randomBytes(32);
    const oldRing = createKeyring([old]);
    const { db, credId, read } = seeded({ credential: (id) => oldRing.seal("s", credentialSecretRef(id)), key: (id) => oldRing.seal("k", sshPrivateKeyRef(id)) });
    const next = createKeyring([randomBytes(32), old]);
    expect(resealAll(db, next, next).resealed).toBe(2);
    const onlyNew = createKeyring([randomBytes(32)]);
    expect(() => onlyNew.open(read().secret, credentialSecretRef(credId))).toThrow(/unknown key/);
    expect(sealedBy(read().secret)!.keyId).toBe(next.currentId);
  });

  it("changes nothing when a value cannot be opened", () => {
    const k = randomBytes(32);
    const ring = createKeyring([k]);
    const stranger = createKeyring([randomBytes(32)]);
    const { db, read } = seeded({ credential: () => sealLegacy(k, "ok"), key: (id) => stranger.seal("k", sshPrivateKeyRef(id)) });
    const before = read();
    expect(() => resealAll(db, ring, ring)).toThrow(/unknown key/);
    expect(read()).toEqual(before);
  });
});
