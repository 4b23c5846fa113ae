import { describe, expect, it } from "vitest";
import { parseUsage, ProbeFailed, usageCommand } from "./usage-probe.ts";

const out = (containers = "", labels = "") => `#stat
cpu  100 0 100 800 0 0 0 0 0 0
cpu  160 0 140 900 0 0 0 0 0 0
#mem
MemTotal:        2048000 kB
MemAvailable:     512000 kB
#cpus
2
#disk
/dev/vda1 40000000 10000000 30000000 25% /
#containers
${containers}
#labels
${labels}`;

describe("parseUsage", () => {
  it("turns two CPU readings, meminfo and df into the node's use", () => {
    const u = parseUsage(out());
    // 100 busy jiffies of 200 between the readings.
    expect(u.cpuPercent).toBe(50);
    expect(u.cpus).toBe(2);
    expect(u.memoryTotalBytes).toBe(2048000 * 1024);
    expect(u.memoryBytes).toBe((2048000 - 512000) * 1024);
    expect(u.diskTotalBytes).toBe(40000000 * 1024);
    expect(u.diskUsedBytes).toBe(10000000 * 1024);
    expect(u.containers.size).toBe(0);
  });

  it("reads Hoist's containers by their deployment label, CPU as a share of the whole node", () => {
    const u = parseUsage(out("a1b2|50.00%|12.5MiB / 1.9GiB\nc3d4|0.10%|1GiB / 1.9GiB\ne5f6|9%|1MiB / 1GiB", "a1b2|dep-web\nc3d4|dep-db"));
    expect(u.containers.get("dep-web")).toEqual({ cpuPercent: 25, memoryBytes: Math.round(12.5 * 1024 * 1024) });
    expect(u.containers.get("dep-db")?.memoryBytes).toBe(1024 ** 3);
    // Not Hoist's: no label, not counted as any deployment's.
    expect(u.containers.size).toBe(2);
  });

  it("names what the node did not report", () => {
    expect(() => parseUsage(out().replace(/#stat\n.*\n.*\n/, "#stat\n"))).toThrow(/CPU counters/);
    expect(() => parseUsage(out().replace("MemAvailable:     512000 kB\n", ""))).toThrow(ProbeFailed);
  });

  it("is a fixed script, through sudo for a login user that is not root", () => {
    expect(usageCommand(false)).toMatch(/^sh -c '/);
    expect(usageCommand(true)).toMatch(/^sudo -n sh -c '/);
  });
});
