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
  bed(opts: BedOptions): Promise<Bed>;
  /**
   * The bed the fleet's figures share (those with `fleet` set: 1, 2 and 5), so that the servers
   * one creates are the next one's fleet: figure 5 sweeps the stacks figures 1 and 2 made instead
   * of creating 100 of its own. Started at the first call, its actions then as long as `times`
   * says; asked for other console settings, its console restarts on the same data (a fresh
   * process state, the same fleet). The runner closes it before the first figure without `fleet`.
   */
  fleet(opts: BedOptions): Promise<Bed>;
}

export interface BedOptions {
  times: Partial<ActionTimes>;
  concurrency?: number;
  env?: Record<string, string>;
}

/**
 * The bench's console settings: logs at warn, limits out of the way (a figure creates many
 * servers), and node checks once a day, so that the servers a figure leaves running are not
 * checked over SSH while the next batch is timed.
 */
export function benchBed(pulumiHome: string, cloud: CloudId, opts: BedOptions): Promise<Bed> {
  return startBedAt(pulumiHome, benchEnv(opts), [cloud], { times: opts.times });
}

function benchEnv(opts: BedOptions): Record<string, string> {
  return {
    HOIST_LOG_LEVEL: "warn",
    HOIST_SERVER_QUOTA: "10000",
    HOIST_SERVER_CHANGE_LIMIT: "10000",
    HOIST_NODE_CHECK_INTERVAL: "86400",
    HOIST_CONCURRENCY: String(opts.concurrency ?? 4),
    ...opts.env,
  };
}

/** The shared bed behind `BenchContext.fleet`, and its closing. */
export function fleetBeds(start: (opts: BedOptions) => Promise<Bed>) {
  let bed: Bed | undefined;
  let env: Record<string, string> = {};
  return {
    async fleet(opts: BedOptions): Promise<Bed> {
      const wanted = benchEnv(opts);
      if (!bed) {
        bed = await start(opts);
      } else if (JSON.stringify(wanted) !== JSON.stringify(env)) {
        await untilIdle(bed);
        // Settings the new ones leave out go back to the console's defaults.
        await bed.restart(Object.fromEntries(Object.keys({ ...env, ...wanted }).map((k) => [k, wanted[k] ?? ""])));
      }
      env = wanted;
      bed.cloud.setTimes(opts.times);
      return bed;
    },
    async close(): Promise<void> {
      if (bed) await closeBed(bed);
      bed = undefined;
    },
  };
}

/**
 * Resolves once the bed's engine is idle (or after 30 s). A server is ready a moment before its
 * operation ends; stopping the engine in that moment would cancel an operation that has in fact
 * finished (and leave the engine's cancel-grace timer holding the process for two minutes).
 */
async function untilIdle(bed: Bed): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([bed.console.deps.engine.idle(), new Promise((r) => (timer = setTimeout(r, 30_000)))]);
  clearTimeout(timer);
}

/** Closes a bed once its engine is idle. */
export async function closeBed(bed: Bed): Promise<void> {
  await untilIdle(bed);
  await bed.close();
}
