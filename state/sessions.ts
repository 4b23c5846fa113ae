import { and, eq, gt, lt } from "drizzle-orm";
import type { Db } from "./db.ts";
import { sessions, users } from "./schema.ts";
import type { User } from "./users.ts";

export type Session = typeof sessions.$inferSelect;

export function insertSession(db: Db, s: { id: string; userId: string; csrfToken: string; expiresAt: Date }): void {
  db.insert(sessions).values(s).run();
}

/** The live session with this id and its (active) user. */
export function findSession(db: Db, id: string, now = new Date()): { session: Session; user: User } | undefined {
  const row = db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, id), gt(sessions.expiresAt, now), eq(users.state, "active")))
    .get();
  return row ?? undefined;
}

export function deleteSession(db: Db, id: string): void {
  db.delete(sessions).where(eq(sessions.id, id)).run();
}

export function deleteUserSessions(db: Db, userId: string): void {
  db.delete(sessions).where(eq(sessions.userId, userId)).run();
}

export function purgeExpiredSessions(db: Db, now = new Date()): void {
  db.delete(sessions).where(lt(sessions.expiresAt, now)).run();
}
