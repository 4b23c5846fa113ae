// The lists the page-scale figure times, in order. The marketplace deployments and the drift
// reports do not exist yet: their developer replaces each pending line with a surface file
// like pages/servers.ts, whose `seed` writes the rows it lists.
import { nodesSurface } from "./nodes.ts";
import { serversSurface } from "./servers.ts";
import { pendingSurface, type PendingSurface, type Surface } from "./surface.ts";

export const surfaces: readonly (Surface | PendingSurface)[] = [
  serversSurface,
  nodesSurface,
  pendingSurface("Marketplace deployments (page and /api/v1/deployments)", "the marketplace (app deployments)"),
  pendingSurface("Drift (page and its API)", "the drift report list"),
];
