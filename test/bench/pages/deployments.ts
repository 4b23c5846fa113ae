// The Deployments list on the page-scale figure: /deployments and GET /api/v1/deployments, with a
// deployment of a catalog app on each node seeded (one per server seeded: most running, every
// 25th failed with its reason, every 30th removed), written as the rows Hoist would have written.
import { randomUUID } from "node:crypto";
import { desc, eq, isNull, ne } from "drizzle-orm";
import { deployments, nodes } from "../../../state/schema.ts";
import type { DeploymentStatus } from "../../../state/statuses.ts";
import { encodeCursor } from "../../../server/lists.ts";
import { insertRows } from "../../support/fleet.ts";
import type { Seeded, Surface } from "./surface.ts";

// Every deployment a minute after the one before, the newest about now whatever the fleet's size.
const T0 = Date.now() - 20_000 * 60_000;

const statusOf = (i: number): DeploymentStatus => (i % 30 === 0 ? "removed" : i % 25 === 0 ? "failed" : "running");

/** The cursor after the deployment at `position` in the list's order (newest first, removed ones left out). */
function cursorAt(s: Seeded, position: number): string {
  const row = s.console.deps.db
    .select({ id: deployments.id, createdAt: deployments.createdAt })
    .from(deployments)
    .where(ne(deployments.status, "removed"))
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(1)
    .offset(position - 1)
    .get()!;
  return encodeCursor("after", [row.createdAt.getTime(), row.id]);
}

export const deploymentsSurface: Surface = {
  name: "Deployments",
  seed: (s, count) => {
    const db = s.console.deps.db;
    const apps = s.console.deps.catalog.map((a) => a.id);
    // The nodes seeded just now are those with no deployment yet; failed servers have none, so some take two.
    const free = db.select({ id: nodes.id, address: nodes.address, userId: nodes.userId }).from(nodes).leftJoin(deployments, eq(deployments.nodeId, nodes.id)).where(isNull(deployments.id)).all();
    // The rows Hoist would have written (insertDeployment, then its status), a few hundred a statement.
    const rows: (typeof deployments.$inferInsert)[] = [];
    for (let k = 1; k <= count; k++) {
      const i = s.rows + k;
      const node = free[k % free.length]!;
      const name = `app-${String(i).padStart(5, "0")}`;
      const status = statusOf(i);
      const failed = status === "failed";
      const at = new Date(T0 + i * 60_000);
      rows.push({
        id: randomUUID(),
        userId: node.userId,
        nodeId: node.id,
        app: apps[i % apps.length]!,
        name,
        slug: name,
        stack: `app-${name}`,
        spec: { image: "hoist-test/httpd", tag: "1", ports: [{ name: "web", host: 8080, container: 80, protocol: "tcp" }], env: { GREETING: "hi" }, address: node.address } as never,
        status,
        createdAt: at,
        updatedAt: at,
        errorReason: failed ? "The container exited at once: its health check never answered" : null,
        errorCode: failed ? "unhealthy" : null,
        errorAction: failed ? "Read its logs, fix its settings and retry." : null,
        retryable: failed ? true : null,
      });
    }
    db.transaction(() => insertRows(db, deployments, rows));
  },
  probes: (s) => {
    const deep = cursorAt(s, Math.floor(s.rows / 2));
    const app = s.console.deps.catalog[0]!.id;
    return [
      { label: "page: first 50", url: "/deployments" },
      { label: "page: 50 from the middle", url: `/deployments?cursor=${deep}` },
      { label: "page: status=failed", url: "/deployments?status=failed" },
      { label: `page: app=${app}, name contains app-01`, url: `/deployments?app=${app}&q=app-01` },
      { label: "API: first 50", url: "/deployments", api: true },
      { label: "API: 200 from the middle", url: `/deployments?limit=200&cursor=${deep}`, api: true },
      { label: "API: status=removed", url: "/deployments?status=removed", api: true },
    ];
  },
};
