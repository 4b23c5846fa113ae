import { and, asc, eq, gt, sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { users } from "./schema.ts";
import type { Role, UserState } from "./statuses.ts";

export type User = typeof users.$inferSelect;

export function countUsers(db: Db): number {
  return db.select({ n: sql<number>`count(*)` }).from(users).get()!.n;
}

export function findUserByEmail(db: Db, email: string): User | undefined {
  return db.select().from(users).where(eq(users.email, email.toLowerCase())).get();
}

export function findUser(db: Db, id: string): User | undefined {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function findUserByInvite(db: Db, tokenHash: string): User | undefined {
  return db.select().from(users).where(eq(users.inviteTokenHash, tokenHash)).get();
}

export function listUsers(db: Db): User[] {
  return db.select().from(users).orderBy(asc(users.createdAt)).all();
}

export function insertUser(
  db: Db,
  u: { email: string; name: string; role: Role; state: UserState; passwordHash?: string; inviteTokenHash?: string; inviteExpiresAt?: Date; invitedBy?: string },
): User {
  return db
    .insert(users)
    .values({ id: randomUUID(), ...u, email: u.email.toLowerCase() })
    .returning()
    .get();
}

/**
 * Inserts the first account, as one write transaction that first checks that there is none:
 * two setups racing each other cannot both pass. Undefined when an account already exists.
 */
export function insertFirstAdmin(db: Db, u: { email: string; name: string; passwordHash: string }): User | undefined {
  return db.transaction(
    (tx) => {
      if (tx.select({ id: users.id }).from(users).limit(1).get()) return undefined;
      return tx
        .insert(users)
        .values({ id: randomUUID(), ...u, email: u.email.toLowerCase(), role: "admin", state: "active" })
        .returning()
        .get();
    },
    // IMMEDIATE takes the write lock before the check, so another process cannot slip in between.
    { behavior: "immediate" },
  );
}

/**
 * Accepts an invitation in one statement that checks it is still pending, unexpired and the
 * same one: of two accepts racing each other, only one changes the row. False when it did not.
 */
export function acceptInvitation(db: Db, id: string, tokenHash: string, passwordHash: string, now = new Date()): boolean {
  return (
    db
      .update(users)
      .set({ state: "active", passwordHash, inviteTokenHash: null, inviteExpiresAt: null })
      .where(and(eq(users.id, id), eq(users.state, "invited"), eq(users.inviteTokenHash, tokenHash), gt(users.inviteExpiresAt, now)))
      .run().changes === 1
  );
}

export function updateUser(db: Db, id: string, patch: Partial<Pick<User, "name" | "role" | "state" | "passwordHash" | "inviteTokenHash" | "inviteExpiresAt">>): void {
  db.update(users).set(patch).where(eq(users.id, id)).run();
}

export function deleteUser(db: Db, id: string): void {
  db.delete(users).where(eq(users.id, id)).run();
}
