// The test bed for integration tests: the run's PULUMI_HOME (from the global setup) and the
// helpers of bed.ts.
import { inject } from "vitest";
import { startBedAt, type Bed } from "./bed.ts";

export { waitForStatus, type Bed } from "./bed.ts";

export const startBed = (env: Record<string, string> = {}): Promise<Bed> => startBedAt(inject("pulumiHome"), env);
