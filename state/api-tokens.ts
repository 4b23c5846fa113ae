import { and, desc, eq, isNull } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { apiTokens, users } from "./schema.ts";
import type { User } from "./users.ts";

export type ApiToken = typeof apiTokens.$inferSelect;

export function insertApiToken(db: Db, t: { userId: string; name: string; tokenHash: string; prefix: string; expiresAt: Date }): ApiToken {
  return db.insert(apiTokens).values({ id: randomUUID(), ...t }).returning().get();
}

export function listApiTokens(db: Db, userId: string): ApiToken[] {
  return db.select().from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt)).all();
}

/**
 * The token with this hash and its active user, recording the use; `expired` when it is past its
 * expiry (the use is then not recorded).
 */
export function useApiToken(db: Db, tokenHash: string, now = new Date()): { token: ApiToken; user: User; expired: boolean } | undefined {
  const row = db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), eq(users.state, "active")))
    .get();
  if (!row) return undefined;
  const expired = !row.token.expiresAt || row.token.expiresAt <= now;
  if (!expired) db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.token.id)).run();
  return { ...row, expired };
}

/** Deletes every token of the user (they are disabled); returns how many. */
export function deleteUserTokens(db: Db, userId: string): number {
  return db.delete(apiTokens).where(eq(apiTokens.userId, userId)).run().changes;
}

/** A data migration run at start: tokens made before expiry existed expire `days` from now. */
export function expireUnboundedTokens(db: Db, days: number, now = new Date()): number {
  return db
    .update(apiTokens)
    .set({ expiresAt: new Date(now.getTime() + days * 86_400_000) })
    .where(isNull(apiTokens.expiresAt))
    .run().changes;
}

/** Deletes one of the user's tokens; false when it is not theirs. */
export function deleteApiToken(db: Db, userId: string, id: string): boolean {
  return db.delete(apiTokens).where(and(eq(apiTokens.id, id), eq(apiTokens.userId, userId))).run().changes > 0;
}
