import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openDb } from "./db.ts";
import { resealAll } from "./reseal.ts";
import { createKeyring } from "./secrets.ts";
import { ensureStackPassphrase, stackPassphrase } from "./stack-passphrase.ts";

describe("the stacks' passphrase", () => {
  it("keeps the passphrase existing stacks were made with, and stays the same when the master key changes", () => {
    const db = openDb(":memory:");
    const old = randomBytes(32);
    const ring = createKeyring([old]);
    ensureStackPassphrase(db, ring);
    const passphrase = stackPassphrase(db, ring).reveal();
    // Stacks made before it was stored used the passphrase derived from the key of the time.
    expect(passphrase).toBe(ring.derive("pulumi-passphrase").reveal());
    ensureStackPassphrase(db, ring);
    expect(stackPassphrase(db, ring).reveal()).toBe(passphrase);

    const fresh = randomBytes(32);
    const rotated = createKeyring([fresh, old]);
    resealAll(db, rotated, rotated);
    ensureStackPassphrase(db, rotated);
    // Re-sealed under the new key, which alone now opens it, to the same passphrase.
    expect(stackPassphrase(db, createKeyring([fresh])).reveal()).toBe(passphrase);
    expect(() => stackPassphrase(db, createKeyring([old]))).toThrow(/unknown key/);
    expect(rotated.derive("pulumi-passphrase").reveal()).not.toBe(passphrase);
  });
});
