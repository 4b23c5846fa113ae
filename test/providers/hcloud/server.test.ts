// The server resource through the shared bridge: autonaming, defaults and `__defaults`, and diffs
// with replace-on-change, computed properties, user data hashes and unknowns.
import { describe, expect, it } from "vitest";
import { bridgeCheck, bridgeDiff, UNKNOWN } from "../bridge.ts";
import { serverSchema, userDataHash } from "./server.ts";

const URN = "urn:pulumi:dev::hoist::hcloud:index/server:Server::web";

describe("bridgeCheck", () => {
  it("autonames `<name>-<7 hex>`, fills defaults and lists them in __defaults", () => {
    const { inputs, failures } = bridgeCheck(serverSchema, URN, {}, { serverType: "cx22", image: "debian-12" });
    expect(failures).toEqual([]);
    expect(inputs.name).toMatch(/^web-[0-9a-f]{7}$/);
    expect(inputs).toMatchObject({ backups: false, deleteProtection: false, keepDisk: false, allowDeprecatedImages: false });
    expect(inputs.__defaults).toEqual([
      "allowDeprecatedImages",
      "backups",
      "deleteProtection",
      "ignoreRemoteFirewallIds",
      "keepDisk",
      "name",
      "rebuildProtection",
      "shutdownBeforeDeletion",
    ]);
  });

  it("keeps a name already in state and an explicit one", () => {
    expect(bridgeCheck(serverSchema, URN, { name: "web-1234567" }, { serverType: "cx22" }).inputs.name).toBe("web-1234567");
    const explicit = bridgeCheck(serverSchema, URN, {}, { serverType: "cx22", name: "edge" }).inputs;
    expect(explicit.name).toBe("edge");
    expect(explicit.__defaults).not.toContain("name");
  });

  it("reports a missing required property", () => {
    expect(bridgeCheck(serverSchema, URN, {}, {}).failures).toEqual([
      { property: "serverType", reason: 'Missing required argument. The argument "server_type" is required, but no definition was found.' },
    ]);
  });
});

describe("bridgeDiff", () => {
  const state = {
    name: "web-1234567",
    serverType: "cx22",
    image: "debian-12",
    location: "fsn1",
    datacenter: "fsn1-dc14",
    sshKeys: ["42"],
    userData: userDataHash("#cloud-config\n"),
    labels: {},
    firewallIds: [7],
    backups: false,
    status: "running",
  };
  const inputs = { name: "web-1234567", serverType: "cx22", image: "debian-12", sshKeys: ["42"], userData: "#cloud-config\n", backups: false, __defaults: ["name"] };

  it("sees no change when the program matches the state (user data by its hash, computed values kept)", () => {
    expect(bridgeDiff(serverSchema, state, inputs)).toMatchObject({ changes: false, replaces: [] });
  });

  it("updates in place for type, name and labels", () => {
    const d = bridgeDiff(serverSchema, state, { ...inputs, serverType: "cx32", labels: { a: "b" } });
    expect(d).toMatchObject({ changes: true, replaces: [], diffs: ["serverType", "labels"] });
  });

  it("replaces for image, location, ssh keys and user data", () => {
    for (const patch of [{ image: "ubuntu-24.04" }, { location: "nbg1" }, { sshKeys: ["43"] }, { userData: "other" }]) {
      expect(bridgeDiff(serverSchema, state, { ...inputs, ...patch }).replaces).toEqual(Object.keys(patch));
    }
  });

  it("treats unknown values as changes and deletes first when an explicit name must be kept", () => {
    expect(bridgeDiff(serverSchema, state, { ...inputs, sshKeys: [UNKNOWN] }).replaces).toEqual(["sshKeys"]);
    const named = bridgeDiff(serverSchema, state, { ...inputs, name: "web-1234567", __defaults: [], image: "ubuntu-24.04" });
    expect(named.deleteBeforeReplace).toBe(true);
    expect(bridgeDiff(serverSchema, state, { ...inputs, image: "ubuntu-24.04" }).deleteBeforeReplace).toBe(false);
  });

  it("compares firewall ids as a set", () => {
    expect(bridgeDiff(serverSchema, { ...state, firewallIds: [7, 8] }, { ...inputs, firewallIds: [8, 7] }).changes).toBe(false);
  });
});
