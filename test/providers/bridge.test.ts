// The shared bridge conventions: secrets and unknowns on the wire, URN parts, autonaming from
// Check's seed, and the schema-driven Check and Diff with each provider's comparison.
import { describe, expect, it } from "vitest";
import { autoname, bridgeCheck, bridgeDiff, clean, reseal, reveal, secretKeys, UNKNOWN, urnName, urnType, wrapSecrets, type Schema } from "./bridge.ts";

const SECRET = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
const URN = "urn:pulumi:dev::hoist::my:index/parent:Parent$hcloud:index/server:Server::web";

describe("secrets", () => {
  it("unwraps secret inputs and wraps the same keys again", () => {
    const props = { userData: SECRET("#cloud-config"), nested: { list: [SECRET("x")] }, name: "x" };
    expect(reveal(props)).toEqual({ userData: "#cloud-config", nested: { list: ["x"] }, name: "x" });
    expect(secretKeys(props)).toEqual(["userData", "nested"]);
    expect(wrapSecrets({ userData: "hash", name: "x" }, ["userData", "gone"])).toEqual({ userData: SECRET("hash"), name: "x" });
  });

  it("reseals outputs like their inputs, never twice", () => {
    expect(reseal({ a: SECRET(1), b: 2 }, { a: SECRET(1), b: 2, c: 3 })).toEqual({ a: SECRET(1), b: 2, c: 3 });
  });
});

describe("URNs and names", () => {
  it("reads the name and the type without parents", () => {
    expect(urnName(URN)).toBe("web");
    expect(urnType(URN)).toBe("hcloud:index/server:Server");
  });

  it("autonames `<name>-<7 hex>` and keeps a name already in state", () => {
    expect(autoname(URN)).toMatch(/^web-[0-9a-f]{7}$/);
    expect(autoname(URN, "web-1234567")).toBe("web-1234567");
  });
});

describe("bridgeCheck and bridgeDiff", () => {
  const schema: Schema = { recordsDefaults: true, required: ["publicKey"], fields: { name: {}, publicKey: { replace: true }, size: { default: "s" } } };

  it("fills defaults, records them and words a missing argument as Terraform does", () => {
    const { inputs, failures } = bridgeCheck(schema, URN, {}, { publicKey: null });
    expect(inputs).toMatchObject({ size: "s", __defaults: ["name", "size"] });
    expect(failures).toEqual([{ property: "publicKey", reason: 'Missing required argument. The argument "public_key" is required, but no definition was found.' }]);
  });

  it("uses the schema's comparison, and sees unknowns through secrets", () => {
    const state = { name: "web", publicKey: "" };
    expect(bridgeDiff(schema, state, { name: "web" }).changes).toBe(false);
    const strict: Schema = { ...schema, equal: (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null) };
    expect(bridgeDiff(strict, state, { name: "web" })).toMatchObject({ changes: true, replaces: ["publicKey"], deleteBeforeReplace: true });
    expect(bridgeDiff(schema, state, { name: "web", publicKey: SECRET(UNKNOWN), __defaults: ["name"] })).toMatchObject({ replaces: ["publicKey"], deleteBeforeReplace: false });
  });
});

it("clean drops undefined members at any depth", () => {
  expect(clean({ a: undefined, b: { c: undefined, d: [1, { e: undefined }] } })).toEqual({ b: { d: [1, {}] } });
});
