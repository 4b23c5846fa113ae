// The DRIFT column of `hoist stacks`: the stack's latest drift report, as the scheduled drift
// checks (engine/drift-runs.ts) and `hoist drift` record them; "-" for a stack never found drifted.
import { desc, eq } from "drizzle-orm";
import type { Db } from "../../state/db.ts";
import { driftReports } from "../../state/schema.ts";

/** "open since 2025-01-02 10:00", "accepted", …, or "-" when the stack has no drift report. */
export function latestDrift(db: Db, stack: string): string {
  const report = db.select().from(driftReports).where(eq(driftReports.stack, stack)).orderBy(desc(driftReports.detectedAt)).limit(1).get();
  if (!report) return "-";
  const at = report.detectedAt.toISOString().slice(0, 16).replace("T", " ");
  return report.state === "open" ? `open since ${at}` : `${report.state} (found ${at})`;
}
