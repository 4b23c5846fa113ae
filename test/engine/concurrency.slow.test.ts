// Ten servers requested at once all reach ready, never more than HOIST_CONCURRENCY operations
// running at a time, and all ten are destroyed again.
import { afterAll, beforeAll, expect, it } from "vitest";
import { operationsWithStatus, serverOperations } from "../../state/operations.ts";
import { nodeOfServer } from "../../state/nodes.ts";
import { startBed, waitForStatus, type HetznerBed as Bed } from "../support/provisioning.ts";

const LIMIT = 3;
let bed: Bed;
beforeAll(async () => {
  bed = await startBed({ HOIST_CONCURRENCY: String(LIMIT), HOIST_SERVER_QUOTA: "20" });
});
afterAll(async () => {
  await bed?.close();
});

/** The most operations that ran at the same moment, from their start and finish times. */
function peak(intervals: { start: number; end: number }[]): number {
  const edges = intervals.flatMap((i) => [
    { t: i.start, d: 1 },
    { t: i.end, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const e of edges) max = Math.max(max, (now += e.d));
  return max;
}

it("provisions ten servers at once within the concurrency limit", async () => {
  const names = Array.from({ length: 10 }, (_, i) => `fleet-${i + 1}`);
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, operationsWithStatus(bed.console.deps.db, ["running"]).length);
  }, 50);
  try {
    const ids = await Promise.all(
      names.map(async (name) => {
        const res = await bed.api.post("/servers", { credentialId: bed.credentialId, name, region: "nbg1", size: "cx22", image: "debian-12" });
        expect(res.status, res.text).toBe(202);
        return res.json().server.id as string;
      }),
    );
    for (const id of ids) expect((await waitForStatus(bed, id, ["ready", "failed"], 600_000)).status).toBe("ready");
    for (const id of ids) expect(nodeOfServer(bed.console.deps.db, id)!.state).toBe("online");
    const ups = ids.map((id) => serverOperations(bed.console.deps.db, id)[0]!);
    const intervals = ups.map((o) => ({ start: o.startedAt!.getTime(), end: o.finishedAt!.getTime() }));
    expect(peak(intervals)).toBeLessThanOrEqual(LIMIT);
    expect(sampledPeak).toBe(LIMIT);
    expect(new Set(bed.hetzner.state.servers().map((s) => s.public_net.ipv4?.ip)).size).toBe(10);

    for (const id of ids) expect((await bed.api.delete(`/servers/${id}`)).status).toBe(202);
    for (const id of ids) expect((await waitForStatus(bed, id, ["destroyed", "failed"], 600_000)).status).toBe("destroyed");
    expect(bed.hetzner.state.servers()).toEqual([]);
  } finally {
    clearInterval(sampler);
  }
});
