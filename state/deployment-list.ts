// The Deployments list: a page of the deployments not removed (unless removed ones are asked for),
// newest first, each with its node and its owner's email joined in the same query, never looked
// up row by row; and how many removed ones the default list leaves out, so it can say so.
import { and, eq, ne, sql, type SQL } from "drizzle-orm";
import type { Db } from "./db.ts";
import type { Deployment } from "./deployments.ts";
import type { Node } from "./nodes.ts";
import { contains, keysetPage, type KeysetOrder, type Page, type PageRequest } from "./pages.ts";
import { deployments, migrationItems, migrations, nodes, users } from "./schema.ts";
import { owned, type Scope } from "./scope.ts";
import type { DeploymentStatus } from "./statuses.ts";

export interface DeploymentListRow {
  deployment: Deployment;
  /** The node it runs on, null when it has none (any more). */
  node: Node | null;
  ownerEmail: string | null;
  /** The open migration moving it, if one is. */
  migrationId: string | null;
}

export interface DeploymentFilter {
  /** Without one, every deployment but the removed ones. */
  status?: DeploymentStatus;
  /** The catalog entry's id. */
  app?: string;
  /** Part of the name. */
  q?: string;
}

const order: KeysetOrder<DeploymentListRow> = {
  column: deployments.createdAt,
  id: deployments.id,
  direction: "desc",
  keyOf: (r) => [r.deployment.createdAt.getTime(), r.deployment.id],
};

// Its open migration (as state/app-migrations.ts activeItemOf finds it), in the same query.
const moving = sql<string | null>`(select ${migrationItems.migrationId} from ${migrationItems} join ${migrations} on ${migrations.id} = ${migrationItems.migrationId} where ${migrationItems.deploymentId} = ${deployments.id} and ${migrations.status} in ('queued', 'running', 'paused') limit 1)`;

const joined = (db: Db) =>
  db
    .select({ deployment: deployments, node: nodes, ownerEmail: users.email, migrationId: moving })
    .from(deployments)
    .leftJoin(nodes, eq(nodes.id, deployments.nodeId))
    .leftJoin(users, eq(users.id, deployments.userId));

function filterOf(scope: Scope, f: DeploymentFilter, status: SQL): SQL | undefined {
  return and(owned(deployments.userId, scope), status, f.app ? eq(deployments.app, f.app) : undefined, f.q ? contains(deployments.name, f.q) : undefined);
}

const count = (db: Db, cond: SQL | undefined) => db.select({ n: sql<number>`count(*)` }).from(deployments).where(cond).get()!.n;

export interface DeploymentPage extends Page<DeploymentListRow> {
  /** Without a status filter: the removed deployments matching the other filters, left out of this list. */
  removedHidden: number;
}

/** A page of the deployments `scope` may see that match `filter` (removed ones only when asked for). */
export function pageDeployments(db: Db, scope: Scope, filter: DeploymentFilter, req: PageRequest): DeploymentPage {
  const where = filterOf(scope, filter, filter.status ? eq(deployments.status, filter.status) : ne(deployments.status, "removed"));
  return db.transaction(() => ({
    ...keysetPage(order, where, req, {
      rows: (cond, orderBy, limit) => joined(db).where(cond).orderBy(...orderBy).limit(limit).all(),
      count: (cond) => count(db, cond),
    }),
    removedHidden: filter.status ? 0 : count(db, filterOf(scope, filter, eq(deployments.status, "removed"))),
  }));
}
