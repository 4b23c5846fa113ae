// A figure's result: one table of measures, each value beside its target or floor, printed as
// it is and written as JSON (test/artifacts/bench/<figure>.json) with the raw samples, so that a
// later run can be compared with this one. Benchmarks assert nothing: a missed target is a row
// that says so.
import fs from "node:fs";
import path from "node:path";
import type { BenchContext } from "./context.ts";
import type { Machine } from "./machine.ts";

export interface Row {
  measure: string;
  value: string;
  /** The target or floor it is held against ("≤ 1.05×", "< 100 ms"), if any. */
  target?: string;
  /** Whether the target is met; absent when there is none. */
  met?: boolean;
  note?: string;
}

export interface FigureResult {
  rows: Row[];
  /** Raw numbers for the JSON file (samples, summaries, settings). */
  data?: Record<string, unknown>;
  /** Lines printed under the table: how it was measured, where the time went. */
  notes?: string[];
  /** Set when the figure broke while measuring: why. */
  failed?: string;
}

export interface Figure {
  /** File name of its JSON and the `--only` name. */
  id: string;
  title: string;
  /** Set when it runs on `ctx.fleet` (the runner keeps that bed until a figure without it). */
  fleet?: boolean;
  run(ctx: BenchContext): Promise<FigureResult>;
}

const mark = (r: Row) => (r.met === undefined ? "" : r.met ? "met" : "MISSED");

export function formatTable(title: string, result: FigureResult): string {
  const head = ["measure", "value", "target", ""];
  const body = result.rows.map((r) => [r.measure, r.value, r.target ?? "", mark(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [title, line(head), widths.map((w) => "─".repeat(w)).join("  ")];
  for (const [i, row] of body.entries()) {
    out.push(line(row));
    const note = result.rows[i]!.note;
    if (note) out.push(`    ${note}`);
  }
  for (const n of result.notes ?? []) out.push(`  · ${n}`);
  return out.join("\n");
}

export function writeJson(dir: string, figure: Figure, result: FigureResult, extra: { machine: Machine; quick: boolean; startedAt: Date; seconds: number }): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${figure.id}.json`);
  const json = { figure: figure.id, title: figure.title, quick: extra.quick, startedAt: extra.startedAt.toISOString(), seconds: extra.seconds, machine: extra.machine, ...result };
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
  return file;
}
