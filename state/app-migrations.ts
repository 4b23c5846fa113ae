// Migrations of deployments to a dedicated node, and their items (one per deployment). The runner
// (engine/migration-kind.ts) writes an item's step before acting on it; pause and cancel are
// requests written here and polled by the runner.
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { moveRow } from "./moves.ts";
import { migrationItems, migrations } from "./schema.ts";
import { owned, type Scope } from "./scope.ts";
import { migrationMachine, migrationStatuses, type MigrationEvent, type MigrationStatus } from "./statuses.ts";

export type Migration = typeof migrations.$inferSelect;
export type MigrationItem = typeof migrationItems.$inferSelect;

/** What a migration runs with, fixed when it is made (HOIST_MIGRATION_* settings). */
export interface MigrationSettings {
  /** How long the old copy may finish its requests after the switch. */
  graceSeconds: number;
  /** How long the copy may take to pass its health check. */
  healthSeconds: number;
  /** How long traffic on the copy is watched before the old copy is removed. */
  watchSeconds: number;
  /** Response time through the gateway this much above the one before the move pauses it. */
  slowMs: number;
  /** This many failed requests through the gateway (of the last ten) pause it. */
  errors: number;
}

type ItemInput = Pick<MigrationItem, "deploymentId" | "stateful" | "fromNodeId" | "fromStack" | "copyStack" | "fromTarget" | "copyTarget" | "copySpec">;

/** A migration and its items, in one transaction. */
export function insertMigration(db: Db, m: { userId: string; nodeId: string; settings: MigrationSettings; items: ItemInput[] }): Migration {
  return db.transaction(() => {
    const id = randomUUID();
    const row = db
      .insert(migrations)
      .values({ id, userId: m.userId, nodeId: m.nodeId, stack: `migration-${id.slice(0, 8)}`, settings: m.settings as unknown as Record<string, number>, updatedAt: new Date() })
      .returning()
      .get();
    m.items.forEach((item, position) => db.insert(migrationItems).values({ id: randomUUID(), migrationId: id, position, ...item, updatedAt: new Date() }).run());
    return row;
  });
}

export function migrationById(db: Db, id: string): Migration | undefined {
  return db.select().from(migrations).where(eq(migrations.id, id)).get();
}

export function findMigration(db: Db, scope: Scope, id: string): Migration | undefined {
  return db.select().from(migrations).where(and(eq(migrations.id, id), owned(migrations.userId, scope))).get();
}

export function listMigrations(db: Db, scope: Scope): Migration[] {
  return db.select().from(migrations).where(owned(migrations.userId, scope)).orderBy(desc(migrations.createdAt)).all();
}

export function itemsOf(db: Db, migrationId: string): MigrationItem[] {
  return db.select().from(migrationItems).where(eq(migrationItems.migrationId, migrationId)).orderBy(asc(migrationItems.position)).all();
}

/** The unfinished migrations a deployment is part of (it can be in one at a time). */
export function activeItemOf(db: Db, deploymentId: string): MigrationItem | undefined {
  const open = migrationStatuses.filter((s) => s === "queued" || s === "running" || s === "paused");
  return db
    .select({ item: migrationItems })
    .from(migrationItems)
    .innerJoin(migrations, eq(migrations.id, migrationItems.migrationId))
    .where(and(eq(migrationItems.deploymentId, deploymentId), inArray(migrations.status, open)))
    .get()?.item;
}

export function updateItem(db: Db, id: string, patch: Partial<Omit<MigrationItem, "id" | "migrationId">>): MigrationItem {
  return db.update(migrationItems).set({ ...patch, updatedAt: new Date() }).where(eq(migrationItems.id, id)).returning().get();
}

export function updateMigration(db: Db, id: string, patch: Partial<Pick<Migration, "pauseRequested" | "cancelRequested" | "pauseReason">>): void {
  db.update(migrations).set({ ...patch, updatedAt: new Date() }).where(eq(migrations.id, id)).run();
}

/** Asks a migration to pause at its next step, unless it was asked already; false when it is not under way. */
export function requestPause(db: Db, id: string, reason: string): boolean {
  const r = db
    .update(migrations)
    .set({ pauseRequested: true, pauseReason: reason, updatedAt: new Date() })
    .where(and(eq(migrations.id, id), inArray(migrations.status, ["queued", "running"]), eq(migrations.pauseRequested, false)))
    .run();
  return r.changes > 0;
}

export function moveMigration(db: Db, id: string, event: MigrationEvent, patch: Partial<Omit<Migration, "id" | "createdAt" | "status">> = {}, from?: readonly MigrationStatus[]) {
  return moveRow(db, migrations, migrationMachine, id, event, patch, from);
}
