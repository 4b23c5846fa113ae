// `hoist stacks`: every stack of every registered kind (servers, app deployments, …) with its
// kind, owner, status, last operation and drift; `--json` for scripts.
import { lastStackOperation } from "../../state/operations.ts";
import { findUser } from "../../state/users.ts";
import { latestDrift } from "./drift-column.ts";
import { allStacks, type CliDeps } from "./session.ts";

export interface StackRow {
  stack: string;
  kind: string;
  name: string;
  owner: string;
  status: string;
  lastOperation: { id: string; kind: string; status: string; at: string; fromCli: boolean } | null;
  drift: string;
}

export function stackRows(deps: CliDeps): StackRow[] {
  return allStacks(deps).map(({ kind, subject }) => {
    const op = lastStackOperation(deps.db, subject.stack);
    return {
      stack: subject.stack,
      kind: kind.id,
      name: subject.name,
      owner: findUser(deps.db, subject.userId)?.email ?? "-",
      status: subject.status,
      lastOperation: op ? { id: op.id, kind: op.kind, status: op.status, at: (op.finishedAt ?? op.startedAt ?? op.createdAt).toISOString(), fromCli: typeof op.params.cli === "string" } : null,
      drift: latestDrift(deps.db, subject.stack),
    };
  });
}

/** A table with a header, columns as wide as their widest cell. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}

export function listStacks(deps: CliDeps, json: boolean): string {
  const rows = stackRows(deps);
  if (json) return JSON.stringify({ stacks: rows }, null, 2);
  if (rows.length === 0) return "No stacks yet: create a server or deploy an app in the console, and its stack is listed here.";
  const last = (r: StackRow) => (r.lastOperation ? `${r.lastOperation.kind} ${r.lastOperation.status} ${r.lastOperation.at.slice(0, 16).replace("T", " ")}${r.lastOperation.fromCli ? " (cli)" : ""}` : "-");
  return table(["STACK", "KIND", "OWNER", "STATUS", "LAST OPERATION", "DRIFT"], rows.map((r) => [r.stack, r.kind, r.owner, r.status, last(r), r.drift]));
}
