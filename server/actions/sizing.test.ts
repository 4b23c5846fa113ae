import { describe, expect, it } from "vitest";
import type { Size } from "../../stacks/cloud.ts";
import { fitOf, HEADROOM, recommendSize, requirementOf, runsOn, splitForSize, usedOn } from "./sizing.ts";

const MiB = 1024 * 1024;
const size = (id: string, cpus: number, memoryGb: number, monthly: number, regions = ["r1"]): Size => ({
  id,
  label: id,
  cpus,
  memoryGb,
  diskGb: 40,
  prices: Object.fromEntries(regions.map((r) => [r, { monthly, hourly: monthly / 730 }])),
});
const sizes = [size("s1", 1, 1, 4), size("s2", 2, 4, 8), size("s4", 4, 8, 16), size("big", 8, 16, 30, ["r2"])];

describe("the sizing rule", () => {
  it("asks for HEADROOM times what was measured, and at least the declared minimums", () => {
    const r = requirementOf([
      { cpus: 1, memoryBytes: 1024 * MiB, min: { cpus: 0.5, memoryMb: 256 } },
      { cpus: 0.2, memoryBytes: 512 * MiB, min: { cpus: 0.5, memoryMb: 4096 } },
    ]);
    expect(r.measured).toEqual({ cpus: 1.2, memoryMb: 1536 });
    expect(r.declared).toEqual({ cpus: 1, memoryMb: 4352 });
    expect(r.required).toEqual({ cpus: Math.round(HEADROOM * 1.2 * 100) / 100, memoryMb: 4352 });
  });

  it("recommends the cheapest size in the region that meets it", () => {
    const r = requirementOf([{ cpus: 1, memoryBytes: 2048 * MiB, min: { cpus: 0, memoryMb: 0 } }]);
    expect(recommendSize(sizes, "r1", r)?.id).toBe("s2");
    expect(recommendSize(sizes, "r2", r)?.id).toBe("big");
    expect(recommendSize(sizes, "nowhere", r)).toBeUndefined();
  });

  it("calls a size below what was measured undersized, one short of the headroom tight", () => {
    const r = requirementOf([{ cpus: 1.5, memoryBytes: 3 * 1024 * MiB, min: { cpus: 0, memoryMb: 0 } }]);
    expect(fitOf(sizes[0]!, r)).toBe("undersized");
    expect(fitOf(sizes[1]!, r)).toBe("tight");
    expect(fitOf(sizes[2]!, r)).toBe("recommended-fit");
    expect(usedOn(sizes[2]!, r)).toEqual({ cpuPercent: 37.5, memoryPercent: 37.5 });
  });

  it("splits a move into what fits now and what waits", () => {
    const need = (id: string, mb: number) => ({ id, cpus: 0.1, memoryBytes: mb * MiB, min: { cpus: 0, memoryMb: 0 } });
    const { now, later } = splitForSize(sizes[0]!, [need("a", 600), need("b", 300), need("c", 300)]);
    expect(now.map((n) => n.id)).toEqual(["a", "b"]);
    expect(later.map((n) => n.id)).toEqual(["c"]);
  });
});

describe("the apps' architecture", () => {
  it("recommends only sizes that run the images of the nodes the apps come from", () => {
    const arm = { ...size("arm2", 2, 4, 3), architecture: "arm" };
    const x86 = { ...size("x2", 2, 4, 5), architecture: "x86" };
    const r = requirementOf([{ cpus: 0.1, memoryBytes: 64 * MiB, min: { cpus: 0.1, memoryMb: 16 } }]);
    expect(recommendSize([arm, x86], "r1", r, "x86_64")?.id).toBe("x2");
    expect(recommendSize([arm, x86], "r1", r, "aarch64")?.id).toBe("arm2");
    expect(runsOn(arm, undefined)).toBe(true);
  });
});
