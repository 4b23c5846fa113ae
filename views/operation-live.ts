// What an operation's events add up to on the server page: the resource steps, the log and a
// progress estimate. One fold, used for the first render (stored events) and by the live stream
// (each new event), so a reload and a live page show the same thing.
import type { HoistEvent, ResourcePhase } from "../engine/events.ts";
import type { OperationKind, OperationStatus, ServerStatus } from "../state/statuses.ts";

export interface LiveEvent {
  seq: number;
  at: Date;
  event: HoistEvent;
}

export interface Step {
  urn: string;
  name: string;
  type: string;
  op: string;
  phase: ResourcePhase;
  startedAt: Date;
  finishedAt?: Date;
}

export type LineTone = "info" | "warning" | "error" | "milestone";

export interface LogLine {
  seq: number;
  at: Date;
  tone: LineTone;
  text: string;
}

export interface Live {
  kind: OperationKind;
  /** The last event folded in: the SSE stream resumes after it. */
  seq: number;
  opStatus: OperationStatus;
  serverStatus?: string;
  /** What the log calls a status change ("Server status"). */
  statusLabel?: string;
  steps: Step[];
  /** The newest LOG_LINES lines; `earlier` counts those dropped before them. */
  log: LogLine[];
  earlier: number;
  failure?: { reason: string; code?: string; action?: string };
  finishedSummary: boolean;
  /** 0–100; it never goes back while the operation runs. */
  percent: number;
}

export function newLive(kind: OperationKind, opStatus: OperationStatus = "queued"): Live {
  return { kind, seq: 0, opStatus, steps: [], log: [], earlier: 0, finishedSummary: false, percent: 0 };
}

/** How many log lines the page holds (an operation may log hundreds of thousands; the API has all). */
export const LOG_LINES = 400;

// Default providers are Pulumi's plumbing, not something the operator asked for.
const isPlumbing = (type: string) => type.startsWith("pulumi:providers:");

const pastTense: Record<string, string> = { create: "created", update: "updated", delete: "deleted", replace: "replaced", refresh: "refreshed", read: "read", same: "unchanged" };

/** Folds one event into `live`; returns the log line it adds, if any. */
export function applyEvent(live: Live, { seq, at, event: e }: LiveEvent): LogLine | undefined {
  live.seq = Math.max(live.seq, seq);
  let line: Omit<LogLine, "seq" | "at"> | undefined;
  switch (e.type) {
    case "resource": {
      if (isPlumbing(e.resourceType)) break;
      const step = live.steps.find((s) => s.urn === e.urn);
      if (!step) live.steps.push({ urn: e.urn, name: e.name, type: e.resourceType, op: e.op, phase: e.phase, startedAt: at, finishedAt: e.phase === "started" ? undefined : at });
      else Object.assign(step, { op: e.op, phase: e.phase, finishedAt: e.phase === "started" ? undefined : at });
      if (e.phase === "failed") line = { tone: "error", text: `${e.name}: ${e.op} failed` };
      break;
    }
    case "diagnostic":
      line = { tone: e.severity, text: e.message };
      break;
    case "log":
      line = { tone: "info", text: e.text };
      break;
    case "status":
      live.serverStatus = e.status;
      line = { tone: "milestone", text: `${live.statusLabel ?? "Server status"}: ${e.status}${e.message ? ` (${e.message})` : ""}` };
      break;
    case "operation":
      live.opStatus = e.status;
      // Pulumi reports a refreshed resource that did not change as "same", which Hoist does not
      // store: once the run has succeeded, every step it started is done.
      if (e.status === "succeeded") for (const s of live.steps) if (s.phase === "started") Object.assign(s, { phase: "done", finishedAt: at });
      line = { tone: e.status === "failed" ? "error" : "milestone", text: `Operation ${e.status}${e.message ? `: ${e.message}` : ""}` };
      break;
    case "failure":
      live.failure = { reason: e.reason, code: e.code, action: e.action };
      line = { tone: "error", text: `${e.reason}${e.code ? ` (${e.code})` : ""}${e.action ? `. ${e.action}` : ""}` };
      break;
    case "summary": {
      live.finishedSummary = true;
      const parts = Object.entries(e.changes).map(([op, n]) => `${n} ${pastTense[op] ?? op}`);
      line = { tone: "milestone", text: `Pulumi finished in ${e.durationSeconds} s${parts.length ? `: ${parts.join(", ")}` : ""}` };
      break;
    }
  }
  live.percent = nextPercent(live);
  if (!line) return undefined;
  const added = { seq, at, ...line };
  live.log.push(added);
  if (live.log.length > LOG_LINES) {
    live.log.shift();
    live.earlier++;
  }
  return added;
}

/**
 * The events folded in order, given a page at a time; `rowStatus`, when given, is the
 * operation's stored status, which wins.
 */
export function foldLive(kind: OperationKind, pages: Iterable<LiveEvent[]>, rowStatus?: OperationStatus, statusLabel?: string): Live {
  const live = newLive(kind);
  if (statusLabel) live.statusLabel = statusLabel;
  for (const page of pages) for (const e of page) applyEvent(live, e);
  if (rowStatus) {
    live.opStatus = rowStatus;
    live.percent = nextPercent(live);
  }
  return live;
}

// Pulumi does not say how many resources a run will touch, so the bar is an honest estimate:
// each finished step moves it, one step is always assumed to be left until Pulumi's summary,
// and the configure step (last in a create) starts late in the run.
function nextPercent(live: Live): number {
  if (live.opStatus === "succeeded") return 100;
  // A run that stopped short shows how far it got.
  if (live.opStatus === "failed" || live.opStatus === "cancelled") return live.steps.length ? Math.round((100 * stepsDone(live)) / live.steps.length) : 0;
  if (live.opStatus === "queued") return Math.max(live.percent, 2);
  const done = live.steps.filter((s) => s.phase === "done").length;
  let p = live.finishedSummary ? 95 : 5 + (85 * done) / (live.steps.length + 1);
  if (live.kind === "up" && live.serverStatus === "configuring") p = Math.max(p, 70);
  return Math.max(live.percent, Math.round(p));
}

export const stepsDone = (live: Live) => live.steps.filter((s) => s.phase === "done").length;
