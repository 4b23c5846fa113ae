// The DRIFT column of `hoist stacks`: the stack's latest drift report, "-" when it has none.
import { describe, expect, it } from "vitest";
import { openDb } from "../../state/db.ts";
import { driftReports, users } from "../../state/schema.ts";
import { latestDrift } from "./drift-column.ts";

describe("the drift column", () => {
  it("reads the stack's latest report, and '-' for a stack without one", () => {
    const db = openDb(":memory:");
    db.insert(users).values({ id: "u1", email: "a@example.com", name: "A", role: "admin" }).run();
    const report = { userId: "u1", stack: "server-web-1", stackKind: "server" as const, summary: {} };
    expect(latestDrift(db, "server-web-1")).toBe("-");
    db.insert(driftReports).values({ ...report, id: "r1", state: "accepted", detectedAt: new Date("2026-11-30T08:15:00Z"), lastSeenAt: new Date("2026-11-30T08:15:00Z") }).run();
    expect(latestDrift(db, "server-web-1")).toBe("accepted (found 2026-11-30 08:15)");
    db.insert(driftReports).values({ ...report, id: "r2", state: "open", detectedAt: new Date("2026-12-01T10:00:00Z"), lastSeenAt: new Date("2026-12-01T10:00:00Z") }).run();
    expect(latestDrift(db, "server-web-1")).toBe("open since 2026-12-01 10:00");
    expect(latestDrift(db, "server-web-2")).toBe("-");
  });
});
