// App deployments: one row per app run on a node, its stack `app-<slug>`.
import { and, desc, eq, inArray, ne } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { moveRow } from "./moves.ts";
import { deployments } from "./schema.ts";
import { owned, type Scope } from "./scope.ts";
import { deploymentMachine, deploymentStatuses, deploymentPolicy, type DeploymentEvent, type DeploymentStatus } from "./statuses.ts";

export type Deployment = typeof deployments.$inferSelect;

export function insertDeployment(db: Db, d: Pick<Deployment, "userId" | "nodeId" | "app" | "name" | "slug" | "stack" | "spec"> & { id?: string; secretEnv?: string | null }): Deployment {
  return db.insert(deployments).values({ id: d.id ?? randomUUID(), ...d, updatedAt: new Date() }).returning().get();
}

export function findDeployment(db: Db, scope: Scope, id: string): Deployment | undefined {
  return db.select().from(deployments).where(and(eq(deployments.id, id), owned(deployments.userId, scope))).get();
}

export function deploymentById(db: Db, id: string): Deployment | undefined {
  return db.select().from(deployments).where(eq(deployments.id, id)).get();
}

/** The deployments a user may see, newest first, removed ones left out. */
export function listDeployments(db: Db, scope: Scope): Deployment[] {
  return db
    .select()
    .from(deployments)
    .where(and(owned(deployments.userId, scope), ne(deployments.status, "removed")))
    .orderBy(desc(deployments.createdAt))
    .all();
}

/** The deployments still on a node (they hold its ports and resources). */
export function deploymentsOnNode(db: Db, nodeId: string): Deployment[] {
  const on = deploymentStatuses.filter(deploymentPolicy.occupiesNode);
  return db.select().from(deployments).where(and(eq(deployments.nodeId, nodeId), inArray(deployments.status, on))).orderBy(desc(deployments.createdAt)).all();
}

/** A deployment of this user that is not removed already has the name. */
export function deploymentNameTaken(db: Db, userId: string, name: string): boolean {
  return db.select({ id: deployments.id }).from(deployments).where(and(eq(deployments.userId, userId), eq(deployments.name, name), ne(deployments.status, "removed"))).get() !== undefined;
}

export function slugTaken(db: Db, slug: string): boolean {
  return db.select({ id: deployments.id }).from(deployments).where(eq(deployments.slug, slug)).get() !== undefined;
}

export function updateDeployment(db: Db, id: string, patch: Partial<Omit<Deployment, "id" | "createdAt" | "status">>): void {
  db.update(deployments).set({ ...patch, updatedAt: new Date() }).where(eq(deployments.id, id)).run();
}

/** Moves the deployment along its status machine (see moveRow). */
export function moveDeployment(db: Db, id: string, event: DeploymentEvent, patch: Partial<Omit<Deployment, "id" | "createdAt" | "status">> = {}, from?: readonly DeploymentStatus[]) {
  return moveRow(db, deployments, deploymentMachine, id, event, patch, from);
}
