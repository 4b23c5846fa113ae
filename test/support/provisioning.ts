// The test bed for integration tests: the run's PULUMI_HOME (from the global setup) and the
// helpers of bed.ts.
import { inject } from "vitest";
import { startBedAt, type Bed, type HetznerBed } from "./bed.ts";
import type { CloudId, CloudOptions } from "./clouds.ts";

export { waitForStatus, type Bed, type HetznerBed } from "./bed.ts";

/** A bed on the Hetzner emulator. */
export const startBed = (env: Record<string, string> = {}): Promise<HetznerBed> => startBedAt(inject("pulumiHome"), env);

/** A bed on the emulator of `cloud` (or of several clouds, the first being the bed's `cloud`). */
export const startCloudBed = (cloud: CloudId | CloudId[], env: Record<string, string> = {}, opts: CloudOptions = {}): Promise<Bed> =>
  startBedAt(inject("pulumiHome"), env, Array.isArray(cloud) ? cloud : [cloud], opts);
