// The Nodes list: a page of nodes by name, each with its server's status (whether a check means
// anything) and its owner's email joined in the same query, never looked up row by row.
import { and, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "./db.ts";
import type { Node } from "./nodes.ts";
import { contains, keysetPage, type KeysetOrder, type Page, type PageRequest } from "./pages.ts";
import { deployments, driftReports, nodes, servers, users } from "./schema.ts";
import { owned, type Scope } from "./scope.ts";
import { deploymentPolicy, deploymentStatuses, type NodeState, type ServerStatus } from "./statuses.ts";

export interface NodeListRow {
  node: Node;
  /** Its server's status, null when it has none the reader may see. */
  serverStatus: ServerStatus | null;
  ownerEmail: string;
  /** Its server's stack, when the reader may see the server. */
  serverStack: string | null;
  /** Deployments on it (any not removed). */
  deployments: number;
  /** Those of its deployments with an open drift report. */
  driftedApps: number;
}

export interface NodeFilter {
  state?: NodeState;
  cloud?: string;
  /** Part of the name or of the address. */
  q?: string;
}

const order: KeysetOrder<NodeListRow> = {
  column: nodes.name,
  id: nodes.id,
  direction: "asc",
  keyOf: (r) => [r.node.name, r.node.id],
};

const occupying = deploymentStatuses.filter(deploymentPolicy.occupiesNode);

function joined(db: Db, scope: Scope) {
  // Counted in the same query, for the page's rows only: a subquery per row on the deployments'
  // node index, and for drift each of its deployments' stack looked up in the open reports'
  // index (one open report per stack), so that neither grows with the fleet.
  const onNode = sql`${deployments.nodeId} = ${nodes.id} and ${inArray(deployments.status, occupying)}`;
  const count = sql<number>`(select count(*) from ${deployments} where ${onNode})`;
  const drifted = sql<number>`(select count(*) from ${deployments} where ${onNode} and exists (select 1 from ${driftReports} where ${driftReports.stack} = ${deployments.stack} and ${driftReports.state} = 'open'))`;
  return db
    .select({ node: nodes, serverStatus: servers.status, serverStack: servers.stack, ownerEmail: users.email, deployments: count, driftedApps: drifted })
    .from(nodes)
    .innerJoin(users, eq(users.id, nodes.userId))
    .leftJoin(servers, and(eq(servers.id, nodes.serverId), owned(servers.userId, scope)));
}

function filterOf(scope: Scope, f: NodeFilter): SQL | undefined {
  return and(
    owned(nodes.userId, scope),
    f.state ? eq(nodes.state, f.state) : undefined,
    f.cloud ? eq(nodes.cloud, f.cloud) : undefined,
    f.q ? or(contains(nodes.name, f.q), contains(nodes.address, f.q)) : undefined,
  );
}

/** A page of the nodes `scope` may see that match `filter`. */
export function pageNodes(db: Db, scope: Scope, filter: NodeFilter, req: PageRequest): Page<NodeListRow> {
  const where = filterOf(scope, filter);
  return db.transaction(() =>
    keysetPage(order, where, req, {
      rows: (cond, orderBy, limit) => joined(db, scope).where(cond).orderBy(...orderBy).limit(limit).all(),
      count: (cond) => db.select({ n: sql<number>`count(*)` }).from(nodes).where(cond).get()!.n,
    }),
  );
}

/** One node as the list shows it, if `scope` may see it. */
export function nodeListRow(db: Db, scope: Scope, id: string): NodeListRow | undefined {
  return joined(db, scope)
    .where(and(eq(nodes.id, id), owned(nodes.userId, scope)))
    .get();
}
