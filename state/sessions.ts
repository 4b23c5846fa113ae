import { and, eq, gt, lt, ne, or } from "drizzle-orm";
import type { Db } from "./db.ts";
import { sessions, users } from "./schema.ts";
import type { User } from "./users.ts";

export type Session = typeof sessions.$inferSelect;

export function insertSession(db: Db, s: { id: string; userId: string; csrfToken: string; expiresAt: Date }, now = new Date()): void {
  db.insert(sessions).values({ ...s, createdAt: now, lastSeenAt: now }).run();
}

/** The live session with this id and its (active) user: not expired, and used since `idleSince`. */
export function findSession(db: Db, id: string, idleSince: Date, now = new Date()): { session: Session; user: User } | undefined {
  const row = db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), gt(sessions.expiresAt, now), gt(sessions.lastSeenAt, idleSince), eq(users.state, "active")))
    .get();
  return row ?? undefined;
}

export function touchSession(db: Db, id: string, now = new Date()): void {
  db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, id)).run();
}

export function deleteSession(db: Db, id: string): void {
  db.delete(sessions).where(eq(sessions.id, id)).run();
}

/** Ends every session of the user, but `keep` (the one changing the password). */
export function deleteUserSessions(db: Db, userId: string, keep?: string): void {
  db.delete(sessions)
    .where(and(eq(sessions.userId, userId), keep ? ne(sessions.id, keep) : undefined))
    .run();
}

/** Deletes expired and idle sessions; returns how many. */
export function purgeSessions(db: Db, idleSince: Date, now = new Date()): number {
  return db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, now), lt(sessions.lastSeenAt, idleSince)))
    .run().changes;
}
