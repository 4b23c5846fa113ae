// The Cloud Servers list: a page of servers, newest first, each with what its row shows besides
// itself (its credential's name, its node, its owner's email) joined in the same query, so that
// a page of 50 is a handful of queries however large the fleet is.
import { and, eq, ne, sql, type SQL } from "drizzle-orm";
import type { Db } from "./db.ts";
import type { Node } from "./nodes.ts";
import { contains, keysetPage, type KeysetOrder, type Page, type PageRequest } from "./pages.ts";
import { credentials, nodes, servers, users } from "./schema.ts";
import { owned, type Scope } from "./scope.ts";
import type { Server } from "./servers.ts";
import type { ServerStatus } from "./statuses.ts";

export interface ServerListRow {
  server: Server;
  /** The credential's name, null when it was deleted or is not the reader's to see. */
  credentialName: string | null;
  node: Node | null;
  ownerEmail: string;
}

export interface ServerFilter {
  /** Without one, every server but the destroyed ones. */
  status?: ServerStatus;
  cloud?: string;
  /** Part of the name. */
  q?: string;
}

const order: KeysetOrder<ServerListRow> = {
  column: servers.createdAt,
  id: servers.id,
  direction: "desc",
  keyOf: (r) => [r.server.createdAt.getTime(), r.server.id],
};

function joined(db: Db, scope: Scope) {
  return db
    .select({ server: servers, credentialName: credentials.name, node: nodes, ownerEmail: users.email })
    .from(servers)
    .innerJoin(users, eq(users.id, servers.userId))
    .leftJoin(credentials, and(eq(credentials.id, servers.credentialId), owned(credentials.userId, scope)))
    .leftJoin(nodes, eq(nodes.serverId, servers.id));
}

function filterOf(scope: Scope, f: ServerFilter): SQL | undefined {
  return and(
    owned(servers.userId, scope),
    f.status ? eq(servers.status, f.status) : ne(servers.status, "destroyed"),
    f.cloud ? eq(servers.cloud, f.cloud) : undefined,
    f.q ? contains(servers.name, f.q) : undefined,
  );
}

/** A page of the servers `scope` may see that match `filter`. */
export function pageServers(db: Db, scope: Scope, filter: ServerFilter, req: PageRequest): Page<ServerListRow> {
  const where = filterOf(scope, filter);
  return db.transaction(() =>
    keysetPage(order, where, req, {
      rows: (cond, orderBy, limit) => joined(db, scope).where(cond).orderBy(...orderBy).limit(limit).all(),
      count: (cond) => db.select({ n: sql<number>`count(*)` }).from(servers).where(cond).get()!.n,
    }),
  );
}

/** One server as the list shows it, if `scope` may see it. */
export function serverListRow(db: Db, scope: Scope, id: string): ServerListRow | undefined {
  return joined(db, scope)
    .where(and(eq(servers.id, id), owned(servers.userId, scope)))
    .get();
}
