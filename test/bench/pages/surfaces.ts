// The lists the page-scale figure times, in order. The marketplace deployments and the drift
// reports have no probes yet: each pending line is to be replaced with a surface file like
// pages/servers.ts, whose `seed` writes the rows it lists.
import { nodesSurface } from "./nodes.ts";
import { serversSurface } from "./servers.ts";
import { pendingSurface, type PendingSurface, type Surface } from "./surface.ts";

export const surfaces: readonly (Surface | PendingSurface)[] = [
  serversSurface,
  nodesSurface,
  pendingSurface("Marketplace deployments (page and /api/v1/deployments)", "no probes yet: the deployments list reached main after this bench was written"),
  pendingSurface("Drift (page and its API)", "no probes yet: the drift report list (branch drift) was not in main when this bench was written"),
];
