// Engine events of a refresh preview into drift findings, with events shaped as Pulumi 3.250's
// engine sends them for a refresh preview run with its program (planning, op refresh →
// update/delete/same with the old and new state's inputs and outputs; then the program's own
// logical steps).
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { changedProperties, driftCollector } from "./drift.ts";

const URN = (type: string, name: string) => `urn:pulumi:server-web::hoist::${type}::${name}`;
const SERVER = "hcloud:index/server:Server";
let seq = 0;

const state = (type: string, name: string, props: Record<string, unknown>, inputKeys: string[] = Object.keys(props)) => ({
  type,
  urn: URN(type, name),
  custom: true,
  id: "42",
  parent: URN("pulumi:pulumi:Stack", "hoist-server-web"),
  inputs: Object.fromEntries(inputKeys.map((k) => [k, props[k]])),
  outputs: props,
  provider: `${URN("pulumi:providers:hcloud", "default_1_41_0")}::p`,
});

type Meta = NonNullable<EngineEvent["resOutputsEvent"]>["metadata"];
const pre = (m: Partial<Meta> & { type: string; urn: string }): EngineEvent => ({ sequence: seq++, timestamp: 0, resourcePreEvent: { metadata: { op: "refresh", provider: "", ...m } as Meta, planning: true } });
const out = (m: Partial<Meta> & { type: string; urn: string; op: Meta["op"] }): EngineEvent => ({ sequence: seq++, timestamp: 0, resOutputsEvent: { metadata: { provider: "", ...m } as Meta, planning: true } });

/** A refresh step as the engine reports it: started as `refresh`, ended with what it found. */
function step(type: string, name: string, op: Meta["op"], before: Record<string, unknown>, after?: Record<string, unknown>, inputKeys?: string[]): EngineEvent[] {
  const old = state(type, name, before, inputKeys);
  const neu = after ? state(type, name, after, inputKeys) : ({} as never);
  return [pre({ type, urn: old.urn, old, new: old }), out({ type, urn: old.urn, op, old, new: neu })];
}

const server = { name: "web", serverType: "cx22", labels: { "managed-by": "hoist", "hoist-node": "n1" }, status: "running", ipv4Address: "127.0.0.9", __meta: "{}" };

const collect = (events: EngineEvent[]) => {
  const c = driftCollector();
  events.forEach(c.onEvent);
  return c.resources();
};

describe("drift from a refresh preview's engine events", () => {
  it("reports each changed property of a resource, declared → actual, maps key by key", () => {
    const actual = { ...server, serverType: "cx32", labels: { ...server.labels, team: "ops" }, status: "off" };
    const found = collect(step(SERVER, "server", "update", server, actual, ["name", "serverType", "labels"]));
    expect(found).toEqual([
      {
        urn: URN(SERVER, "server"),
        name: "server",
        type: SERVER,
        kind: "changed",
        properties: [
          { property: "labels.team", declared: undefined, actual: "ops" },
          { property: "serverType", declared: "cx22", actual: "cx32" },
          { property: "status", declared: "running", actual: "off" },
        ],
      },
    ]);
  });

  it("reports a resource deleted out of band, though the run's summary counts no delete", () => {
    const events = [
      ...step("pulumi:pulumi:Stack", "hoist-server-web", "same", {}, {}),
      ...step("pulumi:providers:hcloud", "default_1_41_0", "same", { version: "1.41.0" }, { version: "1.41.0" }),
      ...step("hcloud:index/sshKey:SshKey", "ssh-key", "same", { name: "k" }, { name: "k" }),
      ...step(SERVER, "server", "delete", server),
      { sequence: seq++, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: { same: 4 }, policyPacks: {} } } as EngineEvent,
    ];
    expect(collect(events)).toEqual([{ urn: URN(SERVER, "server"), name: "server", type: SERVER, kind: "deleted", properties: [] }]);
  });

  it("finds nothing where every step is the same, or changes only bookkeeping (timeouts, defaults)", () => {
    const events = [...step(SERVER, "server", "same", server, server), ...step("hcloud:index/firewall:Firewall", "firewall", "update", { name: "f", __meta: "a", __defaults: [] }, { name: "f", __meta: "b", __defaults: ["name"] })];
    expect(collect(events)).toEqual([]);
  });

  it("counts only refresh steps: the program's own steps that follow (a deleted server declared again) tell nothing", () => {
    const gone = step(SERVER, "server", "delete", server);
    // With the program run, the engine then steps through what it declares, from the refreshed state.
    const declared = state(SERVER, "server", { name: "web", serverType: "cx22" });
    const program = [pre({ type: SERVER, urn: declared.urn, op: "same", old: declared, new: declared }), out({ type: SERVER, urn: declared.urn, op: "same", old: declared, new: declared })];
    expect(collect([...gone, ...program])).toEqual([{ urn: URN(SERVER, "server"), name: "server", type: SERVER, kind: "deleted", properties: [] }]);
    // An output event with no refresh step before it is the program's.
    expect(collect(program.slice(1).map((e) => ({ ...e, resOutputsEvent: { ...e.resOutputsEvent!, metadata: { ...e.resOutputsEvent!.metadata, op: "delete" as const } } })))).toEqual([]);
  });

  it("a step the engine calls the same drifts only in watched outputs (the power state), not in computed ones", () => {
    const firewall = "hcloud:index/firewall:Firewall";
    const events = [
      ...step(SERVER, "server", "same", server, { ...server, status: "off", ipv4Address: "127.0.0.10" }, ["name", "serverType", "labels"]),
      ...step(firewall, "firewall", "same", { name: "f", applyTos: [] }, { name: "f", applyTos: [{ server: 42 }] }, ["name"]),
    ];
    const c = driftCollector([{ type: SERVER, property: "status" }]);
    events.forEach(c.onEvent);
    expect(c.resources()).toEqual([{ urn: URN(SERVER, "server"), name: "server", type: SERVER, kind: "changed", properties: [{ property: "status", declared: "running", actual: "off" }] }]);
    expect(collect(events)).toEqual([]);
  });

  it("never keeps a secret: values Pulumi masks, and properties that carry secrets, stay masked", () => {
    const cmd = "command:remote:Command";
    const before = { create: "sh -c 'x'", connection: { host: "127.0.0.9", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----abc" }, stdin: "[secret]", stdout: "ok" };
    const after = { ...before, connection: { host: "127.0.0.10", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----def" }, stdin: "[secret]", stdout: "changed" };
    const found = collect(step(cmd, "configure", "update", before, after));
    expect(JSON.stringify(found)).not.toContain("PRIVATE KEY");
    expect(found[0]!.properties).toEqual([
      { property: "connection.host", declared: "[secret]", actual: "[secret]" },
      { property: "connection.privateKey", declared: "[secret]", actual: "[secret]" },
      { property: "stdout", declared: "ok", actual: "changed" },
    ]);
  });

  it("compares lists and values as a whole, and names a property that appeared or went", () => {
    expect(changedProperties({ firewallIds: [1, 2], backups: false }, { firewallIds: [1], rescue: "linux64" })).toEqual([
      { property: "backups", declared: false, actual: undefined },
      { property: "firewallIds", declared: [1, 2], actual: [1] },
      { property: "rescue", declared: undefined, actual: "linux64" },
    ]);
  });
});
