import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../server/log.ts";
import { createKeyring, keyId, openJson, sealJson, Secret, SecretError } from "./secrets.ts";

const key = () => randomBytes(32);

describe("sealing", () => {
  it("round-trips and names the key that sealed it", () => {
    const k = key();
    const ring = createKeyring([k]);
    const sealed = ring.seal("hunter2-very-secret");
    expect(sealed.split(".")[1]).toBe(keyId(k));
    expect(sealed).not.toContain("hunter2");
    expect(ring.open(sealed).reveal()).toBe("hunter2-very-secret");
  });

  it("uses a fresh nonce every time", () => {
    const ring = createKeyring([key()]);
    const a = ring.seal("same");
    const b = ring.seal("same");
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
  });

  it("opens values sealed by an older key after rotation, and seals with the new one", () => {
    const old = key();
    const sealedBefore = createKeyring([old]).seal("rotate me");
    const next = key();
    const ring = createKeyring([next, old]);
    expect(ring.open(sealedBefore).reveal()).toBe("rotate me");
    expect(ring.seal("x").split(".")[1]).toBe(keyId(next));
  });

  it("refuses tampered values, unknown keys and garbage", () => {
    const ring = createKeyring([key()]);
    const parts = ring.seal("value").split(".");
    const body = Buffer.from(parts[3]!, "base64url");
    body[0]! ^= 1;
    parts[3] = body.toString("base64url");
    expect(() => ring.open(parts.join("."))).toThrow(SecretError);
    expect(() => createKeyring([key()]).open(ring.seal("v"))).toThrow(/unknown key/);
    expect(() => ring.open("plain text")).toThrow(SecretError);
  });

  it("seals JSON objects", () => {
    const ring = createKeyring([key()]);
    expect(openJson(ring, sealJson(ring, { token: "abc" })).reveal()).toEqual({ token: "abc" });
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
