// The lists the page-scale figure times, in order. Each is a surface file like pages/servers.ts,
// whose `seed` writes the rows it lists.
import { deploymentsSurface } from "./deployments.ts";
import { driftSurface } from "./drift.ts";
import { nodesSurface } from "./nodes.ts";
import { serversSurface } from "./servers.ts";
import type { PendingSurface, Surface } from "./surface.ts";

export const surfaces: readonly (Surface | PendingSurface)[] = [serversSurface, nodesSurface, deploymentsSurface, driftSurface];
