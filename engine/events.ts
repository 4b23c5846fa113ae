// Hoist's own event union. The Automation API's EngineEvent is converted here, once; nothing
// downstream reads SDK events. Resource inputs and outputs are dropped on purpose: they may hold
// secrets, and the live view needs only what happened to which resource.
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import type { OperationStatus } from "../state/statuses.ts";

export type ResourcePhase = "started" | "done" | "failed";

export type HoistEvent =
  /** A resource step: `op` is Pulumi's (create, update, delete, replace, same, refresh, read…). */
  | { type: "resource"; urn: string; resourceType: string; name: string; op: string; phase: ResourcePhase; diffs?: string[] }
  /** A message from the engine or a provider about one resource or the whole run. */
  | { type: "diagnostic"; severity: "info" | "warning" | "error"; message: string; urn?: string }
  /** A line of the engine's own output. */
  | { type: "log"; text: string }
  /** The run finished: how many resources each operation touched. */
  | { type: "summary"; changes: Record<string, number>; durationSeconds: number }
  /** Hoist's own milestones, stored in the same stream. */
  /** The subject (server, deployment, …) moved to this status of its machine. */
  | { type: "status"; status: string; message?: string }
  | { type: "operation"; status: OperationStatus; message?: string }
  /** Why the operation failed, in the operator's words. */
  | { type: "failure"; reason: string; code?: string; action?: string; retryable: boolean };

/** Short resource name from a URN: `urn:pulumi:stack::proj::type::name` → `name`. */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

// Pulumi's diagnostics are colourised; the live view shows plain text.
const ansi = /\u001b\[[0-9;]*m|<\{%[^%]*%\}>/g;
export const plain = (s: string) => s.replace(ansi, "");

/**
 * Converts one operation's SDK events, in order, into Hoist events. Steps that change nothing
 * ("same") are left out, except where a step that was reported started ends as "same": a
 * refresh step that found no drift still finishes, under the op it started with.
 */
export function converter(opts: { planning?: boolean } = {}): (e: EngineEvent) => HoistEvent[] {
  const started = new Map<string, string>();
  // A preview's steps are all planned ones: only a preview wants them.
  const wanted = (planning: boolean | undefined) => !planning || opts.planning === true;
  return (e) => {
    if (e.resourcePreEvent && wanted(e.resourcePreEvent.planning)) {
      const m = e.resourcePreEvent.metadata;
      if (m.type === "pulumi:pulumi:Stack" || m.op === "same") return [];
      started.set(m.urn, m.op);
      return [{ type: "resource", urn: m.urn, resourceType: m.type, name: urnName(m.urn), op: m.op, phase: "started", diffs: m.diffs?.length ? m.diffs : undefined }];
    }
    if (e.resOutputsEvent && wanted(e.resOutputsEvent.planning)) {
      const m = e.resOutputsEvent.metadata;
      if (m.type === "pulumi:pulumi:Stack") return [];
      const op = m.op === "same" ? started.get(m.urn) : m.op;
      if (!op) return [];
      return [{ type: "resource", urn: m.urn, resourceType: m.type, name: urnName(m.urn), op, phase: "done", diffs: m.diffs?.length ? m.diffs : undefined }];
    }
    return convertOther(e);
  };
}

function convertOther(e: EngineEvent): HoistEvent[] {
  if (e.resOpFailedEvent) {
    const m = e.resOpFailedEvent.metadata;
    return [{ type: "resource", urn: m.urn, resourceType: m.type, name: urnName(m.urn), op: m.op, phase: "failed" }];
  }
  if (e.diagnosticEvent) {
    const d = e.diagnosticEvent;
    const message = plain(d.message).trimEnd();
    // The SDK's own debug chatter ("Registering resource…") is not for operators.
    if (!message || d.ephemeral || (d.severity as string) === "debug") return [];
    const severity = d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "info";
    return [{ type: "diagnostic", severity, message, urn: d.urn }];
  }
  if (e.summaryEvent) {
    const changes: Record<string, number> = {};
    for (const [op, n] of Object.entries(e.summaryEvent.resourceChanges ?? {})) if (n) changes[op] = n;
    return [{ type: "summary", changes, durationSeconds: e.summaryEvent.durationSeconds }];
  }
  if (e.stdoutEvent) {
    const text = plain(e.stdoutEvent.message).trimEnd();
    return text ? [{ type: "log", text }] : [];
  }
  return [];
}
