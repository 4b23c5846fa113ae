import { describe, expect, it } from "vitest";
import type { Operation } from "../state/operations.ts";
import { runnable } from "./queue.ts";

const op = (id: string, stack: string) => ({ id, stack }) as Operation;

describe("which operations may start", () => {
  it("respects the global limit, oldest first", () => {
    const queued = [op("1", "a"), op("2", "b"), op("3", "c")];
    expect(runnable(queued, [], 2).map((o) => o.id)).toEqual(["1", "2"]);
    expect(runnable(queued, [op("0", "z")], 2).map((o) => o.id)).toEqual(["1"]);
    expect(runnable(queued, [op("0", "z"), op("9", "y")], 2)).toEqual([]);
  });

  it("runs one operation per stack at a time, in the order asked", () => {
    const queued = [op("1", "a"), op("2", "a"), op("3", "b")];
    expect(runnable(queued, [], 4).map((o) => o.id)).toEqual(["1", "3"]);
    expect(runnable([op("2", "a"), op("3", "b")], [op("1", "a")], 4).map((o) => o.id)).toEqual(["3"]);
  });
});
