// The operator's own SSH public keys, kept to be installed on their servers beside Hoist's key.
import { and, asc, eq, inArray } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { userKeys } from "./schema.ts";

export type UserKey = typeof userKeys.$inferSelect;

export function listUserKeys(db: Db, userId: string): UserKey[] {
  return db.select().from(userKeys).where(eq(userKeys.userId, userId)).orderBy(asc(userKeys.name)).all();
}

export function userKeysByIds(db: Db, userId: string, ids: string[]): UserKey[] {
  if (ids.length === 0) return [];
  return db.select().from(userKeys).where(and(eq(userKeys.userId, userId), inArray(userKeys.id, ids))).all();
}

export function insertUserKey(db: Db, k: Pick<UserKey, "userId" | "name" | "publicKey" | "fingerprint">): UserKey {
  return db.insert(userKeys).values({ id: randomUUID(), ...k }).returning().get();
}

/** Deletes one of the user's keys; false when it is not theirs. */
export function deleteUserKey(db: Db, userId: string, id: string): boolean {
  return db.delete(userKeys).where(and(eq(userKeys.id, id), eq(userKeys.userId, userId))).run().changes > 0;
}

/** Marks the keys chosen for a new server, so the next create form preselects them. */
export function markUserKeysUsed(db: Db, userId: string, ids: string[], at = new Date()): void {
  if (ids.length) db.update(userKeys).set({ lastUsedAt: at }).where(and(eq(userKeys.userId, userId), inArray(userKeys.id, ids))).run();
}
