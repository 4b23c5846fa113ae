// The Drift page on the page-scale figure: /drift and GET /api/v1/drift, with a drift report for
// each server seeded (every 5th still open with its drifted resources, the others closed by a
// clean check), written through the state layer as the checks would write them.
import { desc, eq, isNull } from "drizzle-orm";
import { recordCheck, type DriftedResource } from "../../../state/drift.ts";
import { driftReports, servers } from "../../../state/schema.ts";
import { encodeCursor } from "../../../server/lists.ts";
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
    db.transaction(() => {
      fresh.forEach((server, k) => {
        const i = s.rows + k + 1;
        const at = new Date(T0 + i * 60_000);
        const subject = { stack: server.stack, stackKind: "server" as const, userId: server.userId, serverId: server.id };
        recordCheck(db, subject, null, findings(i), at);
        if (i % 5 !== 0) recordCheck(db, subject, null, [], new Date(at.getTime() + 30_000));
      });
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
