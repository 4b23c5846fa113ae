// The Nodes list on the page-scale figure: /nodes and GET /api/v1/nodes.
import { asc } from "drizzle-orm";
import { nodes } from "../../../state/schema.ts";
import { encodeCursor } from "../../../server/lists.ts";
import type { Seeded, Surface } from "./surface.ts";

/** The cursor after the node at `position` in the list's order (by name). */
function cursorAt(s: Seeded, position: number): string {
  const row = s.console.deps.db.select({ id: nodes.id, name: nodes.name }).from(nodes).orderBy(asc(nodes.name), asc(nodes.id)).limit(1).offset(position - 1).get()!;
  return encodeCursor("after", [row.name, row.id]);
}

export const nodesSurface: Surface = {
  name: "Nodes",
  probes: (s) => {
    const deep = cursorAt(s, Math.floor(s.rows / 2));
    return [
      { label: "page: first 50", url: "/nodes" },
      { label: "page: 50 from the middle", url: `/nodes?cursor=${deep}` },
      { label: "page: state=offline", url: "/nodes?state=offline" },
      { label: "page: address contains 127.2.10.", url: "/nodes?q=127.2.10." },
      { label: "API: first 50", url: "/nodes", api: true },
      { label: "API: 200 from the middle", url: `/nodes?limit=200&cursor=${deep}`, api: true },
      { label: "API: cloud=digitalocean", url: "/nodes?cloud=digitalocean", api: true },
    ];
  },
};
