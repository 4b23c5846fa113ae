// The drift sweep schedule as two consoles share it: two connections to one database file (as two
// console processes have), each claiming and driving sweeps. A due sweep is claimed once; a sweep
// whose console stopped (released) or died (lease lapsed) is carried on by the other, never by both.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "./db.ts";
import { claimDueSweep, holdSweep, nextSweepAt, releaseSweeps, requestSweep, saveSweep, sweepsToDrive, type SweepItem } from "./drift-sweeps.ts";
import { driftSweeps } from "./schema.ts";

const HOUR = 3_600_000;
const items: SweepItem[] = [{ stack: "server-a", stackKind: "server" }];
const dirs: string[] = [];
const dbs: Db[] = [];

/** Two consoles' connections to one new database. */
function twoConsoles(): [Db, Db] {
  const dir = mkdtempSync(path.join(tmpdir(), "hoist-sweeps-"));
  dirs.push(dir);
  const file = path.join(dir, "hoist.db");
  const pair = [openDb(file), openDb(file)] as [Db, Db];
  dbs.push(...pair);
  return pair;
}

afterEach(() => {
  for (const db of dbs.splice(0)) db.$client.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const times = (ms: number, intervalMs = HOUR) => ({ now: at(ms), intervalMs, jitterMs: 0 });
const claim = (db: Db, ms: number, worker: string, intervalMs = HOUR) => claimDueSweep(db, times(ms, intervalMs), worker, at(ms + 60_000), () => items);
const sweepCount = (db: Db) => db.select().from(driftSweeps).all().length;

describe("the drift sweep schedule, shared by two consoles", () => {
  it("schedules the first sweep one interval out, and a due sweep is claimed by one console only", () => {
    const [a, b] = twoConsoles();
    expect(claim(a, 0, "a")).toBeUndefined();
    expect(nextSweepAt(b)).toEqual(at(HOUR));
    // Both tick before it is due: nothing.
    expect(claim(b, HOUR - 1, "b")).toBeUndefined();
    // Both tick once it is due, as two consoles (or a console and its restart) would.
    const first = claim(a, HOUR, "a");
    const second = claim(b, HOUR + 1, "b");
    expect(first).toMatchObject({ workerId: "a", dueAt: at(HOUR) });
    expect(second).toBeUndefined();
    expect(sweepCount(a)).toBe(1);
    expect(nextSweepAt(a)).toEqual(at(2 * HOUR));
  });

  it("a restarted console does not run the sweep again: it finds the schedule moved on", () => {
    const [a] = twoConsoles();
    claim(a, 0, "a");
    expect(claim(a, HOUR, "a")).toBeDefined();
    a.$client.close();
    dbs.splice(dbs.indexOf(a), 1);
    // The same database opened again, as a restart does, ticking at once.
    const again = openDb(path.join(dirs[0]!, "hoist.db"));
    dbs.push(again);
    expect(claim(again, HOUR + 2000, "a2")).toBeUndefined();
    expect(sweepCount(again)).toBe(1);
  });

  it("a sweep asked for is claimed once, and does not move the scheduled one", () => {
    const [a, b] = twoConsoles();
    claim(a, 0, "a");
    requestSweep(b, at(1000));
    requestSweep(a, at(1500));
    expect(claim(b, 2000, "b")).toMatchObject({ workerId: "b", dueAt: at(1000) });
    expect(claim(a, 2001, "a")).toBeUndefined();
    expect(nextSweepAt(a)).toEqual(at(HOUR));
    // With scheduled sweeps off, one asked for still runs, and none is scheduled.
    requestSweep(a, at(3000));
    expect(claim(a, 4000, "a", 0)).toMatchObject({ dueAt: at(3000) });
    expect(nextSweepAt(a)).toBeUndefined();
    expect(claim(a, 2 * HOUR, "a", 0)).toBeUndefined();
  });

  it("a sweep is driven by the console holding it; when that console stops or dies, the other carries it on, alone", () => {
    const [a, b] = twoConsoles();
    claim(a, 0, "a");
    const sweep = claim(a, HOUR, "a")!;
    // While a's lease holds, b does not drive it.
    expect(sweepsToDrive(b, "b", at(HOUR + 1000))).toEqual([]);
    expect(sweepsToDrive(a, "a", at(HOUR + 1000)).map((s) => s.id)).toEqual([sweep.id]);
    // a dies: its lease lapses and b takes it over; a, back too late, can no longer save it.
    const lapsed = at(HOUR + 61_000);
    const [held] = sweepsToDrive(b, "b", lapsed);
    expect(holdSweep(b, held!, "b", at(HOUR + 121_000))).toBe(true);
    expect(holdSweep(a, held!, "a", at(HOUR + 121_000))).toBe(false);
    expect(saveSweep(a, sweep.id, "a", [{ ...items[0]!, operationId: "op-a" }])).toBe(false);
    expect(saveSweep(b, sweep.id, "b", [{ ...items[0]!, operationId: "op-b" }])).toBe(true);
    // b stops cleanly: it lets go, and a picks it up at once.
    releaseSweeps(b, "b");
    const [free] = sweepsToDrive(a, "a", at(HOUR + 62_000));
    expect(free?.items).toEqual([{ ...items[0], operationId: "op-b" }]);
    expect(holdSweep(a, free!, "a", at(HOUR + 122_000))).toBe(true);
    expect(saveSweep(a, sweep.id, "a", free!.items as unknown as SweepItem[], true)).toBe(true);
    expect(sweepsToDrive(b, "b", at(10 * HOUR))).toEqual([]);
  });
});
