// What every figure gets from the runner: the mode (full or --quick), the cloud, the Pulumi CLI
// and one PULUMI_HOME with the provider stand-ins installed once for the whole run, a scratch
// folder, and a test bed started with the bench's settings.
import type { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { startBedAt, type Bed } from "../support/bed.ts";
import type { ActionTimes, CloudId } from "../support/clouds.ts";

export interface BenchContext {
  quick: boolean;
  /** The cloud figures 1 and 2 provision on (`--cloud`, Hetzner by default). */
  cloud: CloudId;
  /** `--rounds`: figure 1's rounds of each kind, instead of its own default. */
  rounds?: number;
  pulumi: PulumiCommand;
  pulumiHome: string;
  /** Removed when the run ends. */
  dir: string;
  /** A progress line (stderr), so that stdout holds the tables alone. */
  say(line: string): void;
  /** A console on the test bed; the figure closes it. */
  bed(opts: { times: Partial<ActionTimes>; concurrency?: number; env?: Record<string, string> }): Promise<Bed>;
}

/**
 * The bench's console settings: logs at warn, limits out of the way (a figure creates many
 * servers), and node checks once a day, so that the servers a figure leaves running are not
 * checked over SSH while the next batch is timed.
 */
export function benchBed(pulumiHome: string, cloud: CloudId, opts: Parameters<BenchContext["bed"]>[0]): Promise<Bed> {
  const env = {
    HOIST_LOG_LEVEL: "warn",
    HOIST_SERVER_QUOTA: "10000",
    HOIST_SERVER_CHANGE_LIMIT: "10000",
    HOIST_NODE_CHECK_INTERVAL: "86400",
    HOIST_CONCURRENCY: String(opts.concurrency ?? 4),
    ...opts.env,
  };
  return startBedAt(pulumiHome, env, [cloud], { times: opts.times });
}

/**
 * Closes a bed once its engine is idle. A server is ready a moment before its operation ends;
 * stopping the engine in that moment would cancel an operation that has in fact finished (and
 * leave the engine's cancel-grace timer holding the process for two minutes).
 */
export async function closeBed(bed: Bed): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([bed.console.deps.engine.idle(), new Promise((r) => (timer = setTimeout(r, 30_000)))]);
  clearTimeout(timer);
  await bed.close();
}
