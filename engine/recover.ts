// After Hoist died mid-operation: stop the Pulumi processes it left, clear the stack's lock, adopt
// what the provider created but the state only holds as "pending create" (so nothing is orphaned
// at the provider), and let the caller mark the operation failed with "interrupted — retry".
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import type { CloudCredential, ServerSupport } from "../stacks/cloud.ts";
import { killMarked } from "./processes.ts";
import { openStack, STACK_MARK, workDirOf, type PulumiSettings } from "./workspace.ts";

interface PendingOperation {
  type: string;
  resource: { urn: string; type: string; inputs?: Record<string, unknown>; [k: string]: unknown };
}

/** Why an adopted resource is in the state as broken. */
const ADOPTED = "created by an operation that was interrupted; Hoist replaces it";

/** Looks a pending resource up at the provider: its id there, or undefined when it is not there. */
export type Finder = (resource: { type: string; inputs: Record<string, unknown> }) => Promise<string | undefined>;

export interface Recovery {
  killed: number;
  adopted: string[];
  dropped: string[];
}

/**
 * Makes the stack usable again. `find` looks a pending resource up at the provider (by the tags
 * that say it is this stack's); found ones enter the state with their real id, marked broken, the
 * rest are dropped.
 */
export async function recoverStack(settings: PulumiSettings, stackName: string, find?: Finder): Promise<Recovery> {
  // The CLI and its plugins outlive a SIGKILLed Hoist; they would go on changing the stack.
  const killed = killMarked(STACK_MARK, workDirOf(settings, stackName));
  const stack = await openStack(settings, stackName);
  await stack.cancel().catch(() => undefined); // "no update in progress" is fine
  const { adopted, dropped } = await adoptPendingCreates(stack, find);
  return { killed, adopted, dropped };
}

/** A stack's exported state, as the functions below read it. */
export type StackState = Awaited<ReturnType<Stack["exportStack"]>>;
type StateResource = { urn: string; type: string; initErrors?: string[]; outputs?: Record<string, unknown>; [k: string]: unknown };
type Deployment = { resources?: StateResource[]; pending_operations?: PendingOperation[] };

/** The resources of an exported state. */
export const resourcesIn = (state: StackState): StateResource[] => (state.deployment as Deployment | undefined)?.resources ?? [];

/**
 * Moves the state's pending creates into its resources when `find` finds them at the provider,
 * and drops the others. Exported for `up`, which does it too: a recovery that could not reach the
 * provider left them pending, and an up would otherwise drop them and leak what they made.
 * `state` is the stack's state, exported by the caller; it is changed in place, so that what the
 * caller reads from it afterwards includes what was adopted.
 */
export async function adoptPendingCreates(stack: Stack, find?: Finder, state?: StackState) {
  state ??= await stack.exportStack();
  const deployment = state.deployment as Deployment | undefined;
  const pending = deployment?.pending_operations ?? [];
  const adopted: string[] = [];
  const dropped: string[] = [];
  if (!deployment || pending.length === 0) return { adopted, dropped };
  for (const p of pending) {
    const id = p.type === "creating" && find ? await find({ type: p.resource.type, inputs: p.resource.inputs ?? {} }) : undefined;
    if (id) {
      // Its create never finished (the server may still be booting, without an address), so it enters
      // the state as Pulumi keeps a resource that failed to start, its inputs for outputs: the next
      // up replaces it (deleting this one), a destroy deletes it by its id. A refresh would read it
      // as it is and forget that it is broken.
      deployment.resources = [...(deployment.resources ?? []), { ...p.resource, id, outputs: p.resource.inputs ?? {}, initErrors: [ADOPTED] }];
      adopted.push(p.resource.urn);
    } else {
      dropped.push(p.resource.urn);
    }
  }
  deployment.pending_operations = [];
  await stack.importStack(state);
  return { adopted, dropped };
}

/**
 * Resources the provider created but that failed to start (Pulumi keeps them with init errors).
 * A plain `up` would only update them in place; Hoist replaces them, so a retry starts afresh.
 */
export function brokenResources(state: StackState): string[] {
  return resourcesIn(state).filter((r) => (r.initErrors?.length ?? 0) > 0).map((r) => r.urn);
}

/** The URNs of the resources named `name` in an exported state (their logical name, whatever their type). */
export function namedIn(state: StackState, name: string): string[] {
  return resourcesIn(state).filter((r) => !r.type.startsWith("pulumi:") && r.urn.endsWith(`::${name}`)).map((r) => r.urn);
}

/** The URNs of the stack's resources named `name`, read from a fresh export. */
export async function resourcesNamed(stack: Stack, name: string): Promise<string[]> {
  return namedIn(await stack.exportStack(), name);
}

/** Drops the resources `which` picks from the stack's state (they stay where they are); returns their URNs. */
export async function forgetResources(stack: Stack, which: (urn: string) => boolean): Promise<string[]> {
  const state = await stack.exportStack();
  const deployment = state.deployment as { resources?: { urn: string; dependencies?: string[] }[] } | undefined;
  const gone = (deployment?.resources ?? []).filter((r) => which(r.urn)).map((r) => r.urn);
  if (!deployment || gone.length === 0) return [];
  deployment.resources = deployment.resources!.filter((r) => !gone.includes(r.urn)).map((r) => ({ ...r, dependencies: r.dependencies?.filter((d) => !gone.includes(d)) }));
  await stack.importStack(state);
  return gone;
}

/** Whether the stack's state holds anything at the provider (or a create that may have made something). */
export async function holdsResources(stack: Stack): Promise<boolean> {
  const deployment = (await stack.exportStack()).deployment as { resources?: { type: string }[]; pending_operations?: unknown[] } | undefined;
  const real = (deployment?.resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"));
  return real.length > 0 || (deployment?.pending_operations?.length ?? 0) > 0;
}

/** `find` for a server stack: the adapter's lookup by the server's node tag, with its credential. */
export function finderFor(support: ServerSupport, cred: CloudCredential, server: { nodeId: string; region: string }): Finder {
  return (resource) => support.findResource(cred, { ...resource, ...server });
}
