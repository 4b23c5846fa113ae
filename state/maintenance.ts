// The maintenance switch: while it is on, nothing changes infrastructure (no create, retry,
// destroy or power action is accepted, no queued operation starts, and whatever is scheduled
// later — deploys, migrations, remediation — waits); pages, reads and running operations go on.
// An admin sets it (kept here, across restarts), or HOIST_READ_ONLY at start, which wins.
import { eq } from "drizzle-orm";
import type { Db } from "./db.ts";
import { settings } from "./schema.ts";

const KEY = "maintenance";

export interface Pause {
  reason: string;
  since: Date;
  /** Who switched it on (their email), or null when HOIST_READ_ONLY did. */
  by: string | null;
  /** Set at start by HOIST_READ_ONLY: only a restart without it turns it off. */
  atStart: boolean;
}

export function storedPause(db: Db): Pause | undefined {
  const row = db.select().from(settings).where(eq(settings.key, KEY)).get();
  const v = row?.value as { paused?: boolean; reason?: string } | undefined;
  if (!row || !v?.paused) return undefined;
  return { reason: v.reason ?? "maintenance", since: row.updatedAt, by: row.updatedBy, atStart: false };
}

/** Switches it on (with the reason) or off (null), recording who did. */
export function setPause(db: Db, pause: { reason: string } | null, by: string, now = new Date()): void {
  const value = pause ? { paused: true, reason: pause.reason } : { paused: false };
  db.insert(settings)
    .values({ key: KEY, value, updatedAt: now, updatedBy: by })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now, updatedBy: by } })
    .run();
}

/** The one guard every change asks: why changes are paused now, or undefined when they are not. */
export function currentPause(db: Db, atStart?: { since: Date }): Pause | undefined {
  if (atStart) return { reason: "Hoist was started read-only (HOIST_READ_ONLY)", since: atStart.since, by: null, atStart: true };
  return storedPause(db);
}
