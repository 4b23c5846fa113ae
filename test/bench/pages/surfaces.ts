// The lists the page-scale figure times, in order. The marketplace deployments and the drift
// reports are not in this build yet: once they are, each pending line is replaced with a surface
// file like pages/servers.ts, whose `seed` writes the rows it lists.
import { nodesSurface } from "./nodes.ts";
import { serversSurface } from "./servers.ts";
import { pendingSurface, type PendingSurface, type Surface } from "./surface.ts";

export const surfaces: readonly (Surface | PendingSurface)[] = [
  serversSurface,
  nodesSurface,
  pendingSurface("Marketplace deployments (page and /api/v1/deployments)", "the deployments list is not in this build yet"),
  pendingSurface("Drift (page and its API)", "the drift report list (branch drift) is not in this build yet"),
];
