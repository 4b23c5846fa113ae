// The DRIFT column of `hoist stacks`: the stack's latest drift report, read from drift_reports.
// The scheduled drift detection (issue 12, branch `drift`) writes those reports; until it does,
// every stack reads "-". Kept in one function so that its reports' shape is wired here alone.
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
