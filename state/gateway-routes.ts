// App deployments' routes on the gateway: a hostname label, a health check and up to two
// backends (slots a and b) with their weights. gateway/routes.ts decides what they hold.
import { eq, inArray } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import type { Db } from "./db.ts";
import { randomSlug } from "./gateway-allocations.ts";
import { gatewayRoutes } from "./schema.ts";

export type RouteRow = typeof gatewayRoutes.$inferSelect;
export type RouteHealth = RouteRow["health"];
export type RouteBackends = RouteRow["backends"];
export type Slot = keyof RouteBackends & string;
export type RouteBackend = NonNullable<RouteBackends[Slot]>;

export const SLOTS: readonly Slot[] = ["a", "b"];

const isUniqueViolation = (err: unknown) => err instanceof Error && /UNIQUE constraint failed: gateway_routes\.hostname/.test(err.message);

/** Inserts a route labelled `<name>-<slug>`, drawing another slug if that label is taken. */
export function insertRoute(db: Db, r: { deploymentId: string; name: string; health: RouteHealth; backends: RouteBackends }): RouteRow {
  for (let attempt = 0; ; attempt++) {
    try {
      const { name, ...rest } = r;
      return db.insert(gatewayRoutes).values({ id: randomUUID(), ...rest, hostname: `${name}-${randomSlug()}`, updatedAt: new Date() }).returning().get();
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 8) throw err;
    }
  }
}

export function routeOfDeployment(db: Db, deploymentId: string): RouteRow | undefined {
  return db.select().from(gatewayRoutes).where(eq(gatewayRoutes.deploymentId, deploymentId)).get();
}

/** Several deployments' routes in one query (a list page's). */
export function routesOfDeployments(db: Db, deploymentIds: string[]): RouteRow[] {
  return deploymentIds.length ? db.select().from(gatewayRoutes).where(inArray(gatewayRoutes.deploymentId, deploymentIds)).all() : [];
}

export function allRoutes(db: Db): RouteRow[] {
  return db.select().from(gatewayRoutes).all();
}

export function updateRoute(db: Db, id: string, patch: Partial<Pick<RouteRow, "health" | "backends">>): RouteRow {
  return db.update(gatewayRoutes).set({ ...patch, updatedAt: new Date() }).where(eq(gatewayRoutes.id, id)).returning().get();
}

export function deleteRoute(db: Db, deploymentId: string): void {
  db.delete(gatewayRoutes).where(eq(gatewayRoutes.deploymentId, deploymentId)).run();
}
