// Dedicated nodes made by the wizard: which deployments each one is for (kept so that the move
// can be started after a reload, or from the API, once the node is ready).
import { eq } from "drizzle-orm";
import type { Db } from "./db.ts";
import { dedicatedPlans } from "./schema.ts";

export type DedicatedPlan = typeof dedicatedPlans.$inferSelect;

export function insertDedicatedPlan(db: Db, p: Pick<DedicatedPlan, "serverId" | "deploymentIds" | "laterIds" | "basis">): DedicatedPlan {
  return db.insert(dedicatedPlans).values(p).returning().get();
}

export function dedicatedPlanOf(db: Db, serverId: string): DedicatedPlan | undefined {
  return db.select().from(dedicatedPlans).where(eq(dedicatedPlans.serverId, serverId)).get();
}
