// Before a server's up: what an earlier up that was interrupted or failed left in the stack's
// state, put right.
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { CONFIGURE_RESOURCE } from "../stacks/server.ts";
import { stackHasOtherOperations } from "../state/operations.ts";
import { urnName } from "./events.ts";
import type { Run } from "./kind.ts";
import { adoptPendingCreates, brokenResources, resourcesIn, type Finder, type StackState } from "./recover.ts";

export interface Repairs {
  /** The resources to replace. */
  replace: string[];
  /** The state they were read from, for the caller's own questions; none for a new stack. */
  state?: StackState;
}

/**
 * What an earlier, interrupted or failed up left in the state: pending creates adopted (or
 * dropped), and the resources to replace (those that did not finish starting, a configure step
 * that reported no host key). One export serves all three, and the caller, as each is a run of
 * the CLI; a stack no operation ever ran on before this one has no state, so it is not read at all.
 */
export async function repairsBeforeUp(run: Run, stack: Stack, find: Finder): Promise<Repairs> {
  if (!stackHasOtherOperations(run.db, stack.name, run.op.id)) return { replace: [] };
  const state = await stack.exportStack();
  const pending = await adoptPendingCreates(stack, find, state);
  if (pending.adopted.length) run.record({ type: "log", text: `Adopted ${pending.adopted.map(urnName).join(", ")}: created at the provider before Hoist was interrupted.` });
  const broken = brokenResources(state);
  if (broken.length) run.record({ type: "log", text: `Replacing ${broken.map(urnName).join(", ")}: created last time, but it did not finish starting.` });
  const unpinned = configureWithoutHostKey(state);
  if (unpinned.length) run.record({ type: "log", text: "Running the configure step again: last time it reported no SSH host key." });
  return { replace: [...broken, ...unpinned], state };
}

/**
 * The configure step, when it ran but reported no host key: only running it again can pin one
 * (its triggers have not changed, so a plain up would leave it as it is).
 */
function configureWithoutHostKey(state: StackState): string[] {
  const resources = resourcesIn(state);
  const outputs = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs;
  if (!outputs || !("hostKeyFingerprint" in outputs) || outputs.hostKeyFingerprint) return [];
  return resources.filter((r) => r.type === "command:remote:Command" && urnName(r.urn) === CONFIGURE_RESOURCE).map((r) => r.urn);
}
