import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { auditLog } from "./schema.ts";
import type { AuditOutcome } from "./statuses.ts";

export type AuditEntry = typeof auditLog.$inferSelect;

export interface AuditRecord {
  userId?: string | null;
  actor: string;
  action: string;
  targetType?: string;
  targetId?: string;
  outcome: AuditOutcome;
  detail?: string;
}

/** Records an entry; returns its id. */
export function recordAudit(db: Db, r: AuditRecord): number {
  return db.insert(auditLog).values(r).returning({ id: auditLog.id }).get().id;
}

/** Folds one more occurrence into an entry, with its detail brought up to date. */
export function repeatAudit(db: Db, id: number, detail: string): void {
  db.update(auditLog)
    .set({ count: sql`${auditLog.count} + 1`, detail })
    .where(eq(auditLog.id, id))
    .run();
}

/** Newest first, a page at a time (`before` is the last id seen); a user's own entries unless `all`. */
export function listAudit(db: Db, opts: { userId?: string; before?: number; limit?: number }): AuditEntry[] {
  const conds = [opts.userId ? eq(auditLog.userId, opts.userId) : undefined, opts.before ? lt(auditLog.id, opts.before) : undefined];
  return db
    .select()
    .from(auditLog)
    .where(and(...conds))
    .orderBy(desc(auditLog.id))
    .limit(opts.limit ?? 50)
    .all();
}
