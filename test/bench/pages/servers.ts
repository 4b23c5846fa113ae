// The Cloud Servers list on the page-scale figure: /nodes/cloud and GET /api/v1/servers.
import { desc } from "drizzle-orm";
import { servers } from "../../../state/schema.ts";
import { encodeCursor } from "../../../server/lists.ts";
import type { Seeded, Surface } from "./surface.ts";

/** The cursor after the server at `position` in the list's order (newest first). */
function cursorAt(s: Seeded, position: number): string {
  const row = s.console.deps.db.select({ id: servers.id, createdAt: servers.createdAt }).from(servers).orderBy(desc(servers.createdAt), desc(servers.id)).limit(1).offset(position - 1).get()!;
  return encodeCursor("after", [row.createdAt.getTime(), row.id]);
}

export const serversSurface: Surface = {
  name: "Cloud Servers",
  probes: (s) => {
    const deep = cursorAt(s, Math.floor(s.rows / 2));
    return [
      { label: "page: first 50", url: "/nodes/cloud" },
      { label: "page: 50 from the middle", url: `/nodes/cloud?cursor=${deep}` },
      { label: "page: status=failed", url: "/nodes/cloud?status=failed" },
      { label: "page: cloud=aws, name contains web-01", url: "/nodes/cloud?cloud=aws&q=web-01" },
      { label: "API: first 50", url: "/servers", api: true },
      { label: "API: 200 from the middle", url: `/servers?limit=200&cursor=${deep}`, api: true },
      { label: "API: status=stopped", url: "/servers?status=stopped", api: true },
    ];
  },
};
