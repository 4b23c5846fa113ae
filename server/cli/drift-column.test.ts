// The DRIFT column of `hoist stacks`: the stack's latest drift report, "-" when it has none.
import { describe, expect, it } from "vitest";
import { openDb } from "../../state/db.ts";
import { driftReports } from "../../state/schema.ts";
import { latestDrift } from "./drift-column.ts";

describe("the drift column", () => {
  it("reads the stack's latest report, and '-' for a stack without one", () => {
    const db = openDb(":memory:");
    expect(latestDrift(db, "server-web-1")).toBe("-");
    db.insert(driftReports).values({ id: "r1", stack: "server-web-1", state: "accepted", summary: {}, detectedAt: new Date("2026-11-30T08:15:00Z") }).run();
    expect(latestDrift(db, "server-web-1")).toBe("accepted (found 2026-11-30 08:15)");
    db.insert(driftReports).values({ id: "r2", stack: "server-web-1", state: "open", summary: {}, detectedAt: new Date("2026-12-01T10:00:00Z") }).run();
    expect(latestDrift(db, "server-web-1")).toBe("open since 2026-12-01 10:00");
    expect(latestDrift(db, "server-web-2")).toBe("-");
  });
});
