import { describe, expect, it } from "vitest";
import { openDb } from "./db.ts";
import { nodes, users } from "./schema.ts";
import { claimDueNode, insertSamples, latestOfNodes, latestSample, purgeSamples, releaseNode, sampleNear, samplesOf, scheduleEveryNode } from "./usage-samples.ts";

function dbWithNodes(...ids: string[]) {
  const db = openDb(":memory:");
  db.insert(users).values({ id: "u", email: "u@example.com", name: "u", role: "operator" }).run();
  for (const id of ids) db.insert(nodes).values({ id, userId: "u", name: id, address: "127.0.0.9" }).run();
  return db;
}

describe("the monitor's schedule", () => {
  it("gives each due node to one worker until its lease runs out or it is released", () => {
    const db = dbWithNodes("a", "b");
    const now = new Date();
    const lease = new Date(now.getTime() + 60_000);
    scheduleEveryNode(db, now);
    const first = claimDueNode(db, "w1", now, lease);
    const second = claimDueNode(db, "w2", now, lease);
    expect(new Set([first, second])).toEqual(new Set(["a", "b"]));
    expect(claimDueNode(db, "w3", now, lease)).toBeUndefined();
    // Released, a node is due again only at its next time; a release by another worker changes nothing.
    releaseNode(db, first!, "w1", new Date(now.getTime() + 5000), null);
    releaseNode(db, second!, "not-its-worker", new Date(now.getTime() + 5000), null);
    expect(claimDueNode(db, "w4", new Date(now.getTime() + 1000), lease)).toBeUndefined();
    // w2 died holding its node: its claim runs out with its lease.
    const later = new Date(lease.getTime() + 1);
    expect(claimDueNode(db, "w5", later, new Date(later.getTime() + 60_000))).toBe(second);
    expect(claimDueNode(db, "w6", later, new Date(later.getTime() + 60_000))).toBe(first);
  });

  it("skips the nodes a pass already sampled", () => {
    const db = dbWithNodes("a", "b", "c");
    const now = new Date();
    scheduleEveryNode(db, now);
    expect(claimDueNode(db, "w", now, now, ["a", "b"])).toBe("c");
  });
});

describe("samples", () => {
  it("are read per node or per container, newest last, and purged past their time", () => {
    const db = dbWithNodes("a");
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    const base = { nodeId: "a", cpuPercent: 1, memoryBytes: 1, memoryTotalBytes: 2, diskUsedBytes: 1, diskTotalBytes: 2 };
    insertSamples(db, [
      { ...base, deploymentId: null, at: t(30) },
      { ...base, deploymentId: null, at: t(10), cpuPercent: 7 },
      { ...base, deploymentId: null, at: t(120) },
    ]);
    expect(samplesOf(db, { nodeId: "a" }, t(60)).map((s) => s.cpuPercent)).toEqual([1, 7]);
    expect(latestSample(db, { nodeId: "a" })?.cpuPercent).toBe(7);
    expect(purgeSamples(db, t(60))).toBe(1);
    expect(samplesOf(db, { nodeId: "a" }, new Date(0))).toHaveLength(2);
  });

  it("gives each node's latest sample of its own (not its containers') for a page of nodes in one read", () => {
    const db = dbWithNodes("a", "b", "c");
    const t = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    const base = { cpuPercent: 1, memoryBytes: 1, memoryTotalBytes: 2, diskUsedBytes: 1, diskTotalBytes: 2, deploymentId: null };
    insertSamples(db, [
      { ...base, nodeId: "a", at: t(30) },
      { ...base, nodeId: "a", at: t(5), cpuPercent: 9 },
      { ...base, nodeId: "b", at: t(20), cpuPercent: 4 },
    ]);
    const latest = latestOfNodes(db, ["a", "b", "c"]);
    expect([...latest.keys()].sort()).toEqual(["a", "b"]);
    expect(latest.get("a")?.cpuPercent).toBe(9);
    expect(latest.get("b")?.cpuPercent).toBe(4);
    expect(latestOfNodes(db, []).size).toBe(0);
  });

  it("gives a node's sample nearest a moment: the newest at or before it, or the first after it", () => {
    const db = dbWithNodes("a");
    const at = new Date(Date.now() - 60 * 60_000);
    const off = (ms: number) => new Date(at.getTime() + ms);
    const base = { nodeId: "a", memoryBytes: 1, memoryTotalBytes: 2, diskUsedBytes: 1, diskTotalBytes: 2 };
    insertSamples(db, [
      { ...base, deploymentId: null, at: off(-60_000), cpuPercent: 1 },
      { ...base, deploymentId: null, at: at, cpuPercent: 2 },
      { ...base, deploymentId: null, at: off(60_000), cpuPercent: 3 },
      { ...base, deploymentId: null, at: off(120_000), cpuPercent: 4 },
    ]);
    expect(sampleNear(db, { nodeId: "a" }, at, "before")?.cpuPercent).toBe(2);
    expect(sampleNear(db, { nodeId: "a" }, at, "after")?.cpuPercent).toBe(3);
    expect(sampleNear(db, { nodeId: "a" }, off(-120_000), "before")).toBeUndefined();
    expect(sampleNear(db, { nodeId: "a" }, off(120_000), "after")).toBeUndefined();
  });
});
