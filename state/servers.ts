import { and, desc, eq, ne, notInArray, sql } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { servers } from "./schema.ts";
import { owned, type Scope } from "./scope.ts";
import { moveRow } from "./moves.ts";
import { serverMachine, type ServerEvent, type ServerStatus } from "./statuses.ts";

export type Server = typeof servers.$inferSelect;

export function insertServer(
  db: Db,
  s: Pick<Server, "userId" | "credentialId" | "sshKeyId" | "name" | "stack" | "cloud" | "region" | "size" | "image" | "spec" | "priceMonthly">,
): Server {
  return db.insert(servers).values({ id: randomUUID(), ...s, updatedAt: new Date() }).returning().get();
}

export function findServer(db: Db, scope: Scope, id: string): Server | undefined {
  return db.select().from(servers).where(and(eq(servers.id, id), owned(servers.userId, scope))).get();
}

export function serverById(db: Db, id: string): Server | undefined {
  return db.select().from(servers).where(eq(servers.id, id)).get();
}

export function listServers(db: Db, scope: Scope): Server[] {
  return db
    .select()
    .from(servers)
    .where(and(owned(servers.userId, scope), ne(servers.status, "destroyed")))
    .orderBy(desc(servers.createdAt))
    .all();
}

export function updateServer(db: Db, id: string, patch: Partial<Omit<Server, "id" | "createdAt">>): void {
  db.update(servers).set({ ...patch, updatedAt: new Date() }).where(eq(servers.id, id)).run();
}

/** Servers counted against a credential's quota: all but destroyed ones. */
export function countLiveServers(db: Db, of: { credentialId: string } | { userId: string }): number {
  const owner = "credentialId" in of ? eq(servers.credentialId, of.credentialId) : eq(servers.userId, of.userId);
  return db
    .select({ n: sql<number>`count(*)` })
    .from(servers)
    .where(and(owner, notInArray(servers.status, ["destroyed"] satisfies ServerStatus[])))
    .get()!.n;
}

/** A live server of this user already has the name (destroyed ones free it). */
export function serverNameTaken(db: Db, userId: string, name: string): boolean {
  return (
    db
      .select({ id: servers.id })
      .from(servers)
      .where(and(eq(servers.userId, userId), eq(servers.name, name), ne(servers.status, "destroyed")))
      .get() !== undefined
  );
}

export function stackTaken(db: Db, stack: string): boolean {
  return db.select({ id: servers.id }).from(servers).where(eq(servers.stack, stack)).get() !== undefined;
}

/** Moves the server along its status machine (see moveRow). */
export function moveServer(
  db: Db,
  id: string,
  event: ServerEvent,
  patch: Partial<Omit<Server, "id" | "createdAt" | "status">> = {},
  from?: readonly ServerStatus[],
): ServerStatus | undefined {
  return moveRow(db, servers, serverMachine, id, event, patch, from);
}
