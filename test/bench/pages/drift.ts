// The Drift page on the page-scale figure: /drift and GET /api/v1/drift, with a drift report for
// each server seeded (every 5th still open with its drifted resources, the others closed by a
// clean check), written as the rows the checks would write.
import { desc, eq, isNull } from "drizzle-orm";
import { randomUUID } from "node:crypto";
import { summaryOf, type DriftedResource } from "../../../state/drift.ts";
import { driftReports, driftResources, servers } from "../../../state/schema.ts";
import { encodeCursor } from "../../../server/lists.ts";
import { insertRows } from "../../support/fleet.ts";
import type { Seeded, Surface } from "./surface.ts";

const T0 = Date.now() - 20_000 * 60_000;

const findings = (i: number): DriftedResource[] => [
  { urn: `urn:pulumi:server::hoist::hcloud:index/server:Server::s${i}`, name: "server", type: "hcloud:index/server:Server", kind: "changed", properties: [{ property: "serverType", declared: "cx22", actual: "cx32" }] },
  ...(i % 3 === 0 ? [{ urn: `urn:pulumi:server::hoist::hcloud:index/firewall:Firewall::f${i}`, name: "firewall", type: "hcloud:index/firewall:Firewall", kind: "deleted" as const, properties: [] }] : []),
];

/** The cursor after the open report at `position` in the page's order (newest found first). */
function cursorAt(s: Seeded, position: number): string {
  const row = s.console.deps.db.select({ id: driftReports.id, at: driftReports.detectedAt }).from(driftReports).where(eq(driftReports.state, "open")).orderBy(desc(driftReports.detectedAt), desc(driftReports.id)).limit(1).offset(position - 1).get()!;
  return encodeCursor("after", [row.at.getTime(), row.id]);
}

export const driftSurface: Surface = {
  name: "Drift",
  seed: (s: Seeded, count: number) => {
    const db = s.console.deps.db;
    // The servers seeded just now are those without a report yet.
    const fresh = db.select({ id: servers.id, stack: servers.stack, userId: servers.userId }).from(servers).leftJoin(driftReports, eq(driftReports.serverId, servers.id)).where(isNull(driftReports.id)).limit(count).all();
    // The rows the checks would write (state/drift.ts recordCheck: a report with its resources,
    // then closed as cleared by a clean check), a few hundred a statement.
    const reports: (typeof driftReports.$inferInsert)[] = [];
    const resources: (typeof driftResources.$inferInsert)[] = [];
    fresh.forEach((server, k) => {
      const i = s.rows + k + 1;
      const at = new Date(T0 + i * 60_000);
      const found = findings(i);
      const open = i % 5 === 0;
      const id = randomUUID();
      reports.push({ id, stack: server.stack, stackKind: "server", userId: server.userId, serverId: server.id, summary: summaryOf(found), detectedAt: at, lastSeenAt: at, ...(open ? {} : { state: "cleared" as const, resolvedAt: new Date(at.getTime() + 30_000) }) });
      resources.push(...found.map((r) => ({ reportId: id, ...r })));
    });
    db.transaction(() => {
      insertRows(db, driftReports, reports);
      insertRows(db, driftResources, resources);
    });
  },
  probes: (s) => {
    // A fifth of the reports are open.
    const deep = cursorAt(s, Math.floor(s.rows / 10));
    return [
      { label: "page: first 50 open, 20 closed lately", url: "/drift" },
      { label: "page: 50 open from the middle", url: `/drift?cursor=${deep}` },
      { label: "API: first 50 open", url: "/drift", api: true },
      { label: "API: 200 open from the middle", url: `/drift?limit=200&cursor=${deep}`, api: true },
      { label: "API: first 50 closed", url: "/drift?state=closed", api: true },
    ];
  },
};
