// Drift of a stack, as a refresh preview finds it: for each resource, what its refresh step would
// record — changed (each property whose recorded value differs from what the provider reads
// now, declared → actual), or deleted out of band. Read from the engine's per-resource events,
// never from the run's change summary (which does not count a resource deleted out of band):
// only refresh steps count (started with op `refresh`), not the program's own steps that follow
// them when the program runs. The engine calls a refresh step `same` when the inputs it read back
// match, though outputs changed; outputs that matter (a server's power state) are watched.
// Secrets stay masked: Pulumi sends them as "[secret]", and properties that carry them are
// masked whatever they hold. Nothing here writes state; the CLI may call it as the console does.
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation/index.js";
import type { DriftedProperty, DriftedResource } from "../state/drift.ts";
import { urnName } from "./events.ts";
import { safe } from "./plan.ts";

export type { DriftedProperty, DriftedResource };

type Props = Record<string, unknown>;

const isMap = (v: unknown): v is Props => v !== null && typeof v === "object" && !Array.isArray(v);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Pulumi's and the bridge's own bookkeeping, not properties of the resource. */
const bookkeeping = (key: string) => key.startsWith("__");

/**
 * The properties that differ between two property maps, as paths: maps (labels, tags) are
 * compared key by key (`labels.team`), anything else as a whole.
 */
export function changedProperties(declared: Props, actual: Props, prefix = ""): DriftedProperty[] {
  const keys = [...new Set([...Object.keys(declared), ...Object.keys(actual)])].filter((k) => !bookkeeping(k)).sort();
  const out: DriftedProperty[] = [];
  for (const key of keys) {
    const [d, a] = [declared[key], actual[key]];
    if (same(d, a)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isMap(d) && isMap(a)) out.push(...changedProperties(d, a, path));
    else out.push({ property: path, declared: safe(path, d), actual: safe(path, a) });
  }
  return out;
}

/** The state a refresh step reads from: its outputs, with inputs the outputs do not echo. */
const stateOf = (s: { inputs?: Props; outputs?: Props } | undefined): Props => ({ ...(s?.inputs ?? {}), ...(s?.outputs ?? {}) });

/** An output property that drifts even when the engine finds its step `same` (Pulumi compares inputs only). */
export interface WatchedOutput {
  type: string;
  property: string;
}

/** Turns one refresh step's outcome into a drifted resource, or undefined when it found none. */
export function driftOfStep(m: NonNullable<EngineEvent["resOutputsEvent"]>["metadata"], watched: WatchedOutput[] = []): DriftedResource | undefined {
  if (m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) return undefined;
  const base = { urn: m.urn, name: urnName(m.urn), type: m.type };
  if (m.op === "delete") return { ...base, kind: "deleted", properties: [] };
  if (m.op !== "update" && m.op !== "same") return undefined;
  const all = changedProperties(stateOf(m.old), stateOf(m.new));
  // A `same` step's output changes are the provider's bookkeeping (a firewall's computed targets) unless watched.
  const properties = m.op === "update" ? all : all.filter((p) => watched.some((w) => w.type === m.type && w.property === p.property));
  // A step that changes only bookkeeping (timeouts, schema version) is no drift.
  return properties.length ? { ...base, kind: "changed", properties } : undefined;
}

/** Gathers a refresh preview's drift from its engine events: each resource's refresh step. */
export function driftCollector(watched: WatchedOutput[] = []): { onEvent(e: EngineEvent): void; resources(): DriftedResource[] } {
  const refreshing = new Set<string>();
  const found = new Map<string, DriftedResource | undefined>();
  return {
    onEvent(e) {
      const pre = e.resourcePreEvent?.metadata;
      if (pre?.op === "refresh") refreshing.add(pre.urn);
      const m = e.resOutputsEvent?.metadata;
      // The program's steps (logical, after the refresh) see the state as refreshed: they tell nothing.
      if (m && refreshing.delete(m.urn)) found.set(m.urn, driftOfStep(m, watched));
    },
    resources: () => [...found.values()].filter((r): r is DriftedResource => r !== undefined),
  };
}

/**
 * Runs a refresh preview of a configured stack (no state is written) and returns what drifted.
 * `runProgram` so that the provider settings are the stack config's, not those saved with the
 * state (a rotated token or a moved endpoint).
 */
export async function previewDrift(
  stack: Stack,
  opts: { onEvent?: (e: EngineEvent) => void; signal?: AbortSignal; watched?: WatchedOutput[]; output?: { write(text: string): void; color?: "always" | "never" } } = {},
): Promise<DriftedResource[]> {
  const drift = driftCollector(opts.watched);
  await stack.previewRefresh({
    runProgram: true,
    color: opts.output?.color ?? "never",
    // Pulumi's own output, where someone reads it (the hoist CLI).
    ...(opts.output && { onOutput: (text: string) => opts.output!.write(text), diff: true }),
    signal: opts.signal,
    onEvent: (e) => {
      drift.onEvent(e);
      opts.onEvent?.(e);
    },
  });
  return drift.resources();
}
