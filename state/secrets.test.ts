import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../server/log.ts";
import { sealLegacy } from "../test/support/legacy-seal.ts";
import { createKeyring, keyId, openJson, sealJson, Secret, SecretError, type SealedRef } from "./secrets.ts";

const key = () => randomBytes(32);
const ref: SealedRef = { table: "credentials", column: "secret", id: "2f0c6c1e-0d5b-4a4e-9a55-4c2b1a9e7d10" };

describe("sealing", () => {
  it("round-trips and names the key that sealed it", () => {
    const k = key();
    const ring = createKeyring([k]);
    const sealed = ring.seal("hunter2-very-secret", ref);
    expect(sealed.split(".")[1]).toBe(keyId(k));
    expect(sealed).not.toContain("hunter2");
    expect(ring.open(sealed, ref).reveal()).toBe("hunter2-very-secret");
  });

  it("uses a fresh nonce every time", () => {
    const ring = createKeyring([key()]);
    const a = ring.seal("same", ref);
    const b = ring.seal("same", ref);
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
  });

  it("opens values sealed by an older key after rotation, and seals with the new one", () => {
    const old = key();
    const sealedBefore = createKeyring([old]).seal("rotate me", ref);
    const next = key();
    const ring = createKeyring([next, old]);
    expect(ring.open(sealedBefore, ref).reveal()).toBe("rotate me");
    expect(ring.seal("x", ref).split(".")[1]).toBe(keyId(next));
  });

  it("refuses tampered values, unknown keys and garbage", () => {
    const ring = createKeyring([key()]);
    const parts = ring.seal("value", ref).split(".");
    const body = Buffer.from(parts[3]!, "base64url");
    body[0]! ^= 1;
    parts[3] = body.toString("base64url");
    expect(() => ring.open(parts.join("."), ref)).toThrow(SecretError);
    expect(() => createKeyring([key()]).open(ring.seal("v", ref), ref)).toThrow(/unknown key/);
    expect(() => ring.open("plain text", ref)).toThrow(SecretError);
  });

  it("seals JSON objects", () => {
    const ring = createKeyring([key()]);
    expect(openJson(ring, sealJson(ring, { token: "abc" }, ref), ref).reveal()).toEqual({ token: "abc" });
  });

  it("binds a value to its table, column and row: moved anywhere else it fails authentication", () => {
    const ring = createKeyring([key()]);
    const sealed = ring.seal("the token of one credential", ref);
    for (const elsewhere of [
      { ...ref, id: "9d7f3c1a-5b2e-4f60-8a1d-3e4b5c6d7e8f" },
      { ...ref, column: "settings" },
      { ...ref, table: "ssh_keys", column: "private_key" },
    ]) {
      expect(() => ring.open(sealed, elsewhere)).toThrow("sealed value failed authentication");
    }
    expect(ring.open(sealed, ref).reveal()).toBe("the token of one credential");
  });

  it("opens values sealed before rows were bound only to re-seal them", () => {
    const k = key();
    const ring = createKeyring([k]);
    const legacy = sealLegacy(k, "old value");
    expect(() => ring.open(legacy, ref)).toThrow(/re-seals such values when it starts/);
    expect(ring.openLegacy(legacy).reveal()).toBe("old value");
  });

  it("derives stable, purpose-bound secrets", () => {
    const k = key();
    expect(createKeyring([k]).derive("pulumi").reveal()).toBe(createKeyring([k]).derive("pulumi").reveal());
    expect(createKeyring([k]).derive("pulumi").reveal()).not.toBe(createKeyring([k]).derive("other").reveal());
  });

  it("refuses keys that are not 32 bytes", () => {
    expect(() => createKeyring([randomBytes(16)])).toThrow(/32 bytes/);
    expect(() => createKeyring([])).toThrow(/no master key/);
  });
});

describe("Secret", () => {
  it("redacts itself in strings, JSON, inspect and logs", () => {
    const s = new Secret("p4ssw0rd-value");
    expect(String(s)).toBe("[secret]");
    expect(`${s}`).toBe("[secret]");
    expect(JSON.stringify({ s })).toBe('{"s":"[secret]"}');
    expect(inspect({ s })).not.toContain("p4ssw0rd");
    const lines: string[] = [];
    const log = createLogger("info", new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    log.info({ s, nested: { s } }, "logging a secret");
    expect(lines.join("")).not.toContain("p4ssw0rd");
    expect(s.reveal()).toBe("p4ssw0rd-value");
  });
});

