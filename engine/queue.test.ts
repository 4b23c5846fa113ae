import { describe, expect, it } from "vitest";
import type { Operation } from "../state/operations.ts";
import { runnable } from "./queue.ts";

const op = (id: string, stack: string, userId: string | null = "u") => ({ id, stack, userId }) as Operation;
const ids = (ops: Operation[]) => ops.map((o) => o.id);

describe("which operations may start", () => {
  it("respects the global limit, oldest first", () => {
    const queued = [op("1", "a"), op("2", "b"), op("3", "c")];
    expect(ids(runnable(queued, [], 2))).toEqual(["1", "2"]);
    expect(ids(runnable(queued, [op("0", "z")], 2))).toEqual(["1"]);
    expect(runnable(queued, [op("0", "z"), op("9", "y")], 2)).toEqual([]);
  });

  it("runs one operation per stack at a time, in the order asked", () => {
    const queued = [op("1", "a"), op("2", "a"), op("3", "b")];
    expect(ids(runnable(queued, [], 4))).toEqual(["1", "3"]);
    expect(ids(runnable([op("2", "a"), op("3", "b")], [op("1", "a")], 4))).toEqual(["3"]);
  });

  it("keeps a stack's order across users: another user's later operation of it waits", () => {
    const queued = [op("1", "a", "ann"), op("2", "a", "bob"), op("3", "b", "bob")];
    expect(ids(runnable(queued, [], 4))).toEqual(["1", "3"]);
  });

  it("does not let one user's thirty creates starve another's one", () => {
    const ann = Array.from({ length: 30 }, (_, i) => op(`ann-${i}`, `ann-${i}`, "ann"));
    const queued = [...ann, op("bob-0", "bob-0", "bob")];
    expect(ids(runnable(queued, [], 4))).toEqual(["ann-0", "bob-0", "ann-1", "ann-2"]);
    // Ann already holds three slots: the one that frees goes to Bob, though Ann waited longer.
    expect(ids(runnable(queued.slice(3), ann.slice(0, 3), 4))).toEqual(["bob-0"]);
  });

  it("takes turns between users by who runs least, then who waited longest", () => {
    const queued = [op("a1", "a1", "ann"), op("a2", "a2", "ann"), op("c1", "c1", "cat"), op("b1", "b1", "bob"), op("b2", "b2", "bob"), op("s1", "s1", null)];
    expect(ids(runnable(queued, [], 6))).toEqual(["a1", "c1", "b1", "s1", "a2", "b2"]);
    expect(ids(runnable(queued, [op("x", "x", "ann"), op("y", "y", "bob")], 3))).toEqual(["c1"]);
  });
});
