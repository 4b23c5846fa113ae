// An operation a shell runs at once is claimed in one transaction that sees the stack's queue: it
// never starts beside another operation of its stack, queued or running, and while it runs the
// queue's claim of that stack's next operation fails.
import { describe, expect, it } from "vitest";
import { openDb } from "./db.ts";
import { activeOperations, claimOperation, endOperation, insertClaimedOperation, insertOperation, lastStackOperation, stackHasOtherOperations } from "./operations.ts";

const at = () => ({ leaseUntil: new Date(Date.now() + 30_000), deadlineAt: new Date(Date.now() + 600_000) });
const row = (stack: string) => ({ stack, stackKind: "server" as const, kind: "up" as const });

describe("an operation claimed at once (a shell's)", () => {
  it("is written running for its worker while the stack is idle, and the queue cannot start another beside it", () => {
    const db = openDb(":memory:");
    const mine = insertClaimedOperation(db, row("server-a"), "cli#1#aa", at())!;
    expect(mine).toMatchObject({ status: "running", workerId: "cli#1#aa", stack: "server-a" });
    expect(mine.startedAt).toBeInstanceOf(Date);
    const queued = insertOperation(db, row("server-a"));
    expect(claimOperation(db, queued.id, "console#2#bb", at())).toBeUndefined();
    expect(insertClaimedOperation(db, row("server-a"), "cli#3#cc", at())).toBeUndefined();
    // Another stack is not held up.
    expect(insertClaimedOperation(db, row("server-b"), "cli#3#cc", at())).toMatchObject({ status: "running" });
    endOperation(db, mine.id, "running", "succeeded", null, "cli#1#aa");
    expect(claimOperation(db, queued.id, "console#2#bb", at())).toMatchObject({ status: "running", workerId: "console#2#bb" });
    expect(lastStackOperation(db, "server-a")!.id).toBe(queued.id);
  });

  it("is refused while the stack has an operation queued (the console's turn comes first)", () => {
    const db = openDb(":memory:");
    const queued = insertOperation(db, row("server-a"));
    expect(insertClaimedOperation(db, row("server-a"), "cli#1#aa", at())).toBeUndefined();
    expect(activeOperations(db, "server-a").map((o) => o.id)).toEqual([queued.id]);
  });

  it("keeps nothing when what it does with the claim fails (the subject could not move)", () => {
    const db = openDb(":memory:");
    expect(() =>
      insertClaimedOperation(db, row("server-a"), "cli#1#aa", at(), () => {
        throw new Error("cannot move");
      }),
    ).toThrow("cannot move");
    expect(lastStackOperation(db, "server-a")).toBeUndefined();
  });
});

describe("a stack's history", () => {
  it("has other operations once any but the one asking was recorded on it, whatever their end", () => {
    const db = openDb(":memory:");
    const first = insertOperation(db, row("server-a"));
    insertOperation(db, row("server-b"));
    expect(stackHasOtherOperations(db, "server-a", first.id)).toBe(false);
    endOperation(db, first.id, "queued", "failed", "interrupted");
    const retry = insertOperation(db, row("server-a"));
    expect(stackHasOtherOperations(db, "server-a", retry.id)).toBe(true);
    expect(stackHasOtherOperations(db, "server-c", retry.id)).toBe(false);
  });
});
