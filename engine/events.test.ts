import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { converter } from "./events.ts";

const urn = "urn:pulumi:server-web::hoist::hcloud:index/server:Server::server";
const meta = (op: string, type = "hcloud:index/server:Server", u = urn) => ({ op, urn: u, type, provider: "" }) as never;
const pre = (op: string, type?: string): EngineEvent => ({ sequence: 1, timestamp: 0, resourcePreEvent: { metadata: meta(op, type) } });
const outputs = (op: string, type?: string): EngineEvent => ({ sequence: 2, timestamp: 0, resOutputsEvent: { metadata: meta(op, type) } });

describe("converter", () => {
  it("reports a step started and done, named from its URN", () => {
    const convert = converter();
    expect(convert(pre("create"))).toEqual([{ type: "resource", urn, resourceType: "hcloud:index/server:Server", name: "server", op: "create", phase: "started", diffs: undefined }]);
    expect(convert(outputs("create"))).toMatchObject([{ op: "create", phase: "done" }]);
  });

  it("leaves out unchanged resources and the stack itself", () => {
    const convert = converter();
    expect([...convert(pre("same")), ...convert(outputs("same"))]).toEqual([]);
    expect([...convert(pre("create", "pulumi:pulumi:Stack")), ...convert(outputs("create", "pulumi:pulumi:Stack"))]).toEqual([]);
  });

  it("finishes a refresh step that found nothing changed, under the op it started with", () => {
    const convert = converter();
    convert(pre("refresh"));
    expect(convert(outputs("same"))).toMatchObject([{ op: "refresh", phase: "done", name: "server" }]);
  });

  it("keeps a failed step and the run's summary", () => {
    const convert = converter();
    expect(convert({ sequence: 3, timestamp: 0, resOpFailedEvent: { metadata: meta("create"), status: 1, steps: 1 } })).toMatchObject([{ phase: "failed", op: "create" }]);
    expect(convert({ sequence: 4, timestamp: 0, summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges: { create: 4, same: 0 }, policyPacks: {} } })).toEqual([
      { type: "summary", changes: { create: 4 }, durationSeconds: 3 },
    ]);
  });
});
