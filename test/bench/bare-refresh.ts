// Figure 5's baseline: a refresh preview of one of Hoist's own server stacks, driven straight
// through the Automation API with no Hoist code — select the stack, `previewRefresh` running the
// program of stacks/entry.ts, the events watched by a callback that only notes times — as anyone
// checking a stack for drift by hand would. It reads the same backend with the same passphrase
// from a work folder of its own holding a copy of the stack's settings file (its config and
// passphrase salt), so that Hoist's folder is never touched; a refresh preview writes no state.
import { LocalWorkspace, type EngineEvent } from "@pulumi/pulumi/automation/index.js";
import fs from "node:fs";
import path from "node:path";
import { STACK_MARK, workDirOf, type PulumiSettings } from "../../engine/workspace.ts";
import { program, PROJECT } from "../../stacks/entry.ts";

export interface BareRefreshTimes {
  /** From the first call to the preview's end: what is compared with Hoist's check. */
  total: number;
  /** selectStack: `pulumi stack select`. */
  select: number;
  /** From the preview's call to its first refresh step (the CLI, the program and plugins starting). */
  start: number;
  /** From the first refresh step to the summary. */
  resources: number;
  /** From the summary to the call's end. */
  tail: number;
}

/** Previews a refresh of Hoist's stack `stack`, from a copy of its work folder's settings under `dir`. */
export async function bareRefresh(settings: PulumiSettings, dir: string, stack: string): Promise<BareRefreshTimes> {
  const workDir = path.join(dir, stack);
  fs.mkdirSync(workDir, { recursive: true });
  const file = `Pulumi.${stack}.yaml`;
  fs.copyFileSync(path.join(workDirOf(settings, stack), file), path.join(workDir, file));
  const t0 = performance.now();
  const s = await LocalWorkspace.selectStack(
    { projectName: PROJECT, stackName: stack, program },
    {
      workDir,
      pulumiCommand: settings.cli,
      pulumiHome: settings.home,
      envVars: {
        // Only so that the bench's memory sampler counts these processes as it counts Hoist's.
        [STACK_MARK]: workDir,
        PULUMI_BACKEND_URL: settings.backendUrl,
        PULUMI_CONFIG_PASSPHRASE: settings.passphrase.reveal(),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
      },
      projectSettings: { name: PROJECT, runtime: "nodejs" },
    },
  );
  const t1 = performance.now();
  let first = 0;
  let summary = 0;
  const onEvent = (e: EngineEvent) => {
    if (e.resourcePreEvent?.metadata.op === "refresh") first ||= performance.now();
    if (e.summaryEvent) summary = performance.now();
  };
  await s.previewRefresh({ runProgram: true, color: "never", onEvent });
  const t2 = performance.now();
  first ||= t1;
  summary ||= t2;
  return { total: t2 - t0, select: t1 - t0, start: first - t1, resources: summary - first, tail: t2 - summary };
}

/** Runs `work` over `items`, at most `parallelism` at once, in order; resolves with the results in that order. */
export async function pool<T, R>(items: readonly T[], parallelism: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, items.length) }, lane));
  return out;
}
