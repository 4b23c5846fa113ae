import { and, asc, eq } from "drizzle-orm";
import type { Db } from "./db.ts";
import { nodes } from "./schema.ts";
import { owned, type Scope } from "./scope.ts";
import type { NodeState } from "./statuses.ts";

export type Node = typeof nodes.$inferSelect;

export type NodeRegistration = Pick<Node, "userId" | "serverId" | "sshKeyId" | "name" | "address" | "sshPort" | "sshUser" | "hostKeyFingerprint" | "cloud" | "region" | "size" | "facts"> & Partial<Pick<Node, "hostKey" | "pool">>;

/** Creates the server's node (with the id written to the server), or updates it on a retry or refresh. */
export function upsertServerNode(db: Db, n: NodeRegistration & { id: string; serverId: string }): Node {
  const existing = db.select().from(nodes).where(eq(nodes.serverId, n.serverId)).get();
  if (existing) {
    db.update(nodes).set(n).where(eq(nodes.id, existing.id)).run();
    return db.select().from(nodes).where(eq(nodes.id, existing.id)).get()!;
  }
  return db.insert(nodes).values(n).returning().get();
}

export function listNodes(db: Db, scope: Scope): Node[] {
  return db.select().from(nodes).where(owned(nodes.userId, scope)).orderBy(asc(nodes.name)).all();
}

export function allNodes(db: Db): Node[] {
  return db.select().from(nodes).all();
}

export function findNode(db: Db, scope: Scope, id: string): Node | undefined {
  return db.select().from(nodes).where(and(eq(nodes.id, id), owned(nodes.userId, scope))).get();
}

export function findNodeById(db: Db, id: string): Node | undefined {
  return db.select().from(nodes).where(eq(nodes.id, id)).get();
}

export function nodeOfServer(db: Db, serverId: string): Node | undefined {
  return db.select().from(nodes).where(eq(nodes.serverId, serverId)).get();
}

export function setNodeState(db: Db, id: string, state: NodeState, reason: string | null, at = new Date()): void {
  db.update(nodes).set({ state, stateReason: reason, checkedAt: at }).where(eq(nodes.id, id)).run();
}

export function deleteServerNode(db: Db, serverId: string): void {
  db.delete(nodes).where(eq(nodes.serverId, serverId)).run();
}
