// A sweep over 30 server stacks: at most HOIST_DRIFT_CONCURRENCY checks at once (though the engine
// could run more), and a stack with an operation queued is skipped, saying why, not checked.
// The busy stacks' operations are held in the queue by pausing changes (checks still run).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findOperation, type Operation } from "../../state/operations.ts";
import { serverById } from "../../state/servers.ts";
import { startCloudBed, waitForStatus, type Bed } from "../support/provisioning.ts";
import { openReports, sweep } from "./support.ts";

const COUNT = 30;
const LIMIT = 3;
let bed: Bed;
const ids: string[] = [];

beforeAll(async () => {
  bed = await startCloudBed("hetzner", { HOIST_DRIFT_INTERVAL: "0", HOIST_DRIFT_CONCURRENCY: String(LIMIT), HOIST_CONCURRENCY: "6", HOIST_SERVER_QUOTA: "40", HOIST_SERVER_CHANGE_LIMIT: "40" });
  for (let i = 0; i < COUNT; i++) {
    const res = await bed.api.post("/servers", bed.serverRequest(`fleet-${i}`));
    expect(res.status, res.text).toBe(202);
    ids.push(res.json().server.id);
  }
  for (const id of ids) {
    const s = await waitForStatus(bed, id, ["ready", "failed"], 600_000);
    expect(s.status, s.errorReason ?? "").toBe("ready");
  }
}, 900_000);
afterAll(async () => {
  await bed?.close();
});

/** The most operations running at one moment, from their start and finish times. */
function mostAtOnce(ops: Operation[]): number {
  const edges = ops.flatMap((o) => [[o.startedAt!.getTime(), 1] as const, [o.finishedAt!.getTime(), -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d));
  return most;
}

describe("a drift sweep over 30 stacks", () => {
  it("runs at most the limit at once and skips busy stacks", async () => {
    // Two stacks busy: changes paused, so their queued refreshes stay queued through the sweep.
    expect((await bed.api.put("/maintenance", { paused: true, reason: "drift sweep test" })).status).toBe(200);
    const busy = ids.slice(0, 2).map((id) => {
      const s = serverById(bed.console.deps.db, id)!;
      return bed.console.deps.engine.context.enqueue({ kind: "refresh", stackKind: "server", stack: s.stack, serverId: s.id, userId: s.userId });
    });

    const done = await sweep(bed, 600_000);
    expect(done.stacks).toHaveLength(COUNT);
    const busyStacks = ids.slice(0, 2).map((id) => serverById(bed.console.deps.db, id)!.stack);
    expect(done.stacks.filter((s) => s.skipped).map((s) => s.stack).sort()).toEqual(busyStacks.sort());
    expect(done.stacks.filter((s) => s.skipped).every((s) => /busy/.test(s.skipped!) && !s.operationId)).toBe(true);

    const checks = done.stacks.filter((s) => s.operationId).map((s) => findOperation(bed.console.deps.db, s.operationId!)!);
    expect(checks).toHaveLength(COUNT - 2);
    expect(checks.map((o) => [o.kind, o.status])).toEqual(checks.map(() => ["drift", "succeeded"]));
    expect(mostAtOnce(checks)).toBe(LIMIT);
    expect(await openReports(bed)).toEqual([]);
    // The busy stacks' own operations were left alone.
    expect(busy.map((o) => findOperation(bed.console.deps.db, o.id)!.status)).toEqual(["queued", "queued"]);
    expect((await bed.api.put("/maintenance", { paused: false })).status).toBe(200);
  });
});
